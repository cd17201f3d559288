import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError } from '@backstage/errors';
import {
  GateResult,
  PromotionRequestStatus,
} from '@ml-portal/plugin-ml-common';
import { Knex } from 'knex';
import { isUniqueViolation } from '../database/uniqueViolation';
import { AuditEntry } from './RegistryStore';
import {
  NewPromotion,
  PromotionDecision,
  PromotionQuery,
  PromotionStore,
  StoredPromotion,
} from './PromotionStore';
import {
  auditedWrite,
  Db,
  insertAudit,
  modelRow,
  optional,
  touch,
  versionNumber,
  versionRow,
} from './registryTables';

type PromotionRow = {
  request_id: string;
  model_id: string;
  version_id: string;
  alias: string;
  action: string;
  status: PromotionRequestStatus;
  requested_by: string;
  requested_at: number | string;
  reason: string | null;
  metrics: string;
  gates: string;
  decided_by: string | null;
  decided_at: number | string | null;
  decision_comment: string | null;
  model_name: string;
  model_owner: string;
  version: number | string;
};

const PROMOTION_COLUMNS = [
  'p.*',
  'm.name as model_name',
  'm.owner as model_owner',
  'v.version as version',
] as const;

function toPromotion(row: PromotionRow): StoredPromotion {
  return {
    id: row.request_id,
    modelId: row.model_id,
    modelName: row.model_name,
    modelOwner: row.model_owner,
    versionId: row.version_id,
    version: String(row.version),
    alias: row.alias,
    action: row.action === 'remove' ? 'remove' : 'set',
    status: row.status,
    requestedBy: row.requested_by,
    requestedAt: Number(row.requested_at),
    reason: optional(row.reason),
    metrics: JSON.parse(row.metrics),
    gates: JSON.parse(row.gates) as GateResult[],
    decidedBy: optional(row.decided_by),
    decidedAt: row.decided_at === null ? undefined : Number(row.decided_at),
    decisionComment: optional(row.decision_comment),
  };
}

/**
 * Aliases and promotion requests on the plugin's database (SQLite or PostgreSQL).
 *
 * @internal
 */
export class DatabasePromotionStore implements PromotionStore {
  private constructor(private readonly db: Knex) {}

  static create(options: { knex: Knex }): DatabasePromotionStore {
    return new DatabasePromotionStore(options.knex);
  }

  async setAlias(
    name: string,
    alias: string,
    version: string,
    audit: AuditEntry,
  ): Promise<void> {
    await auditedWrite(
      this.db,
      tx => versionRow(tx, name, version),
      audit,
      (tx, row) => this.moveAlias(tx, row.model_id, alias, row.version_id),
    );
  }

  async recordAudit(name: string, audit: AuditEntry): Promise<void> {
    await auditedWrite(
      this.db,
      tx => modelRow(tx, name),
      audit,
      async () => undefined,
    );
  }

  async deleteAlias(
    name: string,
    alias: string,
    audit: AuditEntry,
  ): Promise<void> {
    await auditedWrite(
      this.db,
      tx => modelRow(tx, name),
      audit,
      async (tx, model) => {
        const deleted = await tx('ml_model_aliases')
          .where({ model_id: model.model_id, alias })
          .delete();
        if (deleted === 0) return false;
        await touch(tx, model.model_id);
        return true;
      },
    );
  }

  async createPromotion(
    input: NewPromotion,
    audit: AuditEntry[],
    approvedBy?: string,
  ): Promise<StoredPromotion> {
    try {
      return await this.db.transaction(async tx => {
        const version = await versionRow(tx, input.modelName, input.version);
        const requestId = randomUUID();
        const now = Date.now();
        await tx('ml_promotion_requests').insert({
          request_id: requestId,
          model_id: version.model_id,
          version_id: version.version_id,
          alias: input.alias,
          action: input.action ?? 'set',
          status: approvedBy ? 'APPROVED' : 'PENDING',
          requested_by: input.requestedBy,
          requested_at: now,
          reason: input.reason ?? null,
          metrics: JSON.stringify(input.metrics),
          gates: JSON.stringify(input.gates),
          decided_by: approvedBy ?? null,
          decided_at: approvedBy ? now : null,
        });
        if (approvedBy) {
          await this.moveAlias(
            tx,
            version.model_id,
            input.alias,
            version.version_id,
          );
        }
        for (const entry of audit) {
          await insertAudit(
            tx,
            { model_id: version.model_id, name: input.modelName },
            { version: input.version, ...entry, requestId },
          );
        }
        return (
          await this.promotionsWhere(tx, { 'p.request_id': requestId })
        )[0];
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ConflictError(
          `A request to ${
            input.action === 'remove' ? 'remove' : 'move'
          } alias '${input.alias}' of model '${input.modelName}' ${
            input.action === 'remove' ? 'from' : 'to'
          } version ${input.version} is already pending`,
        );
      }
      throw error;
    }
  }

  async getPromotion(requestId: string): Promise<StoredPromotion | undefined> {
    return (
      await this.promotionsWhere(this.db, { 'p.request_id': requestId })
    )[0];
  }

  async findPendingPromotion(
    name: string,
    alias: string,
    version: string,
    action: StoredPromotion['action'] = 'set',
  ): Promise<StoredPromotion | undefined> {
    const number = versionNumber(version);
    if (number === undefined) return undefined;
    return (
      await this.promotionsWhere(this.db, {
        'm.name': name,
        'p.alias': alias,
        'v.version': number,
        'p.action': action,
        'p.status': 'PENDING',
      })
    )[0];
  }

  async listPromotions(query: PromotionQuery): Promise<StoredPromotion[]> {
    const select = this.promotionQuery(this.db)
      .orderBy('p.requested_at', 'desc')
      .orderBy('p.request_id')
      .limit(query.limit);
    if (query.status) select.where('p.status', query.status);
    if (query.modelName) select.where('m.name', query.modelName);
    if (query.version !== undefined) {
      select.where('v.version', versionNumber(query.version) ?? -1);
    }
    if (query.modelOwners) select.whereIn('m.owner', query.modelOwners);
    if (query.notRequestedBy) {
      select.whereNot('p.requested_by', query.notRequestedBy);
    }
    const rows: PromotionRow[] = await select;
    return rows.map(toPromotion);
  }

  async decidePromotion(
    requestId: string,
    decision: PromotionDecision,
    audit: AuditEntry,
  ): Promise<StoredPromotion> {
    return this.db.transaction(async tx => {
      const [request] = await this.promotionsWhere(tx, {
        'p.request_id': requestId,
      });
      if (!request) {
        throw new NotFoundError(`No promotion request with id '${requestId}'`);
      }
      // Conditional on PENDING: of two concurrent decisions, one wins.
      const updated = await tx('ml_promotion_requests')
        .where({ request_id: requestId, status: 'PENDING' })
        .update({
          status: decision.status,
          decided_by: decision.by,
          decided_at: Date.now(),
          decision_comment: decision.comment ?? null,
          ...(decision.metrics && {
            metrics: JSON.stringify(decision.metrics),
          }),
          ...(decision.gates && { gates: JSON.stringify(decision.gates) }),
        });
      if (updated === 0) {
        const current = await tx('ml_promotion_requests')
          .where({ request_id: requestId })
          .first('status');
        throw new ConflictError(
          `Promotion request ${requestId} is ${current?.status}, no longer PENDING`,
        );
      }
      if (decision.status === 'APPROVED' && request.action === 'remove') {
        // Only from the version the request named: an alias moved since stays.
        const removed = await tx('ml_model_aliases')
          .where({
            model_id: request.modelId,
            alias: request.alias,
            version_id: request.versionId,
          })
          .delete();
        if (removed === 0) {
          throw new ConflictError(
            `Alias '${request.alias}' of model '${request.modelName}' no longer points to version ${request.version}`,
          );
        }
        await touch(tx, request.modelId);
      } else if (decision.status === 'APPROVED' && !decision.deferAliasMove) {
        await this.moveAlias(
          tx,
          request.modelId,
          request.alias,
          request.versionId,
        );
      }
      await insertAudit(
        tx,
        { model_id: request.modelId, name: request.modelName },
        { version: request.version, ...audit, requestId },
      );
      return (await this.promotionsWhere(tx, { 'p.request_id': requestId }))[0];
    });
  }

  // ---- helpers -------------------------------------------------------------

  private promotionQuery(db: Db): Knex.QueryBuilder {
    return db('ml_promotion_requests as p')
      .join('ml_registered_models as m', 'm.model_id', 'p.model_id')
      .join('ml_model_versions as v', 'v.version_id', 'p.version_id')
      .select(...PROMOTION_COLUMNS);
  }

  private async promotionsWhere(
    db: Db,
    where: Record<string, string | number>,
  ): Promise<StoredPromotion[]> {
    const rows: PromotionRow[] = await this.promotionQuery(db).where(where);
    return rows.map(toPromotion);
  }

  private async moveAlias(
    tx: Knex.Transaction,
    modelId: string,
    alias: string,
    versionId: string,
  ) {
    await tx('ml_model_aliases')
      .insert({ model_id: modelId, alias, version_id: versionId })
      .onConflict(['model_id', 'alias'])
      .merge(['version_id']);
    await touch(tx, modelId);
  }
}
