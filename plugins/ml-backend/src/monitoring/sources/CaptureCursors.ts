import { Knex } from 'knex';

/**
 * Where each deployment's captured requests were last read: the cursor its serving
 * target's capture source answered with. A pass claims what it read by moving the cursor
 * from the one it started at; a pass that started at the same cursor and moved it first
 * wins, so two passes never both write the same captures.
 *
 * @internal
 */
export class CaptureCursors {
  constructor(private readonly db: Knex) {}

  /** The deployment's cursor; undefined before its first read. */
  async get(deploymentId: string): Promise<string | undefined> {
    const row = await this.db('ml_capture_cursors')
      .where({ deployment_id: deploymentId })
      .first('read_cursor');
    return row?.read_cursor ?? undefined;
  }

  /** Moves the cursor from `from` to `to`; false when another pass moved it first. */
  async advance(
    deploymentId: string,
    from: string | undefined,
    to: string,
    at: number,
  ): Promise<boolean> {
    await this.db('ml_capture_cursors')
      .insert({ deployment_id: deploymentId, read_cursor: null, read_at: at })
      .onConflict('deployment_id')
      .ignore();
    const row = this.db('ml_capture_cursors').where({
      deployment_id: deploymentId,
    });
    if (from === undefined) row.whereNull('read_cursor');
    else row.where({ read_cursor: from });
    return (await row.update({ read_cursor: to, read_at: at })) === 1;
  }

  /** Drops the cursors not moved since `before` (epoch ms): deployments no longer served. */
  async prune(before: number): Promise<number> {
    return this.db('ml_capture_cursors').where('read_at', '<', before).delete();
  }
}
