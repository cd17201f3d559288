import { InputError, NotFoundError } from '@backstage/errors';
import { ResourcePermission } from '@backstage/plugin-permission-common';
import {
  DatasetInput,
  Experiment,
  ExperimentSummary,
  ListExperimentsRequest,
  Metric,
  MetricHistory,
  mlExperimentCreatePermission,
  mlExperimentDeletePermission,
  mlExperimentReadPermission,
  mlExperimentUpdatePermission,
  Page,
  Param,
  Run,
  RunInfo,
  RunStatus,
  SearchRunsRequest,
  Tag,
} from '@ml-portal/plugin-ml-common';
import { Readable } from 'node:stream';
import { assertExperimentsReadable } from './experimentAccess';
import {
  ArtifactFile,
  ArtifactStore,
  normalizeArtifactPath,
} from './artifacts/ArtifactStore';
import { decodePageToken, encodePageToken, pageSize } from '../shared/paging';
import { AccessControl } from '../shared/AccessControl';
import { Caller } from '../shared/caller';
import { TrackingStore, TransactionHook } from './TrackingStore';
import { PointColumns, sliceColumns } from './metricChunks';
import { LoggedModelService } from './LoggedModelService';
import { DatasetLineageRecorder } from '../shared/lineage';
import { generateRunName } from './runNames';
import { featureViewInputs, featureViewsFromTags } from '../shared/runTags';
import {
  validateBatchSize,
  validateExperimentName,
  metricValidator,
  validateParam,
  validateTag,
} from '../shared/validation';

/**
 * Where artifacts of a `mlflow-artifacts:` URI live in the portal's store; InputError
 * for URIs outside it.
 */
function artifactStorePath(rootUri: string): string {
  if (!rootUri.startsWith('mlflow-artifacts:')) {
    throw new InputError(
      `The artifacts at ${rootUri} live outside the portal's artifact store`,
    );
  }
  return normalizeArtifactPath(
    rootUri.slice('mlflow-artifacts:'.length).replace(/^\/+/, ''),
  );
}

/** The id MLflow reserves for the experiment runs land in when none is chosen. */
export const DEFAULT_EXPERIMENT_ID = '0';

const RUN_STATUSES: RunStatus[] = [
  'RUNNING',
  'SCHEDULED',
  'FINISHED',
  'FAILED',
  'KILLED',
];
const MAX_RESULTS = { experiments: 1000, runs: 50000 };

/** Runs whose ownership {@link TrackingService} keeps for log-batch (~1 MB). */
const MAX_LOGGING_RUNS = 10_000;

/**
 * Experiment tracking: the one implementation behind both the portal API and the
 * MLflow protocol. Enforces MLflow's rules and limits and the permission framework.
 *
 * @internal
 */
export class TrackingService {
  constructor(
    private readonly options: {
      store: TrackingStore;
      artifacts: ArtifactStore;
      access: AccessControl;
      /** Artifact root URI of a new experiment, e.g. `mlflow-artifacts:/7`. */
      artifactRoot: (experimentId: string) => string;
      defaultOwner: string;
      /** Records what runs read (datasets, feature views); tools without lineage leave it out. */
      lineage?: DatasetLineageRecorder;
      /** MLflow 3's logged models of the experiments; metrics may name one. */
      loggedModels?: LoggedModelService;
    },
  ) {}

  /**
   * The experiment and owner of runs logged to lately. Both are fixed when a run is
   * created, so a training loop's log-batch authorizes its caller against them without
   * reading the run; the write itself checks the run is still active. Bounded: the
   * oldest entry goes first.
   */
  private readonly loggingRuns = new Map<
    string,
    { experimentId: string; owner: string }
  >();

  /** The logged models of these experiments (the MLflow layer, the registry). */
  get loggedModels(): LoggedModelService | undefined {
    return this.options.loggedModels;
  }

  /** Creates MLflow's "Default" experiment (id 0) once, owned by the default owner. */
  async ensureDefaultExperiment(): Promise<void> {
    const { store } = this.options;
    if (await store.getExperiment(DEFAULT_EXPERIMENT_ID)) return;
    await store.createExperiment({
      experimentId: DEFAULT_EXPERIMENT_ID,
      name: 'Default',
      owner: this.options.defaultOwner,
      artifactLocation: this.options.artifactRoot(DEFAULT_EXPERIMENT_ID),
      tags: [],
    });
  }

  async createExperiment(
    caller: Caller,
    input: { name: unknown; artifactLocation?: string; tags?: Tag[] },
  ): Promise<string> {
    const name = validateExperimentName(input.name);
    const tags = (input.tags ?? []).map(validateTag);
    await this.authorize(caller, mlExperimentCreatePermission);
    return this.options.store.createExperiment({
      name,
      owner: caller.owner,
      createdBy: caller.userId,
      artifactLocation: input.artifactLocation || this.options.artifactRoot,
      tags,
    });
  }

  async getExperiment(
    caller: Caller,
    experimentId: string,
  ): Promise<Experiment> {
    const experiment = await this.options.store.getExperiment(experimentId);
    if (!experiment) {
      throw new NotFoundError(`No Experiment with id=${experimentId} exists`);
    }
    await this.authorize(caller, mlExperimentReadPermission, experiment);
    return experiment;
  }

  async getExperimentByName(caller: Caller, name: string): Promise<Experiment> {
    const experiment = await this.options.store.getExperimentByName(name);
    if (!experiment) {
      throw new NotFoundError(`Could not find experiment with name '${name}'`);
    }
    await this.authorize(caller, mlExperimentReadPermission, experiment);
    return experiment;
  }

  async searchExperiments(
    caller: Caller,
    request: ListExperimentsRequest,
  ): Promise<Page<ExperimentSummary>> {
    const limit = pageSize(request.maxResults, {
      fallback: 100,
      max: MAX_RESULTS.experiments,
    });
    const offset = decodePageToken(request.pageToken);
    // Unreadable experiments are left out in SQL, before paging: pages stay full and
    // tokens stable.
    const readableOwners = await this.options.access.ownersFor(
      caller,
      mlExperimentReadPermission,
    );
    const { items, hasMore } = await this.options.store.searchExperiments(
      {
        filter: request.filter,
        orderBy: request.orderBy,
        owner: request.owner,
        owners: readableOwners === 'all' ? undefined : readableOwners,
        viewType: request.viewType ?? 'ACTIVE_ONLY',
      },
      { offset, limit },
    );
    return {
      items,
      nextPageToken: hasMore ? encodePageToken(offset + limit) : undefined,
    };
  }

  async renameExperiment(caller: Caller, experimentId: string, name: unknown) {
    const experiment = await this.getExperiment(caller, experimentId);
    await this.authorize(caller, mlExperimentUpdatePermission, experiment);
    await this.options.store.renameExperiment(
      experimentId,
      validateExperimentName(name),
    );
  }

  async deleteExperiment(caller: Caller, experimentId: string) {
    const experiment = await this.getExperiment(caller, experimentId);
    if (experimentId === DEFAULT_EXPERIMENT_ID) {
      throw new InputError(
        'Cannot delete the default experiment (experiment_id 0).',
      );
    }
    await this.authorize(caller, mlExperimentDeletePermission, experiment);
    await this.options.store.setExperimentLifecycle(experimentId, 'deleted');
  }

  async restoreExperiment(caller: Caller, experimentId: string) {
    const experiment = await this.getExperiment(caller, experimentId);
    await this.authorize(caller, mlExperimentDeletePermission, experiment);
    await this.options.store.setExperimentLifecycle(experimentId, 'active');
  }

  async setExperimentTag(
    caller: Caller,
    experimentId: string,
    tag: { key: unknown; value: unknown },
  ) {
    const experiment = await this.getExperiment(caller, experimentId);
    await this.authorize(caller, mlExperimentUpdatePermission, experiment);
    await this.options.store.setExperimentTag(experimentId, validateTag(tag));
  }

  async createRun(
    caller: Caller,
    input: {
      experimentId?: string;
      runName?: string;
      startTime?: number;
      tags?: Array<{ key: unknown; value: unknown }>;
      userId?: string;
    },
  ): Promise<Run> {
    const experimentId = input.experimentId || DEFAULT_EXPERIMENT_ID;
    const experiment = await this.getExperiment(caller, experimentId);
    if (experiment.lifecycleStage !== 'active') {
      throw new InputError(
        `The experiment ${experimentId} must be in the 'active' state. Current state is ${experiment.lifecycleStage}.`,
      );
    }
    await this.authorize(caller, mlExperimentUpdatePermission, experiment);
    const tags = (input.tags ?? []).map(validateTag);
    const runName =
      input.runName ||
      tags.find(t => t.key === 'mlflow.runName')?.value ||
      generateRunName();
    const withName = [
      ...tags.filter(t => t.key !== 'mlflow.runName'),
      { key: 'mlflow.runName', value: runName },
    ];
    return this.options.store.createRun({
      experimentId,
      runName,
      userId: input.userId ?? caller.userId,
      startTime: input.startTime ?? Date.now(),
      artifactUri: runId => `${experiment.artifactLocation}/${runId}/artifacts`,
      tags: withName,
      alsoInTransaction: this.featureViewLineage(withName),
    });
  }

  async getRun(caller: Caller, runId: string): Promise<Run> {
    await this.runFor(caller, runId, mlExperimentReadPermission);
    return (await this.options.store.getRun(runId))!;
  }

  async updateRun(
    caller: Caller,
    runId: string,
    update: { status?: string; endTime?: number; runName?: string },
  ): Promise<RunInfo> {
    await this.activeRunFor(caller, runId);
    if (
      update.status !== undefined &&
      !RUN_STATUSES.includes(update.status as RunStatus)
    ) {
      throw new InputError(
        `Invalid value ${update.status} for parameter 'status' supplied.`,
      );
    }
    return this.options.store.updateRun(runId, {
      status: update.status as RunStatus | undefined,
      endTime: update.endTime,
      runName: update.runName,
    });
  }

  async deleteRun(caller: Caller, runId: string) {
    await this.runFor(caller, runId, mlExperimentDeletePermission);
    await this.options.store.setRunLifecycle(runId, 'deleted');
  }

  async restoreRun(caller: Caller, runId: string) {
    await this.runFor(caller, runId, mlExperimentDeletePermission);
    await this.options.store.setRunLifecycle(runId, 'active');
  }

  /**
   * log-batch, and the single log-metric/log-parameter/set-tag calls through it. Takes
   * the batch's `metrics` list: it is emptied once validated.
   */
  async logBatch(
    caller: Caller,
    runId: string,
    batch: { metrics?: unknown[]; params?: unknown[]; tags?: unknown[] },
  ): Promise<void> {
    const raw = {
      metrics: batch.metrics ?? [],
      params: batch.params ?? [],
      tags: batch.tags ?? [],
    };
    validateBatchSize(raw);
    const metrics: Metric[] = raw.metrics.map(metricValidator());
    const params: Param[] = raw.params.map(validateParam);
    const tags: Tag[] = raw.tags.map(validateTag);
    let run = this.loggingRuns.get(runId);
    if (run) await this.authorize(caller, mlExperimentUpdatePermission, run);
    else run = await this.activeRunFor(caller, runId);
    // Metrics that name a logged model (MLflow 3) also count as the model's.
    const modelMetrics = await this.options.loggedModels?.modelMetrics(
      runId,
      raw.metrics,
      metrics,
    );
    // The request's parsed items are done with: emptied, they are not kept alive while
    // the write waits on the database, where V8 would promote them to its old generation
    // (the backend's peak RSS during ingest: 532 -> 461 MB in bench:tracking).
    raw.metrics.length = 0;
    const write = () =>
      this.options.store.logBatch(
        runId,
        { metrics, params, tags, modelMetrics },
        this.featureViewLineage(tags),
      );
    if (await write()) {
      this.rememberLoggingRun(runId, run);
      return;
    }
    // The run is gone or deleted since: answer as for an inactive run (and write if it
    // was restored in between).
    this.loggingRuns.delete(runId);
    await this.activeRunFor(caller, runId);
    if (!(await write())) {
      throw new InputError(`The run ${runId} must be in the 'active' state.`);
    }
  }

  private rememberLoggingRun(
    runId: string,
    run: { experimentId: string; owner: string },
  ) {
    if (this.loggingRuns.has(runId)) return;
    if (this.loggingRuns.size >= MAX_LOGGING_RUNS) {
      this.loggingRuns.delete(this.loggingRuns.keys().next().value!);
    }
    this.loggingRuns.set(runId, {
      experimentId: run.experimentId,
      owner: run.owner,
    });
  }

  /**
   * MLflow's log-model: the model's metadata is appended to the run's
   * `mlflow.log-model.history` tag (a JSON list), in one transaction with the read.
   */
  async logModel(caller: Caller, runId: string, modelJson: string) {
    let model: unknown;
    try {
      model = JSON.parse(modelJson);
    } catch {
      throw new InputError(
        "Invalid value for parameter 'model_json': not JSON",
      );
    }
    if (typeof model !== 'object' || model === null || Array.isArray(model)) {
      throw new InputError(
        "Invalid value for parameter 'model_json': expected a JSON object",
      );
    }
    await this.activeRunFor(caller, runId);
    await this.options.store.appendLoggedModel(runId, model);
  }

  async deleteTag(caller: Caller, runId: string, key: string) {
    await this.activeRunFor(caller, runId);
    if (!(await this.options.store.deleteRunTag(runId, key))) {
      throw new NotFoundError(
        `No tag with name: ${key} in run with id ${runId}`,
      );
    }
  }

  async logInputs(caller: Caller, runId: string, inputs: DatasetInput[]) {
    const ownership = await this.activeRunFor(caller, runId);
    for (const input of inputs) {
      const { dataset } = input;
      for (const field of ['name', 'digest', 'sourceType', 'source'] as const) {
        if (typeof dataset?.[field] !== 'string' || dataset[field] === '') {
          throw new InputError(
            `Missing value for required parameter 'dataset.${field}'.`,
          );
        }
      }
      input.tags.forEach(validateTag);
    }
    const { lineage } = this.options;
    // The datasets become first-class records, owned by the experiment's owner at
    // first sight, with the run's inputs or not at all.
    await this.options.store.logInputs(
      runId,
      ownership.experimentId,
      inputs,
      lineage &&
        ((tx, id) =>
          lineage
            .recordDatasetInputs(
              { kind: 'run', id },
              inputs.map(({ dataset }) => ({
                name: dataset.name,
                digest: dataset.digest,
                sourceType: dataset.sourceType,
                source: dataset.source,
                schema: dataset.schema,
                owner: ownership.owner,
              })),
              tx,
            )
            .then(() => {})),
    );
  }

  /** Records the feature views a run's `mlplatform.feature_views` tag names, if any. */
  private featureViewLineage(tags: Tag[]): TransactionHook | undefined {
    const { lineage } = this.options;
    const featureViews = featureViewsFromTags(tags);
    if (!lineage || featureViews.length === 0) return undefined;
    return (tx, runId) =>
      lineage.record(
        featureViewInputs(featureViews, { kind: 'run', id: runId }),
        tx,
      );
  }

  async searchRuns(
    caller: Caller,
    request: SearchRunsRequest,
  ): Promise<Page<Run>> {
    const limit = pageSize(request.maxResults, {
      fallback: 1000,
      max: MAX_RESULTS.runs,
    });
    const offset = decodePageToken(request.pageToken);
    await assertExperimentsReadable(
      {
        owners: ids => this.options.store.getExperimentOwners(ids),
        access: this.options.access,
      },
      caller,
      request.experimentIds,
    );
    const { items, hasMore } = await this.options.store.searchRuns(
      {
        experimentIds: request.experimentIds,
        filter: request.filter,
        orderBy: request.orderBy,
        viewType: request.viewType ?? 'ACTIVE_ONLY',
      },
      { offset, limit },
    );
    return {
      items,
      nextPageToken: hasMore ? encodePageToken(offset + limit) : undefined,
    };
  }

  /**
   * MLflow's get-history: the whole series unless `maxResults` pages it (MLflow 2.x
   * clients ask for it whole); pages are cut in the database, one row past the page
   * telling whether another follows. As columns: a series may be millions of points.
   */
  async getMetricHistory(
    caller: Caller,
    runId: string,
    key: string,
    page: { maxResults?: number; pageToken?: string } = {},
  ): Promise<{ points: PointColumns; nextPageToken?: string }> {
    const { maxResults } = page;
    if (maxResults !== undefined && maxResults < 0) {
      throw new InputError(
        `Invalid value ${maxResults} for parameter 'max_results' supplied: it must not be negative.`,
      );
    }
    const offset = decodePageToken(page.pageToken);
    await this.runFor(caller, runId, mlExperimentReadPermission);
    if (!maxResults) {
      return {
        points: await this.options.store.getMetricHistory(runId, key, {
          offset,
        }),
      };
    }
    const points = await this.options.store.getMetricHistory(runId, key, {
      offset,
      limit: maxResults + 1,
    });
    return {
      points: sliceColumns(points, 0, maxResults),
      nextPageToken:
        points.steps.length > maxResults
          ? encodePageToken(offset + maxResults)
          : undefined,
    };
  }

  /** A series for a chart: whole when short, else min/max per bucket (2 points per bucket). */
  async getMetricHistoryForChart(
    caller: Caller,
    runId: string,
    key: string,
    maxPoints: number,
  ): Promise<MetricHistory> {
    if (
      !Number.isSafeInteger(maxPoints) ||
      maxPoints < 2 ||
      maxPoints > 10000
    ) {
      throw new InputError('maxPoints must be an integer between 2 and 10000');
    }
    await this.runFor(caller, runId, mlExperimentReadPermission);
    const { points, totalPoints } =
      await this.options.store.getMetricHistoryBuckets(
        runId,
        key,
        Math.floor(maxPoints / 2),
      );
    return {
      runId,
      key,
      points,
      totalPoints,
      downsampled: points.length < totalPoints,
    };
  }

  /**
   * Guards the proxied artifact API: paths start with the experiment id
   * (`<experimentId>/<runId>/artifacts/...`); reading needs read on that experiment,
   * writing needs update. Only the root listing names no experiment.
   */
  async authorizeArtifactPath(
    caller: Caller,
    path: string,
    mode: 'read' | 'write',
  ) {
    const [experimentId] = normalizeArtifactPath(path).split('/');
    if (!experimentId) {
      if (mode === 'read') return;
      throw new InputError('Artifacts are written below an experiment id');
    }
    const experiment = await this.getExperiment(caller, experimentId);
    if (mode === 'write') {
      await this.authorize(caller, mlExperimentUpdatePermission, experiment);
    }
  }

  /** A run's artifacts below `path`, with paths relative to the run's artifact root. */
  async listArtifacts(
    caller: Caller,
    runId: string,
    path: string,
  ): Promise<{ rootUri: string; files: ArtifactFile[] }> {
    return this.listBelow(await this.runArtifactUri(caller, runId), path);
  }

  async getArtifact(
    caller: Caller,
    runId: string,
    path: string,
  ): Promise<{ body: Readable; size?: number; contentType?: string }> {
    return this.getBelow(await this.runArtifactUri(caller, runId), path);
  }

  /** A logged model's artifacts below `path`, relative to the model's artifact root. */
  async listLoggedModelArtifacts(
    caller: Caller,
    modelId: string,
    path: string,
  ): Promise<{ rootUri: string; files: ArtifactFile[] }> {
    return this.listBelow(await this.modelArtifactUri(caller, modelId), path);
  }

  async getLoggedModelArtifact(
    caller: Caller,
    modelId: string,
    path: string,
  ): Promise<{ body: Readable; size?: number; contentType?: string }> {
    return this.getBelow(await this.modelArtifactUri(caller, modelId), path);
  }

  private async listBelow(rootUri: string, path: string) {
    const root = artifactStorePath(rootUri);
    const relative = normalizeArtifactPath(path);
    const files = await this.options.artifacts.list(
      relative ? `${root}/${relative}` : root,
    );
    return {
      rootUri,
      files: files.map(file => ({
        ...file,
        path: file.path.slice(root.length + 1),
      })),
    };
  }

  private getBelow(rootUri: string, path: string) {
    const relative = normalizeArtifactPath(path);
    if (!relative) throw new InputError('Name a file, not the artifact root');
    return this.options.artifacts.get(
      `${artifactStorePath(rootUri)}/${relative}`,
    );
  }

  private async runArtifactUri(caller: Caller, runId: string) {
    await this.runFor(caller, runId, mlExperimentReadPermission);
    return (await this.options.store.getRun(runId))!.info.artifactUri;
  }

  private async modelArtifactUri(caller: Caller, modelId: string) {
    const models = this.options.loggedModels;
    if (!models)
      throw new NotFoundError(`Logged model with ID '${modelId}' not found.`);
    return (await models.getLoggedModel(caller, modelId)).artifactUri;
  }

  private async runFor(
    caller: Caller,
    runId: string,
    permission: ResourcePermission,
  ) {
    const ownership = await this.options.store.getRunOwnership(runId);
    if (!ownership) {
      throw new NotFoundError(`Run with id=${runId} not found`);
    }
    await this.authorize(caller, permission, {
      experimentId: ownership.experimentId,
      owner: ownership.owner,
    });
    return ownership;
  }

  /** Logging needs an active run and the right to update its experiment. */
  private async activeRunFor(caller: Caller, runId: string) {
    const ownership = await this.runFor(
      caller,
      runId,
      mlExperimentUpdatePermission,
    );
    if (ownership.lifecycleStage !== 'active') {
      throw new InputError(
        `The run ${runId} must be in the 'active' state. Current state is ${ownership.lifecycleStage}.`,
      );
    }
    return ownership;
  }

  private async authorize(
    caller: Caller,
    permission: typeof mlExperimentCreatePermission | ResourcePermission,
    experiment?: { experimentId: string; owner: string },
  ): Promise<void> {
    await this.options.access.authorize(
      caller,
      permission,
      experiment && {
        owner: experiment.owner,
        describe: `experiment ${experiment.experimentId}`,
      },
    );
  }
}
