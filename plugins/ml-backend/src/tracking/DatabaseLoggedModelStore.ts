import { randomUUID } from 'node:crypto';
import { InputError, NotFoundError } from '@backstage/errors';
import { Param, Tag } from '@ml-portal/plugin-ml-common';
import { Knex } from 'knex';
import { LineageRecorder } from '../shared/lineage';
import { chunks } from '../database/chunks';
import { PageWindow } from '../shared/paging';
import {
  LoggedModel,
  LoggedModelMetric,
  LoggedModelQuery,
  LoggedModelStatus,
  LoggedModelStore,
  ModelOutput,
} from './LoggedModelStore';
import { applyLoggedModelSearch } from './loggedModelSearch';
import { isLater } from './metricSeries';

type LoggedModelRow = {
  model_id: string;
  experiment_id: number | string;
  owner: string;
  name: string;
  artifact_location: string;
  status: LoggedModelStatus;
  status_message: string | null;
  model_type: string | null;
  source_run_id: string | null;
  created_by: string | null;
  creation_time: number | string;
  last_updated_time: number | string;
};

type MetricRow = {
  model_id: string;
  key: string;
  value: number | string;
  is_nan: boolean | number;
  timestamp: number | string;
  step: number | string;
  run_uuid: string;
  dataset_name: string;
  dataset_digest: string;
};

/** Not found, in MLflow's words. @internal */
export const loggedModelNotFound = (modelId: string) =>
  new NotFoundError(`Logged model with ID '${modelId}' not found.`);

/** MLflow's ids: `m-` and 32 hex digits. */
const newModelId = () => `m-${randomUUID().replace(/-/g, '')}`;

/** A model's latest metric is kept per key, dataset and run. */
const LATEST_KEY = [
  'model_id',
  'key',
  'dataset_name',
  'dataset_digest',
  'run_uuid',
] as const;

/**
 * Keeps the latest value of each metric logged against a model current, in the caller's
 * transaction (log-batch's). The points themselves go to the run's chunked series like
 * any metric; the model keeps what its page and search read, as `ml_latest_metrics`
 * does for runs. A later point (MLflow's order) replaces the stored one, an earlier one
 * leaves it.
 *
 * @internal
 */
export async function recordModelMetrics(
  tx: Knex.Transaction,
  metrics: LoggedModelMetric[],
) {
  const latest = new Map<string, LoggedModelMetric>();
  for (const m of metrics) {
    const id = JSON.stringify([
      m.modelId,
      m.key,
      m.datasetName ?? '',
      m.datasetDigest ?? '',
      m.runId,
    ]);
    const stored = latest.get(id);
    if (!stored || isLater(m, stored)) latest.set(id, m);
  }
  const rows = [...latest.values()].map(m => ({
    model_id: m.modelId,
    key: m.key,
    value: Number.isNaN(m.value) ? 0 : m.value,
    is_nan: Number.isNaN(m.value),
    timestamp: m.timestamp,
    step: m.step,
    run_uuid: m.runId,
    dataset_name: m.datasetName ?? '',
    dataset_digest: m.datasetDigest ?? '',
  }));
  const order = (row: string) =>
    `(${row}.step, ${row}.timestamp, CASE WHEN ${row}.is_nan THEN 0 ELSE 1 END, ${row}.value)`;
  for (const chunk of chunks(rows)) {
    await tx('ml_logged_model_latest_metrics')
      .insert(chunk)
      .onConflict([...LATEST_KEY])
      .merge(['value', 'is_nan', 'timestamp', 'step'])
      .where(
        tx.raw(
          `${order('excluded')} > ${order('ml_logged_model_latest_metrics')}`,
        ),
      );
  }
}

/**
 * Logged models on the plugin's database (SQLite or PostgreSQL).
 *
 * @internal
 */
export class DatabaseLoggedModelStore implements LoggedModelStore {
  private constructor(
    private readonly db: Knex,
    private readonly lineage?: LineageRecorder,
  ) {}

  /** `lineage` records run `produced` logged model with the writes that make it true. */
  static create(options: {
    knex: Knex;
    lineage?: LineageRecorder;
  }): DatabaseLoggedModelStore {
    return new DatabaseLoggedModelStore(options.knex, options.lineage);
  }

  async createLoggedModel(input: {
    experimentId: string;
    name: string;
    artifactLocation: (modelId: string) => string;
    modelType?: string;
    sourceRunId?: string;
    createdBy?: string;
    tags: Tag[];
    params: Param[];
  }): Promise<LoggedModel> {
    const modelId = newModelId();
    const now = Date.now();
    await this.db.transaction(async tx => {
      await tx('ml_logged_models').insert({
        model_id: modelId,
        experiment_id: Number(input.experimentId),
        name: input.name,
        artifact_location: input.artifactLocation(modelId),
        status: 'LOGGED_MODEL_PENDING',
        model_type: input.modelType ?? null,
        source_run_id: input.sourceRunId ?? null,
        created_by: input.createdBy ?? null,
        creation_time: now,
        last_updated_time: now,
      });
      await this.upsertTags(tx, modelId, input.tags);
      await this.insertParams(tx, modelId, input.params);
      if (input.sourceRunId) {
        await this.recordProduced(tx, input.sourceRunId, [modelId]);
      }
    });
    return (await this.getLoggedModel(modelId))!;
  }

  async getLoggedModel(modelId: string): Promise<LoggedModel | undefined> {
    const rows = await this.select().where('m.model_id', modelId);
    return (await this.assemble(rows))[0];
  }

  async findRunModel(
    runId: string,
    name: string,
  ): Promise<LoggedModel | undefined> {
    const rows = await this.select()
      .where({ 'm.source_run_id': runId, 'm.name': name })
      .orderBy('m.creation_time', 'desc')
      .orderBy('m.model_id')
      .limit(1);
    return (await this.assemble(rows))[0];
  }

  async finalizeLoggedModel(
    modelId: string,
    status: LoggedModelStatus,
  ): Promise<LoggedModel> {
    await this.touch(this.db, modelId, { status });
    return (await this.getLoggedModel(modelId))!;
  }

  async deleteLoggedModel(modelId: string): Promise<void> {
    await this.touch(this.db, modelId, { lifecycle_stage: 'deleted' });
  }

  async setLoggedModelTags(modelId: string, tags: Tag[]): Promise<void> {
    await this.db.transaction(async tx => {
      await this.touch(tx, modelId, {});
      await this.upsertTags(tx, modelId, tags);
    });
  }

  async deleteLoggedModelTag(modelId: string, key: string): Promise<boolean> {
    return this.db.transaction(async tx => {
      await this.touch(tx, modelId, {});
      const deleted = await tx('ml_logged_model_tags')
        .where({ model_id: modelId, key })
        .delete();
      return deleted > 0;
    });
  }

  async logLoggedModelParams(modelId: string, params: Param[]): Promise<void> {
    await this.db.transaction(async tx => {
      await this.touch(tx, modelId, {});
      await this.insertParams(tx, modelId, params);
    });
  }

  async searchLoggedModels(
    query: LoggedModelQuery,
    window: PageWindow,
  ): Promise<{ items: LoggedModel[]; hasMore: boolean }> {
    const experimentIds = query.experimentIds
      .filter(id => /^\d{1,15}$/.test(id))
      .map(Number);
    const select = this.select().whereIn('m.experiment_id', experimentIds);
    applyLoggedModelSearch(this.db, select, query);
    const rows: LoggedModelRow[] = await select
      .offset(window.offset)
      .limit(window.limit + 1);
    return {
      hasMore: rows.length > window.limit,
      items: await this.assemble(rows.slice(0, window.limit)),
    };
  }

  async logOutputs(runId: string, outputs: ModelOutput[]): Promise<void> {
    if (outputs.length === 0) return;
    await this.db.transaction(async tx => {
      await tx('ml_run_outputs')
        .insert(
          outputs.map(o => ({
            run_uuid: runId,
            model_id: o.modelId,
            step: o.step,
          })),
        )
        .onConflict(['run_uuid', 'model_id'])
        .merge(['step']);
      await this.recordProduced(
        tx,
        runId,
        outputs.map(o => o.modelId),
      );
    });
  }

  /** Lineage: the run produced these logged models. */
  private async recordProduced(
    tx: Knex.Transaction,
    runId: string,
    modelIds: string[],
  ) {
    await this.lineage?.record(
      modelIds.map(id => ({
        from: { kind: 'run', id: runId },
        to: { kind: 'logged_model', id },
        relation: 'produced',
      })),
      tx,
    );
  }

  async getRunOutputs(runId: string): Promise<ModelOutput[]> {
    const rows: Array<{ model_id: string; step: number | string }> =
      await this.db('ml_run_outputs as o')
        .join('ml_logged_models as m', 'm.model_id', 'o.model_id')
        .where('o.run_uuid', runId)
        .where('m.lifecycle_stage', 'active')
        .orderBy('o.step')
        .orderBy('o.model_id')
        .select('o.model_id', 'o.step');
    return rows.map(r => ({ modelId: r.model_id, step: Number(r.step) }));
  }

  async logModelInputs(runId: string, modelIds: string[]): Promise<void> {
    if (modelIds.length === 0) return;
    await this.db('ml_run_model_inputs')
      .insert(
        [...new Set(modelIds)].map(modelId => ({
          run_uuid: runId,
          model_id: modelId,
        })),
      )
      .onConflict(['run_uuid', 'model_id'])
      .ignore();
  }

  async getRunModelInputs(runId: string): Promise<string[]> {
    return this.db('ml_run_model_inputs as i')
      .join('ml_logged_models as m', 'm.model_id', 'i.model_id')
      .where('i.run_uuid', runId)
      .where('m.lifecycle_stage', 'active')
      .orderBy('i.model_id')
      .pluck('i.model_id');
  }

  async listRunModels(runId: string): Promise<LoggedModel[]> {
    const outputs = this.db('ml_run_outputs')
      .where('run_uuid', runId)
      .select('model_id');
    const rows = await this.select()
      .where(q =>
        q.where('m.source_run_id', runId).orWhereIn('m.model_id', outputs),
      )
      .orderBy('m.creation_time', 'desc')
      .orderBy('m.model_id');
    return this.assemble(rows);
  }

  async getLoggedModelSummaries(modelIds: string[]) {
    const summaries = [];
    for (const batch of chunks([...new Set(modelIds)])) {
      const rows: LoggedModelRow[] = await this.select().whereIn(
        'm.model_id',
        batch,
      );
      summaries.push(
        ...rows.map(row => ({
          modelId: row.model_id,
          name: row.name,
          experimentId: String(row.experiment_id),
          owner: row.owner,
          status: row.status,
          sourceRunId: row.source_run_id ?? undefined,
        })),
      );
    }
    return summaries;
  }

  /** Active models joined to their experiment's owner. */
  private select(): Knex.QueryBuilder {
    return this.db('ml_logged_models as m')
      .join('ml_experiments as e', 'e.experiment_id', 'm.experiment_id')
      .where('m.lifecycle_stage', 'active')
      .select('m.*', 'e.owner');
  }

  /** Marks an active model updated with `changes`; NotFoundError when there is none. */
  private async touch(
    db: Knex | Knex.Transaction,
    modelId: string,
    changes: Record<string, unknown>,
  ) {
    const updated = await db('ml_logged_models')
      .where({ model_id: modelId, lifecycle_stage: 'active' })
      .update({ ...changes, last_updated_time: Date.now() });
    if (updated === 0) throw loggedModelNotFound(modelId);
  }

  private async upsertTags(
    tx: Knex.Transaction,
    modelId: string,
    entries: Tag[],
  ) {
    // The last value of a key in one request wins, as MLflow's set_tags.
    const byKey = new Map(entries.map(e => [e.key, e.value]));
    for (const chunk of chunks([...byKey])) {
      await tx('ml_logged_model_tags')
        .insert(
          chunk.map(([key, value]) => ({ model_id: modelId, key, value })),
        )
        .onConflict(['model_id', 'key'])
        .merge(['value']);
    }
  }

  /** New params; a key logged with another value fails the request (params are immutable). */
  private async insertParams(
    tx: Knex.Transaction,
    modelId: string,
    params: Param[],
  ) {
    if (params.length === 0) return;
    const byKey = new Map<string, string>();
    for (const { key, value } of params) {
      const seen = byKey.get(key);
      if (seen !== undefined && seen !== value) {
        throw new InputError(
          `Duplicate parameter keys have been submitted: key=${key} with values '${seen}' and '${value}'.`,
        );
      }
      byKey.set(key, value);
    }
    for (const chunk of chunks([...byKey])) {
      await tx('ml_logged_model_params')
        .insert(
          chunk.map(([key, value]) => ({ model_id: modelId, key, value })),
        )
        .onConflict(['model_id', 'key'])
        .ignore();
    }
    const stored: Param[] = await tx('ml_logged_model_params')
      .where({ model_id: modelId })
      .whereIn('key', [...byKey.keys()])
      .select('key', 'value');
    for (const { key, value } of stored) {
      if (byKey.get(key) !== value) {
        throw new InputError(
          `Changing param values is not allowed. Param with key='${key}' was already logged with value='${value}' for logged model ID='${modelId}'. Attempted logging new value '${byKey.get(
            key,
          )}'.`,
        );
      }
    }
  }

  /** Models with their tags, params and metrics in four queries, whatever their number. */
  private async assemble(rows: LoggedModelRow[]): Promise<LoggedModel[]> {
    if (rows.length === 0) return [];
    const ids = rows.map(r => r.model_id);
    const [tags, params, metrics] = await Promise.all([
      this.db('ml_logged_model_tags').whereIn('model_id', ids).orderBy('key'),
      this.db('ml_logged_model_params').whereIn('model_id', ids).orderBy('key'),
      this.db<MetricRow>('ml_logged_model_latest_metrics')
        .whereIn('model_id', ids)
        .orderBy(['key', 'step', 'timestamp']),
    ]);
    const byModel = <T extends { model_id: string }>(list: T[]) => {
      const map = new Map<string, T[]>();
      for (const item of list) {
        map.set(item.model_id, [...(map.get(item.model_id) ?? []), item]);
      }
      return map;
    };
    const tagsOf = byModel(tags);
    const paramsOf = byModel(params);
    const metricsOf = byModel(metrics as MetricRow[]);
    const pair = ({ key, value }: { key: string; value: string }) => ({
      key,
      value,
    });
    return rows.map(row => ({
      modelId: row.model_id,
      experimentId: String(row.experiment_id),
      owner: row.owner,
      name: row.name,
      artifactUri: row.artifact_location,
      status: row.status,
      statusMessage: row.status_message ?? undefined,
      modelType: row.model_type ?? undefined,
      sourceRunId: row.source_run_id ?? undefined,
      createdBy: row.created_by ?? undefined,
      creationTimestamp: Number(row.creation_time),
      lastUpdatedTimestamp: Number(row.last_updated_time),
      tags: (tagsOf.get(row.model_id) ?? []).map(pair),
      params: (paramsOf.get(row.model_id) ?? []).map(pair),
      metrics: (metricsOf.get(row.model_id) ?? []).map(m => ({
        modelId: m.model_id,
        key: m.key,
        value: m.is_nan ? NaN : Number(m.value),
        timestamp: Number(m.timestamp),
        step: Number(m.step),
        runId: m.run_uuid,
        datasetName: m.dataset_name || undefined,
        datasetDigest: m.dataset_digest || undefined,
      })),
    }));
  }
}
