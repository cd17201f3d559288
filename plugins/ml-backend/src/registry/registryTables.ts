import { NotFoundError } from '@backstage/errors';
import {
  ModelVersionStage,
  ModelVersionStatus,
} from '@ml-portal/plugin-ml-common';
import { Knex } from 'knex';
import { AuditEntry } from './RegistryStore';

/**
 * The registry tables as both registry stores read and write them: rows, the model and
 * version lookups that lock and name what is missing as MLflow does, and the audit
 * event every write lands with. Only the stores call these.
 */

/** @internal */
export type Db = Knex | Knex.Transaction;

/** @internal */
export type ModelRow = {
  model_id: string;
  name: string;
  owner: string;
  description: string | null;
  last_version: number | string;
  creation_time: number | string;
  last_updated_time: number | string;
};

/** @internal */
export type VersionRow = {
  version_id: string;
  model_id: string;
  /** The model's name, joined. */
  name: string;
  /** The model's owner, joined. */
  owner: string;
  version: number | string;
  source: string;
  run_id: string | null;
  experiment_id: string | null;
  /** The MLflow 3 logged model the version is of. */
  logged_model_id: string | null;
  stage: ModelVersionStage;
  status: ModelVersionStatus;
  status_message: string | null;
  description: string | null;
  user_id: string | null;
  creation_time: number | string;
  last_updated_time: number | string;
};

const VERSION_COLUMNS = ['v.*', 'm.name as name', 'm.owner as owner'] as const;

/** @internal */
export const optional = <T>(value: T | null): T | undefined =>
  value ?? undefined;

/** Version numbers are positive integers; anything else names no version. @internal */
export function versionNumber(version: string): number | undefined {
  return /^[1-9]\d{0,9}$/.test(version) ? Number(version) : undefined;
}

/** @internal */
export const modelNotFound = (name: string) =>
  new NotFoundError(`Registered Model with name=${name} not found`);
/** @internal */
export const versionNotFound = (name: string, version: string) =>
  new NotFoundError(
    `Model Version (name=${name}, version=${version}) not found`,
  );

/** The model's row, locked for the transaction's writes on PostgreSQL. @internal */
export async function modelRow(db: Db, name: string): Promise<ModelRow> {
  const query = db<ModelRow>('ml_registered_models').where({ name }).first();
  // Writers of one model queue behind each other on PostgreSQL.
  if (db.client.config.client === 'pg') query.forUpdate();
  const row = await query;
  if (!row) throw modelNotFound(name);
  return row;
}

/** @internal */
export async function versionRow(
  db: Db,
  name: string,
  version: string,
): Promise<VersionRow> {
  const number = versionNumber(version);
  const [row]: VersionRow[] =
    number === undefined
      ? []
      : await versionQuery(db).where({
          'm.name': name,
          'v.version': number,
        });
  if (row) return row;
  // Tell a missing model from a missing version, as MLflow does.
  await modelRow(db, name);
  throw versionNotFound(name, version);
}

/** Versions joined to their model's name and owner. @internal */
export function versionQuery(db: Db): Knex.QueryBuilder {
  return db('ml_model_versions as v')
    .join('ml_registered_models as m', 'm.model_id', 'v.model_id')
    .select(...VERSION_COLUMNS);
}

/** Marks the model updated. @internal */
export async function touch(db: Db, modelId: string, now = Date.now()) {
  await db('ml_registered_models')
    .where({ model_id: modelId })
    .update({ last_updated_time: now });
}

/** @internal */
export async function insertAudit(
  db: Db,
  model: { model_id: string; name: string },
  entry: AuditEntry,
) {
  await db('ml_registry_audit').insert({
    at: Date.now(),
    actor: entry.actor,
    model_id: model.model_id,
    model_name: model.name,
    version: entry.version ?? null,
    action: entry.action,
    detail: entry.detail,
    metrics: entry.metrics ? JSON.stringify(entry.metrics) : null,
    request_id: entry.requestId ?? null,
  });
}

/**
 * One audited write: `change` runs on the row `find` locks or reads (a model's, or a
 * version's joined to its model) in a transaction that the audit event lands in too,
 * unless `change` returns `false` for a write that changed nothing (deleting a
 * missing tag or alias, which MLflow allows).
 *
 * @internal
 */
export function auditedWrite<R extends { model_id: string; name: string }, T>(
  db: Knex,
  find: (tx: Knex.Transaction) => Promise<R>,
  audit: AuditEntry,
  change: (tx: Knex.Transaction, row: R) => Promise<T>,
): Promise<T> {
  return db.transaction(async tx => {
    const row = await find(tx);
    const result = await change(tx, row);
    if (result !== false) await insertAudit(tx, row, audit);
    return result;
  });
}
