import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError } from '@backstage/errors';
import {
  GateResult,
  ModelVersion,
  ModelVersionStage,
  ModelVersionStatus,
  PromotionRequestStatus,
  RegistryAuditEvent,
  Tag,
} from '@ml-portal/plugin-ml-common';
import { Knex } from 'knex';
import { chunks } from '../database/chunks';
import { LineageRecorder } from '../shared/lineage';
import { PageWindow } from '../shared/paging';
import {
  AuditEntry,
  NewPromotion,
  PromotionDecision,
  PromotionQuery,
  RegistryStore,
  StoredModel,
  StoredPromotion,
} from './RegistryStore';
import { applyRegistrySearch, RegistrySearch } from './search';

type Db = Knex | Knex.Transaction;

type ModelRow = {
  model_id: string;
  name: string;
  owner: string;
  description: string | null;
  last_version: number | string;
  creation_time: number | string;
  last_updated_time: number | string;
};

type VersionRow = {
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
  stage: ModelVersionStage;
  status: ModelVersionStatus;
  status_message: string | null;
  description: string | null;
  user_id: string | null;
  creation_time: number | string;
  last_updated_time: number | string;
};

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

type AuditRow = {
  event_id: number | string;
  at: number | string;
  actor: string;
  model_id: string;
  model_name: string;
  version: string | null;
  action: string;
  detail: string;
  metrics: string | null;
  request_id: string | null;
};

const VERSION_COLUMNS = ['v.*', 'm.name as name', 'm.owner as owner'] as const;

const PROMOTION_COLUMNS = [
  'p.*',
  'm.name as model_name',
  'm.owner as model_owner',
  'v.version as version',
] as const;

const optional = <T>(value: T | null): T | undefined => value ?? undefined;

/** Version numbers are positive integers; anything else names no version. */
function versionNumber(version: string): number | undefined {
  return /^[1-9]\d{0,9}$/.test(version) ? Number(version) : undefined;
}

const modelNotFound = (name: string) =>
  new NotFoundError(`Registered Model with name=${name} not found`);
const versionNotFound = (name: string, version: string) =>
  new NotFoundError(
    `Model Version (name=${name}, version=${version}) not found`,
  );

function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return (
    e?.code === '23505' ||
    e?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    /UNIQUE constraint failed/.test(e?.message ?? '')
  );
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    groups.set(k, [...(groups.get(k) ?? []), item]);
  }
  return groups;
}

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

function toAuditEvent(row: AuditRow): RegistryAuditEvent {
  return {
    id: String(row.event_id),
    at: Number(row.at),
    actor: row.actor,
    modelName: row.model_name,
    version: optional(row.version),
    action: row.action,
    detail: row.detail,
    metrics: row.metrics === null ? undefined : JSON.parse(row.metrics),
    requestId: optional(row.request_id),
  };
}

/**
 * The registry store on the plugin's database (SQLite or PostgreSQL).
 *
 * @internal
 */
export class DatabaseRegistryStore implements RegistryStore {
  private constructor(
    private readonly db: Knex,
    private readonly lineage: LineageRecorder,
  ) {}

  static create(options: {
    knex: Knex;
    lineage: LineageRecorder;
  }): DatabaseRegistryStore {
    return new DatabaseRegistryStore(options.knex, options.lineage);
  }

  async createModel(
    input: { name: string; owner: string; description?: string; tags: Tag[] },
    audit: AuditEntry,
  ): Promise<StoredModel> {
    const now = Date.now();
    const row: ModelRow = {
      model_id: randomUUID(),
      name: input.name,
      owner: input.owner,
      description: input.description ?? null,
      last_version: 0,
      creation_time: now,
      last_updated_time: now,
    };
    try {
      return await this.db.transaction(async tx => {
        await tx('ml_registered_models').insert(row);
        await this.insertModelTags(tx, row.model_id, input.tags);
        await this.insertAudit(tx, row, audit);
        return (await this.hydrateModels(tx, [row]))[0];
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ConflictError(
          `Registered Model (name=${input.name}) already exists.`,
        );
      }
      throw error;
    }
  }

  async getModel(name: string): Promise<StoredModel | undefined> {
    const row = await this.db<ModelRow>('ml_registered_models')
      .where({ name })
      .first();
    return row && (await this.hydrateModels(this.db, [row]))[0];
  }

  async searchModels(
    search: RegistrySearch,
    window: PageWindow,
  ): Promise<{ items: StoredModel[]; hasMore: boolean }> {
    const query = this.db('ml_registered_models as m').select('m.*');
    applyRegistrySearch(this.db, query, 'models', search);
    const rows: ModelRow[] = await query
      .offset(window.offset)
      .limit(window.limit + 1);
    return {
      items: await this.hydrateModels(this.db, rows.slice(0, window.limit)),
      hasMore: rows.length > window.limit,
    };
  }

  async listModelsWithVersionIds(): Promise<
    Array<StoredModel & { versionIds: string[] }>
  > {
    const rows = await this.db<ModelRow>('ml_registered_models').orderBy(
      'name',
    );
    const models = await this.hydrateModels(this.db, rows);
    const versionIds = new Map<string, string[]>();
    for (const { model_id, version_id } of await this.db('ml_model_versions')
      .select('model_id', 'version_id')
      .orderBy('version')) {
      versionIds.set(model_id, [
        ...(versionIds.get(model_id) ?? []),
        version_id,
      ]);
    }
    return models.map(model => ({
      ...model,
      versionIds: versionIds.get(model.modelId) ?? [],
    }));
  }

  async renameModel(
    name: string,
    newName: string,
    audit: AuditEntry,
  ): Promise<StoredModel> {
    try {
      return await this.db.transaction(async tx => {
        const model = await this.modelRow(tx, name);
        const now = Date.now();
        await tx('ml_registered_models')
          .where({ model_id: model.model_id })
          .update({ name: newName, last_updated_time: now });
        await tx('ml_model_versions')
          .where({ model_id: model.model_id })
          .update({ last_updated_time: now });
        const renamed = { ...model, name: newName, last_updated_time: now };
        await this.insertAudit(tx, renamed, audit);
        return (await this.hydrateModels(tx, [renamed]))[0];
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ConflictError(
          `Registered Model (name=${newName}) already exists.`,
        );
      }
      throw error;
    }
  }

  async updateModel(
    name: string,
    update: { description: string },
    audit: AuditEntry,
  ): Promise<StoredModel> {
    return this.db.transaction(async tx => {
      const model = await this.modelRow(tx, name);
      const updated = {
        ...model,
        description: update.description,
        last_updated_time: Date.now(),
      };
      await tx('ml_registered_models')
        .where({ model_id: model.model_id })
        .update({
          description: updated.description,
          last_updated_time: updated.last_updated_time,
        });
      await this.insertAudit(tx, model, audit);
      return (await this.hydrateModels(tx, [updated]))[0];
    });
  }

  async deleteModel(name: string, audit: AuditEntry): Promise<void> {
    await this.db.transaction(async tx => {
      const model = await this.modelRow(tx, name);
      const byModel = { model_id: model.model_id };
      const versionIds = tx('ml_model_versions')
        .where(byModel)
        .select('version_id');
      // Children first: the foreign keys hold whether or not they cascade.
      await tx('ml_model_aliases').where(byModel).delete();
      await tx('ml_promotion_requests').where(byModel).delete();
      await tx('ml_model_version_tags')
        .whereIn('version_id', versionIds)
        .delete();
      await tx('ml_model_versions').where(byModel).delete();
      await tx('ml_registered_model_tags').where(byModel).delete();
      await tx('ml_registered_models').where(byModel).delete();
      await this.insertAudit(tx, model, audit);
    });
  }

  async setModelTag(name: string, tag: Tag, audit: AuditEntry): Promise<void> {
    await this.db.transaction(async tx => {
      const model = await this.modelRow(tx, name);
      await tx('ml_registered_model_tags')
        .insert({ model_id: model.model_id, key: tag.key, value: tag.value })
        .onConflict(['model_id', 'key'])
        .merge(['value']);
      await this.touch(tx, model.model_id);
      await this.insertAudit(tx, model, audit);
    });
  }

  async deleteModelTag(
    name: string,
    key: string,
    audit: AuditEntry,
  ): Promise<void> {
    await this.db.transaction(async tx => {
      const model = await this.modelRow(tx, name);
      const deleted = await tx('ml_registered_model_tags')
        .where({ model_id: model.model_id, key })
        .delete();
      // Deleting a missing tag is no change (and no error, as in MLflow).
      if (deleted > 0) {
        await this.touch(tx, model.model_id);
        await this.insertAudit(tx, model, audit);
      }
    });
  }

  async createVersion(
    input: {
      name: string;
      source: string;
      runId?: string;
      experimentId?: string;
      description?: string;
      userId?: string;
      tags: Tag[];
    },
    audit: Omit<AuditEntry, 'version'>,
  ): Promise<ModelVersion> {
    return this.db.transaction(async tx => {
      const model = await this.modelRow(tx, input.name);
      const now = Date.now();
      // The UPDATE holds the model row's lock until commit (PostgreSQL), so
      // concurrent registrations take numbers one after another; SQLite
      // serialises write transactions anyway.
      await tx('ml_registered_models')
        .where({ model_id: model.model_id })
        .update({
          last_version: tx.raw('last_version + 1'),
          last_updated_time: now,
        });
      const { last_version: version } = await tx<ModelRow>(
        'ml_registered_models',
      )
        .where({ model_id: model.model_id })
        .first('last_version')
        .then(row => row!);
      const versionId = randomUUID();
      await tx('ml_model_versions').insert({
        version_id: versionId,
        model_id: model.model_id,
        version: Number(version),
        source: input.source,
        run_id: input.runId ?? null,
        experiment_id: input.experimentId ?? null,
        stage: 'None',
        // Files stay where the run logged them: nothing to copy, ready at once.
        status: 'READY',
        description: input.description ?? null,
        user_id: input.userId ?? null,
        creation_time: now,
        last_updated_time: now,
      });
      if (input.tags.length > 0) {
        await tx('ml_model_version_tags').insert(
          input.tags.map(tag => ({
            version_id: versionId,
            key: tag.key,
            value: tag.value,
          })),
        );
      }
      if (input.runId) {
        await this.lineage.record(
          [
            {
              from: { kind: 'run', id: input.runId },
              to: { kind: 'model_version', id: versionId },
              relation: 'registered_as',
            },
          ],
          tx,
        );
      }
      await this.insertAudit(tx, model, {
        ...audit,
        version: String(version),
      });
      return (await this.versionsWhere(tx, { 'v.version_id': versionId }))[0];
    });
  }

  async getVersion(
    name: string,
    version: string,
  ): Promise<ModelVersion | undefined> {
    const number = versionNumber(version);
    if (number === undefined) return undefined;
    const [found] = await this.versionsWhere(this.db, {
      'm.name': name,
      'v.version': number,
    });
    return found;
  }

  async getVersionsById(
    ids: string[],
  ): Promise<Array<ModelVersion & { owner: string }>> {
    const found: Array<ModelVersion & { owner: string }> = [];
    for (const batch of chunks(ids)) {
      const rows: VersionRow[] = await this.versionQuery(this.db).whereIn(
        'v.version_id',
        batch,
      );
      const versions = await this.hydrateVersions(this.db, rows);
      found.push(
        ...versions.map((version, i) => ({ ...version, owner: rows[i].owner })),
      );
    }
    return found;
  }

  async listVersions(name: string): Promise<ModelVersion[]> {
    const rows: VersionRow[] = await this.versionQuery(this.db)
      .where({ 'm.name': name })
      .orderBy('v.version', 'desc');
    return this.hydrateVersions(this.db, rows);
  }

  async searchVersions(
    search: RegistrySearch,
    window: PageWindow,
  ): Promise<{ items: ModelVersion[]; hasMore: boolean }> {
    const query = this.versionQuery(this.db);
    applyRegistrySearch(this.db, query, 'versions', search);
    const rows: VersionRow[] = await query
      .offset(window.offset)
      .limit(window.limit + 1);
    return {
      items: await this.hydrateVersions(this.db, rows.slice(0, window.limit)),
      hasMore: rows.length > window.limit,
    };
  }

  async latestVersions(
    name: string,
    stages: ModelVersionStage[],
  ): Promise<ModelVersion[]> {
    const model = await this.db<ModelRow>('ml_registered_models')
      .where({ name })
      .first();
    if (!model) throw modelNotFound(name);
    const latest = await this.latestVersionRows(this.db, [model.model_id]);
    const rows = latest.filter(
      row => stages.length === 0 || stages.includes(row.stage),
    );
    return this.hydrateVersions(this.db, rows);
  }

  async updateVersion(
    name: string,
    version: string,
    update: { description: string },
    audit: AuditEntry,
  ): Promise<ModelVersion> {
    return this.db.transaction(async tx => {
      const row = await this.versionRow(tx, name, version);
      await tx('ml_model_versions')
        .where({ version_id: row.version_id })
        .update({
          description: update.description,
          last_updated_time: Date.now(),
        });
      await this.insertAudit(tx, { model_id: row.model_id, name }, audit);
      return (
        await this.versionsWhere(tx, { 'v.version_id': row.version_id })
      )[0];
    });
  }

  async deleteVersion(
    name: string,
    version: string,
    audit: AuditEntry,
  ): Promise<void> {
    await this.db.transaction(async tx => {
      const row = await this.versionRow(tx, name, version);
      const byVersion = { version_id: row.version_id };
      await tx('ml_model_aliases').where(byVersion).delete();
      await tx('ml_promotion_requests').where(byVersion).delete();
      await tx('ml_model_version_tags').where(byVersion).delete();
      await tx('ml_model_versions').where(byVersion).delete();
      await this.touch(tx, row.model_id);
      await this.insertAudit(tx, { model_id: row.model_id, name }, audit);
    });
  }

  async setVersionTag(
    name: string,
    version: string,
    tag: Tag,
    audit: AuditEntry,
  ): Promise<void> {
    await this.db.transaction(async tx => {
      const row = await this.versionRow(tx, name, version);
      await tx('ml_model_version_tags')
        .insert({ version_id: row.version_id, key: tag.key, value: tag.value })
        .onConflict(['version_id', 'key'])
        .merge(['value']);
      await this.touchVersion(tx, row.version_id);
      await this.insertAudit(tx, { model_id: row.model_id, name }, audit);
    });
  }

  async deleteVersionTag(
    name: string,
    version: string,
    key: string,
    audit: AuditEntry,
  ): Promise<void> {
    await this.db.transaction(async tx => {
      const row = await this.versionRow(tx, name, version);
      const deleted = await tx('ml_model_version_tags')
        .where({ version_id: row.version_id, key })
        .delete();
      if (deleted > 0) {
        await this.touchVersion(tx, row.version_id);
        await this.insertAudit(tx, { model_id: row.model_id, name }, audit);
      }
    });
  }

  async transitionStage(
    name: string,
    version: string,
    stage: ModelVersionStage,
    archiveOthers: boolean,
    audit: AuditEntry,
  ): Promise<ModelVersion> {
    return this.db.transaction(async tx => {
      const row = await this.versionRow(tx, name, version);
      const now = Date.now();
      if (archiveOthers) {
        await tx('ml_model_versions')
          .where({ model_id: row.model_id, stage })
          .whereNot({ version_id: row.version_id })
          .update({ stage: 'Archived', last_updated_time: now });
      }
      await tx('ml_model_versions')
        .where({ version_id: row.version_id })
        .update({ stage, last_updated_time: now });
      await this.touch(tx, row.model_id, now);
      await this.insertAudit(tx, { model_id: row.model_id, name }, audit);
      return (
        await this.versionsWhere(tx, { 'v.version_id': row.version_id })
      )[0];
    });
  }

  async setAlias(
    name: string,
    alias: string,
    version: string,
    audit: AuditEntry,
  ): Promise<void> {
    await this.db.transaction(async tx => {
      const row = await this.versionRow(tx, name, version);
      await this.moveAlias(tx, row.model_id, alias, row.version_id);
      await this.insertAudit(tx, { model_id: row.model_id, name }, audit);
    });
  }

  async deleteAlias(
    name: string,
    alias: string,
    audit: AuditEntry,
  ): Promise<void> {
    await this.db.transaction(async tx => {
      const model = await this.modelRow(tx, name);
      const deleted = await tx('ml_model_aliases')
        .where({ model_id: model.model_id, alias })
        .delete();
      if (deleted > 0) {
        await this.touch(tx, model.model_id);
        await this.insertAudit(tx, model, audit);
      }
    });
  }

  async getVersionByAlias(
    name: string,
    alias: string,
  ): Promise<ModelVersion | undefined> {
    const rows: VersionRow[] = await this.versionQuery(this.db)
      .join('ml_model_aliases as a', 'a.version_id', 'v.version_id')
      .where({ 'm.name': name, 'a.alias': alias });
    return (await this.hydrateVersions(this.db, rows))[0];
  }

  async createPromotion(
    input: NewPromotion,
    audit: AuditEntry[],
    approvedBy?: string,
  ): Promise<StoredPromotion> {
    try {
      return await this.db.transaction(async tx => {
        const version = await this.versionRow(
          tx,
          input.modelName,
          input.version,
        );
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
          await this.insertAudit(
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
        await this.touch(tx, request.modelId);
      } else if (decision.status === 'APPROVED') {
        await this.moveAlias(
          tx,
          request.modelId,
          request.alias,
          request.versionId,
        );
      }
      await this.insertAudit(
        tx,
        { model_id: request.modelId, name: request.modelName },
        { version: request.version, ...audit, requestId },
      );
      return (await this.promotionsWhere(tx, { 'p.request_id': requestId }))[0];
    });
  }

  async listAudit(
    modelId: string,
    options: { version?: string; limit: number },
  ): Promise<RegistryAuditEvent[]> {
    const query = this.db<AuditRow>('ml_registry_audit')
      .where({ model_id: modelId })
      .orderBy('event_id', 'desc')
      .limit(options.limit);
    if (options.version !== undefined)
      query.where({ version: options.version });
    return (await query).map(toAuditEvent);
  }

  // ---- helpers -------------------------------------------------------------

  private async modelRow(db: Db, name: string): Promise<ModelRow> {
    const query = db<ModelRow>('ml_registered_models').where({ name }).first();
    // Writers of one model queue behind each other on PostgreSQL.
    if (db.client.config.client === 'pg') query.forUpdate();
    const row = await query;
    if (!row) throw modelNotFound(name);
    return row;
  }

  private async versionRow(
    db: Db,
    name: string,
    version: string,
  ): Promise<VersionRow> {
    const number = versionNumber(version);
    const [row]: VersionRow[] =
      number === undefined
        ? []
        : await this.versionQuery(db).where({
            'm.name': name,
            'v.version': number,
          });
    if (row) return row;
    // Tell a missing model from a missing version, as MLflow does.
    await this.modelRow(db, name);
    throw versionNotFound(name, version);
  }

  private versionQuery(db: Db): Knex.QueryBuilder {
    return db('ml_model_versions as v')
      .join('ml_registered_models as m', 'm.model_id', 'v.model_id')
      .select(...VERSION_COLUMNS);
  }

  private async versionsWhere(
    db: Db,
    where: Record<string, string | number>,
  ): Promise<ModelVersion[]> {
    const rows: VersionRow[] = await this.versionQuery(db).where(where);
    return this.hydrateVersions(db, rows);
  }

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
    await this.touch(tx, modelId);
  }

  private async touch(db: Db, modelId: string, now = Date.now()) {
    await db('ml_registered_models')
      .where({ model_id: modelId })
      .update({ last_updated_time: now });
  }

  private async touchVersion(db: Db, versionId: string) {
    await db('ml_model_versions')
      .where({ version_id: versionId })
      .update({ last_updated_time: Date.now() });
  }

  private async insertModelTags(db: Db, modelId: string, tags: Tag[]) {
    if (tags.length === 0) return;
    // The last value of a key wins, as in MLflow.
    const byKey = new Map(tags.map(tag => [tag.key, tag.value]));
    await db('ml_registered_model_tags').insert(
      [...byKey].map(([key, value]) => ({ model_id: modelId, key, value })),
    );
  }

  private async insertAudit(
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

  /** The highest version of each model in each stage. */
  private async latestVersionRows(
    db: Db,
    modelIds: string[],
  ): Promise<VersionRow[]> {
    const rows: VersionRow[] = [];
    for (const batch of chunks(modelIds)) {
      const latest = db('ml_model_versions')
        .whereIn('model_id', batch)
        .groupBy('model_id', 'stage')
        .select('model_id', 'stage', db.raw('max(version) as version'));
      rows.push(
        ...(await this.versionQuery(db)
          .join(latest.as('l'), function onLatest() {
            this.on('l.model_id', '=', 'v.model_id')
              .andOn('l.stage', '=', 'v.stage')
              .andOn('l.version', '=', 'v.version');
          })
          .orderBy('v.version', 'desc')),
      );
    }
    return rows;
  }

  private async hydrateVersions(
    db: Db,
    rows: VersionRow[],
  ): Promise<ModelVersion[]> {
    const ids = rows.map(row => row.version_id);
    const tags: Array<{ version_id: string; key: string; value: string }> = [];
    const aliases: Array<{ version_id: string; alias: string }> = [];
    for (const batch of chunks(ids)) {
      tags.push(
        ...(await db('ml_model_version_tags')
          .whereIn('version_id', batch)
          .orderBy('key')),
      );
      aliases.push(
        ...(await db('ml_model_aliases')
          .whereIn('version_id', batch)
          .orderBy('alias')
          .select('version_id', 'alias')),
      );
    }
    const tagsOf = groupBy(tags, t => t.version_id);
    const aliasesOf = groupBy(aliases, a => a.version_id);
    return rows.map(row => ({
      id: row.version_id,
      name: row.name,
      version: String(row.version),
      creationTimestamp: Number(row.creation_time),
      lastUpdatedTimestamp: Number(row.last_updated_time),
      description: optional(row.description),
      userId: optional(row.user_id),
      currentStage: row.stage,
      source: row.source,
      runId: optional(row.run_id),
      experimentId: optional(row.experiment_id),
      status: row.status,
      statusMessage: optional(row.status_message),
      tags: (tagsOf.get(row.version_id) ?? []).map(({ key, value }) => ({
        key,
        value,
      })),
      aliases: (aliasesOf.get(row.version_id) ?? []).map(a => a.alias),
    }));
  }

  private async hydrateModels(
    db: Db,
    rows: ModelRow[],
  ): Promise<StoredModel[]> {
    const ids = rows.map(row => row.model_id);
    const tags: Array<{ model_id: string; key: string; value: string }> = [];
    const aliases: Array<{ model_id: string; alias: string; version: number }> =
      [];
    for (const batch of chunks(ids)) {
      tags.push(
        ...(await db('ml_registered_model_tags')
          .whereIn('model_id', batch)
          .orderBy('key')),
      );
      aliases.push(
        ...(await db('ml_model_aliases as a')
          .join('ml_model_versions as v', 'v.version_id', 'a.version_id')
          .whereIn('a.model_id', batch)
          .orderBy('a.alias')
          .select('a.model_id', 'a.alias', 'v.version')),
      );
    }
    const latestRows = await this.latestVersionRows(db, ids);
    const latest = await this.hydrateVersions(db, latestRows);
    const tagsOf = groupBy(tags, t => t.model_id);
    const aliasesOf = groupBy(aliases, a => a.model_id);
    const latestOf = groupBy(
      latest.map((version, i) => ({
        version,
        modelId: latestRows[i].model_id,
      })),
      v => v.modelId,
    );
    return rows.map(row => ({
      modelId: row.model_id,
      name: row.name,
      owner: row.owner,
      creationTimestamp: Number(row.creation_time),
      lastUpdatedTimestamp: Number(row.last_updated_time),
      description: optional(row.description),
      tags: (tagsOf.get(row.model_id) ?? []).map(({ key, value }) => ({
        key,
        value,
      })),
      aliases: (aliasesOf.get(row.model_id) ?? []).map(a => ({
        alias: a.alias,
        version: String(a.version),
      })),
      latestVersions: (latestOf.get(row.model_id) ?? []).map(v => v.version),
    }));
  }
}
