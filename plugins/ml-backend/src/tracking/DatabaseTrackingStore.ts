import { randomUUID } from 'node:crypto';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import {
  DatasetInput,
  Experiment,
  ExperimentSummary,
  LifecycleStage,
  Metric,
  Param,
  Run,
  RunInfo,
  RunStatus,
  Tag,
  ViewType,
} from '@ml-portal/plugin-ml-common';
import { Knex } from 'knex';
import { chunks } from '../database/chunks';
import { isUniqueViolation } from '../database/uniqueViolation';
import { limits } from '../shared/validation';
import { applyExperimentSearch, applyRunSearch } from '../shared/search';
import { PageWindow } from '../shared/paging';
import {
  ExperimentQuery,
  RunOwnership,
  RunQuery,
  RunSummary,
  TrackingStore,
  TransactionHook,
} from './TrackingStore';
import { MetricSeries, toMetric } from './metricSeries';
import { PointColumns } from './metricChunks';
import { recordModelMetrics } from './DatabaseLoggedModelStore';
import { LoggedModelMetric } from './LoggedModelStore';

type ExperimentRow = {
  experiment_id: number | string;
  name: string;
  owner: string;
  artifact_location: string;
  lifecycle_stage: LifecycleStage;
  creation_time: number | string;
  last_update_time: number | string;
};

type RunRow = {
  run_uuid: string;
  experiment_id: number | string;
  name: string;
  user_id: string | null;
  status: RunStatus;
  start_time: number | string;
  end_time: number | string | null;
  lifecycle_stage: LifecycleStage;
  artifact_uri: string;
};

/** PostgreSQL returns bigint as strings and float8 ±Infinity as numbers; SQLite gives numbers. */
const toNumber = (value: number | string) => Number(value);

function toRunInfo(row: RunRow): RunInfo {
  return {
    runId: row.run_uuid,
    runName: row.name,
    experimentId: String(row.experiment_id),
    userId: row.user_id ?? undefined,
    status: row.status,
    startTime: toNumber(row.start_time),
    endTime: row.end_time === null ? undefined : toNumber(row.end_time),
    artifactUri: row.artifact_uri,
    lifecycleStage: row.lifecycle_stage,
  };
}

function toExperiment(row: ExperimentRow, tags: Tag[]): Experiment {
  return {
    experimentId: String(row.experiment_id),
    name: row.name,
    owner: row.owner,
    artifactLocation: row.artifact_location,
    lifecycleStage: row.lifecycle_stage,
    creationTime: toNumber(row.creation_time),
    lastUpdateTime: toNumber(row.last_update_time),
    tags,
  };
}

function stagesOf(viewType: ViewType): LifecycleStage[] {
  if (viewType === 'ALL') return ['active', 'deleted'];
  return viewType === 'DELETED_ONLY' ? ['deleted'] : ['active'];
}

/** Experiment ids are integers; anything else cannot exist. */
function experimentIdOf(experimentId: string): number | undefined {
  return /^\d{1,15}$/.test(experimentId) ? Number(experimentId) : undefined;
}

/**
 * The tracking store on the plugin's database (SQLite or PostgreSQL).
 *
 * @internal
 */
export class DatabaseTrackingStore implements TrackingStore {
  private readonly metrics: MetricSeries;

  private constructor(private readonly db: Knex) {
    this.metrics = new MetricSeries(db);
  }

  static create(options: { knex: Knex }): DatabaseTrackingStore {
    return new DatabaseTrackingStore(options.knex);
  }

  async createExperiment(input: {
    experimentId?: string;
    name: string;
    owner: string;
    createdBy?: string;
    artifactLocation: string | ((experimentId: string) => string);
    tags: Tag[];
  }): Promise<string> {
    const now = Date.now();
    try {
      return await this.db.transaction(async tx => {
        const [row] = await tx('ml_experiments')
          .insert({
            ...(input.experimentId !== undefined && {
              experiment_id: Number(input.experimentId),
            }),
            name: input.name,
            owner: input.owner,
            created_by: input.createdBy ?? null,
            // Replaced below when it derives from the id.
            artifact_location:
              typeof input.artifactLocation === 'string'
                ? input.artifactLocation
                : '',
            creation_time: now,
            last_update_time: now,
          })
          .returning('experiment_id');
        const experimentId = String(
          typeof row === 'object' ? row.experiment_id : row,
        );
        if (typeof input.artifactLocation === 'function') {
          await tx('ml_experiments')
            .where({ experiment_id: Number(experimentId) })
            .update({
              artifact_location: input.artifactLocation(experimentId),
            });
        }
        if (input.tags.length > 0) {
          await tx('ml_experiment_tags').insert(
            input.tags.map(tag => ({
              experiment_id: Number(experimentId),
              key: tag.key,
              value: tag.value,
            })),
          );
        }
        return experimentId;
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ConflictError(
          `Experiment(name=${input.name}) already exists.`,
        );
      }
      throw error;
    }
  }

  async getExperiment(experimentId: string): Promise<Experiment | undefined> {
    const id = experimentIdOf(experimentId);
    if (id === undefined) return undefined;
    const row = await this.db<ExperimentRow>('ml_experiments')
      .where({ experiment_id: id })
      .first();
    return row && this.withTags(row);
  }

  async getExperimentOwners(
    experimentIds: string[],
  ): Promise<Map<string, string>> {
    const byNumber = new Map<number, string>();
    const numbers = experimentIds
      .map(experimentIdOf)
      .filter((id): id is number => id !== undefined);
    for (const chunk of chunks([...new Set(numbers)])) {
      const rows: Array<{ experiment_id: number | string; owner: string }> =
        await this.db('ml_experiments')
          .whereIn('experiment_id', chunk)
          .select('experiment_id', 'owner');
      for (const row of rows)
        byNumber.set(Number(row.experiment_id), row.owner);
    }
    const owners = new Map<string, string>();
    for (const id of experimentIds) {
      const owner = byNumber.get(experimentIdOf(id) ?? NaN);
      if (owner !== undefined) owners.set(id, owner);
    }
    return owners;
  }

  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    const row = await this.db<ExperimentRow>('ml_experiments')
      .where({ name })
      .first();
    return row && this.withTags(row);
  }

  async searchExperiments(
    query: ExperimentQuery,
    window: PageWindow,
  ): Promise<{ items: ExperimentSummary[]; hasMore: boolean }> {
    const runStats = this.db('ml_runs')
      .select('experiment_id')
      .count({ run_count: '*' })
      .max({ last_run_start_time: 'start_time' })
      .where('lifecycle_stage', 'active')
      .groupBy('experiment_id')
      .as('stats');
    const select = this.db('ml_experiments as e')
      .select('e.*', 'stats.run_count', 'stats.last_run_start_time')
      .leftJoin(runStats, 'stats.experiment_id', 'e.experiment_id')
      .whereIn('e.lifecycle_stage', stagesOf(query.viewType));
    if (query.owner) {
      select.where('e.owner', query.owner);
    }
    if (query.owners) {
      select.whereIn('e.owner', query.owners);
    }
    applyExperimentSearch(this.db, select, {
      filter: query.filter,
      orderBy: query.orderBy,
    });
    const rows: Array<
      ExperimentRow & {
        run_count: number | string | null;
        last_run_start_time: number | string | null;
      }
    > = await select.offset(window.offset).limit(window.limit + 1);
    const page = rows.slice(0, window.limit);
    const tags = await this.experimentTags(page.map(r => r.experiment_id));
    return {
      hasMore: rows.length > window.limit,
      items: page.map(row => ({
        ...toExperiment(row, tags.get(String(row.experiment_id)) ?? []),
        runCount: Number(row.run_count ?? 0),
        lastRunStartTime:
          row.last_run_start_time === null
            ? undefined
            : toNumber(row.last_run_start_time),
      })),
    };
  }

  async renameExperiment(experimentId: string, name: string): Promise<void> {
    try {
      await this.touchExperiment(experimentId, { name });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ConflictError(`Experiment(name=${name}) already exists.`);
      }
      throw error;
    }
  }

  async setExperimentLifecycle(
    experimentId: string,
    stage: LifecycleStage,
  ): Promise<void> {
    await this.db.transaction(async tx => {
      await this.touchExperiment(experimentId, { lifecycle_stage: stage }, tx);
      // Deleting an experiment deletes its runs, and restoring restores them (as MLflow).
      await tx('ml_runs')
        .where({ experiment_id: Number(experimentId) })
        .update({
          lifecycle_stage: stage,
          deleted_time: stage === 'deleted' ? Date.now() : null,
        });
    });
  }

  async setExperimentTag(experimentId: string, tag: Tag): Promise<void> {
    await this.db('ml_experiment_tags')
      .insert({
        experiment_id: Number(experimentId),
        key: tag.key,
        value: tag.value,
      })
      .onConflict(['experiment_id', 'key'])
      .merge(['value']);
  }

  async createRun(input: {
    experimentId: string;
    runName: string;
    userId?: string;
    startTime: number;
    artifactUri: (runId: string) => string;
    tags: Tag[];
    alsoInTransaction?: TransactionHook;
  }): Promise<Run> {
    const runId = randomUUID().replace(/-/g, '');
    await this.db.transaction(async tx => {
      await tx('ml_runs').insert({
        run_uuid: runId,
        experiment_id: Number(input.experimentId),
        name: input.runName,
        user_id: input.userId ?? null,
        status: 'RUNNING',
        start_time: input.startTime,
        lifecycle_stage: 'active',
        artifact_uri: input.artifactUri(runId),
      });
      if (input.tags.length > 0) {
        await tx('ml_run_tags').insert(
          input.tags.map(tag => ({ run_uuid: runId, ...tag })),
        );
      }
      await input.alsoInTransaction?.(tx, runId);
    });
    return (await this.getRun(runId))!;
  }

  async getRun(runId: string): Promise<Run | undefined> {
    const row = await this.db<RunRow>('ml_runs')
      .where({ run_uuid: runId })
      .first();
    if (!row) return undefined;
    const [run] = await this.assembleRuns([row]);
    return run;
  }

  async getRunOwnership(runId: string): Promise<RunOwnership | undefined> {
    const row = await this.db('ml_runs as r')
      .join('ml_experiments as e', 'e.experiment_id', 'r.experiment_id')
      .where('r.run_uuid', runId)
      .first('r.run_uuid', 'r.experiment_id', 'e.owner', 'r.lifecycle_stage');
    return (
      row && {
        runId: row.run_uuid,
        experimentId: String(row.experiment_id),
        owner: row.owner,
        lifecycleStage: row.lifecycle_stage,
      }
    );
  }

  async getRunSummaries(runIds: string[]): Promise<RunSummary[]> {
    const summaries: RunSummary[] = [];
    for (const batch of chunks(runIds)) {
      const rows = await this.db('ml_runs as r')
        .join('ml_experiments as e', 'e.experiment_id', 'r.experiment_id')
        .whereIn('r.run_uuid', batch)
        .select(
          'r.run_uuid',
          'r.experiment_id',
          'r.name',
          'r.status',
          'e.owner',
          'r.lifecycle_stage',
        );
      for (const row of rows) {
        summaries.push({
          runId: row.run_uuid,
          experimentId: String(row.experiment_id),
          runName: row.name,
          status: row.status,
          owner: row.owner,
          lifecycleStage: row.lifecycle_stage,
        });
      }
    }
    return summaries;
  }

  async updateRun(
    runId: string,
    update: { status?: RunStatus; endTime?: number; runName?: string },
  ): Promise<RunInfo> {
    await this.db.transaction(async tx => {
      const changes: Record<string, unknown> = {};
      if (update.status) changes.status = update.status;
      if (update.endTime !== undefined) changes.end_time = update.endTime;
      if (update.runName) {
        changes.name = update.runName;
        // MLflow keeps the run name mirrored in this tag.
        await tx('ml_run_tags')
          .insert({
            run_uuid: runId,
            key: 'mlflow.runName',
            value: update.runName,
          })
          .onConflict(['run_uuid', 'key'])
          .merge(['value']);
      }
      if (Object.keys(changes).length > 0) {
        await tx('ml_runs').where({ run_uuid: runId }).update(changes);
      }
    });
    const row = await this.db<RunRow>('ml_runs')
      .where({ run_uuid: runId })
      .first();
    return toRunInfo(row!);
  }

  async setRunLifecycle(runId: string, stage: LifecycleStage): Promise<void> {
    await this.db('ml_runs')
      .where({ run_uuid: runId })
      .update({
        lifecycle_stage: stage,
        deleted_time: stage === 'deleted' ? Date.now() : null,
      });
  }

  async logBatch(
    runId: string,
    batch: {
      metrics: Metric[];
      params: Param[];
      tags: Tag[];
      modelMetrics?: LoggedModelMetric[];
    },
    alsoInTransaction?: TransactionHook,
  ): Promise<boolean> {
    const metricsOnly =
      batch.params.length === 0 &&
      batch.tags.length === 0 &&
      !batch.modelMetrics?.length &&
      !alsoInTransaction;
    // A training loop's batch: one statement, no transaction to open and commit.
    if (metricsOnly) {
      const outcome = await this.metrics.appendAhead(runId, batch.metrics);
      if (outcome !== 'not ahead') return outcome === 'written';
    }
    return await this.db.transaction(async tx => {
      // The run stays active until this commits: a delete waits for it (PostgreSQL).
      const run = tx('ml_runs')
        .where({ run_uuid: runId })
        .first('lifecycle_stage');
      if (tx.client.config.client === 'pg') run.forShare();
      if ((await run)?.lifecycle_stage !== 'active') return false;
      if (batch.params.length > 0) {
        await this.insertParams(tx, runId, batch.params);
      }
      if (batch.tags.length > 0) {
        await tx('ml_run_tags')
          .insert(batch.tags.map(tag => ({ run_uuid: runId, ...tag })))
          .onConflict(['run_uuid', 'key'])
          .merge(['value']);
        const runName = batch.tags.find(t => t.key === 'mlflow.runName');
        if (runName) {
          await tx('ml_runs')
            .where({ run_uuid: runId })
            .update({ name: runName.value });
        }
      }
      if (batch.metrics.length > 0) {
        await this.metrics.append(tx, runId, batch.metrics);
      }
      if (batch.modelMetrics?.length) {
        await recordModelMetrics(tx, batch.modelMetrics);
      }
      await alsoInTransaction?.(tx, runId);
      return true;
    });
  }

  async appendLoggedModel(runId: string, model: object): Promise<void> {
    const key = 'mlflow.log-model.history';
    await this.db.transaction(async tx => {
      const read = tx('ml_run_tags')
        .where({ run_uuid: runId, key })
        .first('value');
      // Two clients logging models to one run must not lose either entry.
      if (tx.client.config.client === 'pg') read.forUpdate();
      const current = await read;
      const value = JSON.stringify([
        ...(current ? JSON.parse(current.value) : []),
        model,
      ]);
      if (value.length > limits.tagValueLength) {
        throw new InputError(
          `The run's ${key} tag would exceed ${limits.tagValueLength} characters`,
        );
      }
      await tx('ml_run_tags')
        .insert({ run_uuid: runId, key, value })
        .onConflict(['run_uuid', 'key'])
        .merge(['value']);
    });
  }

  async deleteRunTag(runId: string, key: string): Promise<boolean> {
    const deleted = await this.db('ml_run_tags')
      .where({ run_uuid: runId, key })
      .delete();
    return deleted > 0;
  }

  async logInputs(
    runId: string,
    experimentId: string,
    inputs: DatasetInput[],
    alsoInTransaction?: TransactionHook,
  ): Promise<void> {
    await this.db.transaction(async tx => {
      for (const input of inputs) {
        const { dataset } = input;
        await tx('ml_datasets')
          .insert({
            dataset_uuid: randomUUID(),
            experiment_id: Number(experimentId),
            name: dataset.name,
            digest: dataset.digest,
            source_type: dataset.sourceType,
            source: dataset.source,
            schema: dataset.schema ?? null,
            profile: dataset.profile ?? null,
          })
          .onConflict(['experiment_id', 'name', 'digest'])
          .ignore();
        const { dataset_uuid: datasetId } = await tx('ml_datasets')
          .where({
            experiment_id: Number(experimentId),
            name: dataset.name,
            digest: dataset.digest,
          })
          .first('dataset_uuid');
        await tx('ml_run_inputs')
          .insert({
            input_uuid: randomUUID(),
            dataset_uuid: datasetId,
            run_uuid: runId,
            tags: JSON.stringify(input.tags),
          })
          .onConflict(['dataset_uuid', 'run_uuid'])
          .merge(['tags']);
      }
      await alsoInTransaction?.(tx, runId);
    });
  }

  async searchRuns(
    query: RunQuery,
    window: PageWindow,
  ): Promise<{ items: Run[]; hasMore: boolean }> {
    const experimentIds = query.experimentIds
      .map(experimentIdOf)
      .filter((id): id is number => id !== undefined);
    const select = this.db('ml_runs as r')
      .select('r.*')
      .whereIn('r.experiment_id', experimentIds)
      .whereIn('r.lifecycle_stage', stagesOf(query.viewType));
    applyRunSearch(this.db, select, {
      filter: query.filter,
      orderBy: query.orderBy,
    });
    const rows: RunRow[] = await select
      .offset(window.offset)
      .limit(window.limit + 1);
    return {
      hasMore: rows.length > window.limit,
      items: await this.assembleRuns(rows.slice(0, window.limit)),
    };
  }

  getMetricHistory(
    runId: string,
    key: string,
    window?: { offset: number; limit?: number },
  ): Promise<PointColumns> {
    return this.metrics.history(runId, key, window);
  }

  getMetricHistoryBuckets(
    runId: string,
    key: string,
    buckets: number,
  ): Promise<{ points: Metric[]; totalPoints: number }> {
    return this.metrics.historyBuckets(runId, key, buckets);
  }

  maxMetricValues(
    runIds: string[],
    keyLike: string,
  ): Promise<Map<string, number>> {
    return this.metrics.maxValues(runIds, keyLike);
  }

  /** Inserts new params; a key already logged with another value fails the whole batch. */
  private async insertParams(
    tx: Knex.Transaction,
    runId: string,
    params: Param[],
  ) {
    const byKey = new Map<string, string>();
    for (const param of params) {
      const seen = byKey.get(param.key);
      if (seen !== undefined && seen !== param.value) {
        throw new InputError(
          `Duplicate parameter keys have been submitted: key=${param.key} with values '${seen}' and '${param.value}'.`,
        );
      }
      byKey.set(param.key, param.value);
    }
    await tx('ml_params')
      .insert(
        [...byKey].map(([key, value]) => ({ run_uuid: runId, key, value })),
      )
      .onConflict(['run_uuid', 'key'])
      .ignore();
    // Re-read after the insert: a concurrent writer's value counts as already logged.
    const stored: Param[] = await tx('ml_params')
      .where({ run_uuid: runId })
      .whereIn('key', [...byKey.keys()])
      .select('key', 'value');
    for (const { key, value } of stored) {
      if (byKey.get(key) !== value) {
        throw new InputError(
          `Changing param values is not allowed. Param with key='${key}' was already logged with value='${value}' for run ID='${runId}'. Attempted logging new value '${byKey.get(
            key,
          )}'.`,
        );
      }
    }
  }

  private async touchExperiment(
    experimentId: string,
    changes: Record<string, unknown>,
    db: Knex = this.db,
  ) {
    const updated = await db('ml_experiments')
      .where({ experiment_id: Number(experimentId) })
      .update({ ...changes, last_update_time: Date.now() });
    if (updated === 0) {
      throw new NotFoundError(`No Experiment with id=${experimentId} exists`);
    }
  }

  private async withTags(row: ExperimentRow): Promise<Experiment> {
    const tags = await this.experimentTags([row.experiment_id]);
    return toExperiment(row, tags.get(String(row.experiment_id)) ?? []);
  }

  private async experimentTags(
    ids: Array<number | string>,
  ): Promise<Map<string, Tag[]>> {
    const byExperiment = new Map<string, Tag[]>();
    if (ids.length === 0) return byExperiment;
    const rows = await this.db('ml_experiment_tags')
      .whereIn('experiment_id', ids.map(Number))
      .orderBy('key')
      .select('experiment_id', 'key', 'value');
    for (const row of rows) {
      const id = String(row.experiment_id);
      byExperiment.set(id, [
        ...(byExperiment.get(id) ?? []),
        { key: row.key, value: row.value },
      ]);
    }
    return byExperiment;
  }

  /** Runs with their data in five queries, whatever the number of runs. */
  private async assembleRuns(rows: RunRow[]): Promise<Run[]> {
    if (rows.length === 0) return [];
    const ids = rows.map(r => r.run_uuid);
    const [params, tags, metrics, inputs] = await Promise.all([
      this.db('ml_params').whereIn('run_uuid', ids).orderBy('key'),
      this.db('ml_run_tags').whereIn('run_uuid', ids).orderBy('key'),
      this.db('ml_latest_metrics').whereIn('run_uuid', ids).orderBy('key'),
      this.db('ml_run_inputs as i')
        .join('ml_datasets as d', 'd.dataset_uuid', 'i.dataset_uuid')
        .whereIn('i.run_uuid', ids)
        .select('i.run_uuid', 'i.tags', 'd.*'),
    ]);
    const group = <T extends { run_uuid: string }>(list: T[]) => {
      const map = new Map<string, T[]>();
      for (const item of list) {
        map.set(item.run_uuid, [...(map.get(item.run_uuid) ?? []), item]);
      }
      return map;
    };
    const paramsByRun = group(params);
    const tagsByRun = group(tags);
    const metricsByRun = group(metrics);
    const inputsByRun = group(inputs);
    return rows.map(row => ({
      info: toRunInfo(row),
      data: {
        metrics: (metricsByRun.get(row.run_uuid) ?? []).map(toMetric),
        params: (paramsByRun.get(row.run_uuid) ?? []).map(p => ({
          key: p.key,
          value: p.value,
        })),
        tags: (tagsByRun.get(row.run_uuid) ?? []).map(t => ({
          key: t.key,
          value: t.value,
        })),
      },
      inputs: {
        datasetInputs: (inputsByRun.get(row.run_uuid) ?? []).map(i => ({
          dataset: {
            name: i.name,
            digest: i.digest,
            sourceType: i.source_type,
            source: i.source,
            schema: i.schema ?? undefined,
            profile: i.profile ?? undefined,
          },
          tags: JSON.parse(i.tags),
        })),
      },
    }));
  }
}
