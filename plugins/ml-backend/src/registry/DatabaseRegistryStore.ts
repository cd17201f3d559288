import { randomUUID } from 'node:crypto';
import { ConflictError } from '@backstage/errors';
import {
  ModelVersion,
  ModelVersionStage,
  RegistryAuditEvent,
  Tag,
} from '@ml-portal/plugin-ml-common';
import { Knex } from 'knex';
import { isUniqueViolation } from '../database/uniqueViolation';
import { LineageRecorder } from '../shared/lineage';
import { PageWindow } from '../shared/paging';
import {
  AuditEntry,
  NewVersion,
  OwnedVersion,
  RegistryStore,
  StoredModel,
} from './RegistryStore';
import { RegistrySearch, searchRows } from './search';
import {
  auditedWrite,
  Db,
  insertAudit,
  modelNotFound,
  modelRow,
  ModelRow,
  optional,
  touch,
  versionNumber,
  versionQuery,
  versionRow,
  VersionRow,
} from './registryTables';
import {
  hydrateModels,
  hydrateOwnedVersions,
  hydrateVersions,
  inBatches,
  latestVersionRows,
  versionsWhere,
} from './modelRows';

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
 * Registered models and versions on the plugin's database (SQLite or PostgreSQL).
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
        await insertAudit(tx, row, audit);
        return (await hydrateModels(tx, [row]))[0];
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
    return row && (await hydrateModels(this.db, [row]))[0];
  }

  async searchModels(
    search: RegistrySearch,
    window: PageWindow,
  ): Promise<{ items: StoredModel[]; hasMore: boolean }> {
    const { rows, hasMore } = await searchRows<ModelRow>(
      this.db,
      this.db('ml_registered_models as m').select('m.*'),
      'models',
      search,
      window,
    );
    return { items: await hydrateModels(this.db, rows), hasMore };
  }

  async listModelsWithVersionIds(): Promise<
    Array<StoredModel & { versionIds: string[] }>
  > {
    const rows = await this.db<ModelRow>('ml_registered_models').orderBy(
      'name',
    );
    const models = await hydrateModels(this.db, rows);
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
        const model = await modelRow(tx, name);
        const now = Date.now();
        await tx('ml_registered_models')
          .where({ model_id: model.model_id })
          .update({ name: newName, last_updated_time: now });
        await tx('ml_model_versions')
          .where({ model_id: model.model_id })
          .update({ last_updated_time: now });
        const renamed = { ...model, name: newName, last_updated_time: now };
        await insertAudit(tx, renamed, audit);
        return (await hydrateModels(tx, [renamed]))[0];
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
    return this.writeModel(name, audit, async (tx, model) => {
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
      return (await hydrateModels(tx, [updated]))[0];
    });
  }

  async deleteModel(name: string, audit: AuditEntry): Promise<void> {
    await this.writeModel(name, audit, async (tx, model) => {
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
    });
  }

  async setModelTag(name: string, tag: Tag, audit: AuditEntry): Promise<void> {
    await this.writeModel(name, audit, async (tx, model) => {
      await tx('ml_registered_model_tags')
        .insert({ model_id: model.model_id, key: tag.key, value: tag.value })
        .onConflict(['model_id', 'key'])
        .merge(['value']);
      await touch(tx, model.model_id);
    });
  }

  async deleteModelTag(
    name: string,
    key: string,
    audit: AuditEntry,
  ): Promise<void> {
    await this.writeModel(name, audit, async (tx, model) => {
      const deleted = await tx('ml_registered_model_tags')
        .where({ model_id: model.model_id, key })
        .delete();
      // Deleting a missing tag is no change (and no error, as in MLflow).
      if (deleted === 0) return false;
      await touch(tx, model.model_id);
      return true;
    });
  }

  async createVersion(
    input: NewVersion,
    audit: Omit<AuditEntry, 'version'>,
  ): Promise<ModelVersion> {
    return this.db.transaction(async tx => {
      const model = await modelRow(tx, input.name);
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
        logged_model_id: input.modelId ?? null,
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
      // The version came from its run and, with MLflow 3, from the run's logged model.
      const sources = [
        ...(input.runId ? [{ kind: 'run' as const, id: input.runId }] : []),
        ...(input.modelId
          ? [{ kind: 'logged_model' as const, id: input.modelId }]
          : []),
      ];
      await this.lineage.record(
        sources.map(from => ({
          from,
          to: { kind: 'model_version', id: versionId },
          relation: 'registered_as',
        })),
        tx,
      );
      await insertAudit(tx, model, {
        ...audit,
        version: String(version),
      });
      return (await versionsWhere(tx, { 'v.version_id': versionId }))[0];
    });
  }

  async getVersion(
    name: string,
    version: string,
  ): Promise<ModelVersion | undefined> {
    const number = versionNumber(version);
    if (number === undefined) return undefined;
    const [found] = await versionsWhere(this.db, {
      'm.name': name,
      'v.version': number,
    });
    return found;
  }

  async getVersionsById(ids: string[]): Promise<OwnedVersion[]> {
    const rows = await inBatches<VersionRow>(ids, batch =>
      versionQuery(this.db).whereIn('v.version_id', batch),
    );
    return hydrateOwnedVersions(this.db, rows);
  }

  async listVersions(name: string): Promise<ModelVersion[]> {
    const rows: VersionRow[] = await versionQuery(this.db)
      .where({ 'm.name': name })
      .orderBy('v.version', 'desc');
    return hydrateVersions(this.db, rows);
  }

  async searchVersions(
    search: RegistrySearch,
    window: PageWindow,
  ): Promise<{ items: OwnedVersion[]; hasMore: boolean }> {
    const { rows, hasMore } = await searchRows<VersionRow>(
      this.db,
      versionQuery(this.db),
      'versions',
      search,
      window,
    );
    return { items: await hydrateOwnedVersions(this.db, rows), hasMore };
  }

  async latestVersions(
    name: string,
    stages: ModelVersionStage[],
  ): Promise<ModelVersion[]> {
    const model = await this.db<ModelRow>('ml_registered_models')
      .where({ name })
      .first();
    if (!model) throw modelNotFound(name);
    const latest = await latestVersionRows(this.db, [model.model_id]);
    const rows = latest.filter(
      row => stages.length === 0 || stages.includes(row.stage),
    );
    return hydrateVersions(this.db, rows);
  }

  async updateVersion(
    name: string,
    version: string,
    update: { description: string },
    audit: AuditEntry,
  ): Promise<ModelVersion> {
    return this.writeVersion(name, version, audit, async (tx, row) => {
      await tx('ml_model_versions')
        .where({ version_id: row.version_id })
        .update({
          description: update.description,
          last_updated_time: Date.now(),
        });
      return (await versionsWhere(tx, { 'v.version_id': row.version_id }))[0];
    });
  }

  async deleteVersion(
    name: string,
    version: string,
    audit: AuditEntry,
  ): Promise<void> {
    await this.writeVersion(name, version, audit, async (tx, row) => {
      const byVersion = { version_id: row.version_id };
      await tx('ml_model_aliases').where(byVersion).delete();
      await tx('ml_promotion_requests').where(byVersion).delete();
      await tx('ml_model_version_tags').where(byVersion).delete();
      await tx('ml_model_versions').where(byVersion).delete();
      await touch(tx, row.model_id);
    });
  }

  async setVersionTag(
    name: string,
    version: string,
    tag: Tag,
    audit: AuditEntry,
  ): Promise<void> {
    await this.writeVersion(name, version, audit, async (tx, row) => {
      await tx('ml_model_version_tags')
        .insert({
          version_id: row.version_id,
          key: tag.key,
          value: tag.value,
        })
        .onConflict(['version_id', 'key'])
        .merge(['value']);
      await this.touchVersion(tx, row.version_id);
    });
  }

  async deleteVersionTag(
    name: string,
    version: string,
    key: string,
    audit: AuditEntry,
  ): Promise<void> {
    await this.writeVersion(name, version, audit, async (tx, row) => {
      const deleted = await tx('ml_model_version_tags')
        .where({ version_id: row.version_id, key })
        .delete();
      if (deleted === 0) return false;
      await this.touchVersion(tx, row.version_id);
      return true;
    });
  }

  async transitionStage(
    name: string,
    version: string,
    stage: ModelVersionStage,
    archiveOthers: boolean,
    audit: AuditEntry,
  ): Promise<ModelVersion> {
    return this.writeVersion(name, version, audit, async (tx, row) => {
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
      await touch(tx, row.model_id, now);
      return (await versionsWhere(tx, { 'v.version_id': row.version_id }))[0];
    });
  }

  async getVersionByAlias(
    name: string,
    alias: string,
  ): Promise<ModelVersion | undefined> {
    const rows: VersionRow[] = await versionQuery(this.db)
      .join('ml_model_aliases as a', 'a.version_id', 'v.version_id')
      .where({ 'm.name': name, 'a.alias': alias });
    return (await hydrateVersions(this.db, rows))[0];
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

  /** An audited write on the model's row, locked for it. */
  private writeModel<T>(
    name: string,
    audit: AuditEntry,
    change: (tx: Knex.Transaction, model: ModelRow) => Promise<T>,
  ): Promise<T> {
    return auditedWrite(this.db, tx => modelRow(tx, name), audit, change);
  }

  /** An audited write on one version's row. */
  private writeVersion<T>(
    name: string,
    version: string,
    audit: AuditEntry,
    change: (tx: Knex.Transaction, row: VersionRow) => Promise<T>,
  ): Promise<T> {
    return auditedWrite(
      this.db,
      tx => versionRow(tx, name, version),
      audit,
      change,
    );
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
}
