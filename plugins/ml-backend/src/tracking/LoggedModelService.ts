import { InputError, NotFoundError } from '@backstage/errors';
import { ResourcePermission } from '@backstage/plugin-permission-common';
import {
  mlExperimentReadPermission,
  mlExperimentUpdatePermission,
  Page,
  Param,
  Tag,
} from '@ml-portal/plugin-ml-common';
import { AccessControl } from '../shared/AccessControl';
import { Caller } from '../shared/caller';
import { decodePageToken, encodePageToken, pageSize } from '../shared/paging';
import { describeValue } from '../shared/strings';
import { limits, validateParam, validateTag } from '../shared/validation';
import { assertExperimentsReadable } from './experimentAccess';
import { loggedModelNotFound } from './DatabaseLoggedModelStore';
import {
  LoggedModel,
  LoggedModelMetric,
  LoggedModelOrder,
  LoggedModelStatus,
  LoggedModelStore,
  ModelOutput,
} from './LoggedModelStore';
import { TrackingStore } from './TrackingStore';
import { generateRunName } from './runNames';

/** MLflow's enum by name or number; finalize accepts only the last two. */
const STATUSES: Record<string, LoggedModelStatus> = {
  LOGGED_MODEL_PENDING: 'LOGGED_MODEL_PENDING',
  LOGGED_MODEL_READY: 'LOGGED_MODEL_READY',
  LOGGED_MODEL_UPLOAD_FAILED: 'LOGGED_MODEL_UPLOAD_FAILED',
  '1': 'LOGGED_MODEL_PENDING',
  '2': 'LOGGED_MODEL_READY',
  '3': 'LOGGED_MODEL_UPLOAD_FAILED',
};

/** Characters MLflow refuses in a logged model's name (they break `models:/` URIs). */
const NAME_BAD_CHARS = ['/', ':', '.', '%', '"', "'"];
const NAME_MAX_LENGTH = 500;
const SEARCH_RESULTS = { fallback: 50, max: 1000 };
const MODEL_ID_MAX_LENGTH = 64;

function validateName(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  if (
    name === '' ||
    name.length > NAME_MAX_LENGTH ||
    NAME_BAD_CHARS.some(c => name.includes(c))
  ) {
    throw new InputError(
      `Invalid model name (${describeValue(
        name,
      )}) provided. Model name must be a non-empty string of at most ${NAME_MAX_LENGTH} characters and cannot contain the following characters: ${NAME_BAD_CHARS.join(
        ' ',
      )}`,
    );
  }
  return name;
}

/** A list of `{key, value}` entries, validated as run tags or params are. */
function entries<T>(
  raw: unknown,
  name: string,
  validate: (item: unknown) => T,
): T[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    throw new InputError(
      `Invalid value for parameter '${name}': expected a list.`,
    );
  }
  if (raw.length > limits.batchTotal) {
    throw new InputError(
      `Invalid value for parameter '${name}': a request may hold at most ${limits.batchTotal} entries, got ${raw.length}.`,
    );
  }
  return raw.map(validate);
}

/** Search's `datasets`: each names a dataset, and optionally its digest. */
function datasetsOf(raw: unknown): Array<{ name: string; digest?: string }> {
  return entries(raw, 'datasets', item => {
    const d = (item ?? {}) as Record<string, unknown>;
    if (typeof d.dataset_name !== 'string' || d.dataset_name === '') {
      throw new InputError(
        "Missing value for required parameter 'datasets.dataset_name'.",
      );
    }
    if (
      d.dataset_digest !== undefined &&
      typeof d.dataset_digest !== 'string'
    ) {
      throw new InputError(
        "Invalid value for parameter 'datasets.dataset_digest': expected a string.",
      );
    }
    return {
      name: d.dataset_name,
      digest: (d.dataset_digest as string | undefined) || undefined,
    };
  });
}

/** Search's `order_by`: `{field_name, ascending, dataset_name, dataset_digest}` entries. */
function ordersOf(raw: unknown): LoggedModelOrder[] {
  return entries(raw, 'order_by', item => {
    const o = (item ?? {}) as Record<string, unknown>;
    if (typeof o.field_name !== 'string' || o.field_name === '') {
      throw new InputError(
        "Missing value for required parameter 'order_by.field_name'.",
      );
    }
    const text = (field: string) => {
      const value = o[field];
      if (value === undefined || value === null || value === '')
        return undefined;
      if (typeof value !== 'string') {
        throw new InputError(
          `Invalid value for parameter 'order_by.${field}': expected a string.`,
        );
      }
      return value;
    };
    const datasetName = text('dataset_name');
    const datasetDigest = text('dataset_digest');
    if (datasetDigest !== undefined && datasetName === undefined) {
      throw new InputError(
        "'order_by.dataset_digest' may only be set together with 'order_by.dataset_name'.",
      );
    }
    return {
      fieldName: o.field_name,
      ascending: o.ascending !== false && o.ascending !== 'false',
      datasetName,
      datasetDigest,
    };
  });
}

/** A search_logged_models request as MLflow's JSON has it. @internal */
export type SearchLoggedModelsRequest = {
  experimentIds: string[];
  filter?: string;
  datasets?: unknown;
  orderBy?: unknown;
  maxResults?: number;
  pageToken?: string;
};

/**
 * MLflow 3's logged models: created in an experiment (from a run or on their own),
 * finalized when their files are uploaded, searched, tagged, deleted. They are the
 * experiment's: reading one needs read on it, changing one needs update. Lineage
 * records the run that produced a model.
 *
 * @internal
 */
export class LoggedModelService {
  constructor(
    private readonly options: {
      store: LoggedModelStore;
      /** Experiments and runs the models belong to. */
      tracking: Pick<
        TrackingStore,
        'getExperiment' | 'getExperimentOwners' | 'getRunOwnership'
      >;
      access: AccessControl;
    },
  ) {}

  async createLoggedModel(
    caller: Caller,
    input: {
      experimentId: string;
      name?: string;
      modelType?: string;
      sourceRunId?: string;
      tags?: unknown;
      params?: unknown;
    },
  ): Promise<LoggedModel> {
    const name = validateName(input.name) ?? generateRunName();
    const tags: Tag[] = entries(input.tags, 'tags', validateTag);
    const params: Param[] = entries(input.params, 'params', validateParam);
    if (input.modelType !== undefined && input.modelType.length > 500) {
      throw new InputError(
        "Invalid value for parameter 'model_type': at most 500 characters.",
      );
    }
    const { experimentId } = input;
    const experiment = await this.options.tracking.getExperiment(experimentId);
    if (!experiment) {
      throw new NotFoundError(`No Experiment with id=${experimentId} exists`);
    }
    await this.authorize(caller, mlExperimentUpdatePermission, experiment);
    if (experiment.lifecycleStage !== 'active') {
      throw new InputError(
        `The experiment ${experimentId} must be in the 'active' state. Current state is ${experiment.lifecycleStage}.`,
      );
    }
    if (input.sourceRunId) {
      const run = await this.options.tracking.getRunOwnership(
        input.sourceRunId,
      );
      if (!run) {
        throw new NotFoundError(`Run with id=${input.sourceRunId} not found`);
      }
    }
    const model = await this.options.store.createLoggedModel({
      experimentId,
      name,
      artifactLocation: modelId =>
        `${experiment.artifactLocation}/models/${modelId}/artifacts`,
      modelType: input.modelType || undefined,
      sourceRunId: input.sourceRunId || undefined,
      createdBy: caller.userId,
      tags,
      params,
    });
    return model;
  }

  /** NotFoundError (MLflow's RESOURCE_DOES_NOT_EXIST) unless the caller may read it. */
  async getLoggedModel(caller: Caller, modelId: string): Promise<LoggedModel> {
    return this.modelFor(caller, modelId, mlExperimentReadPermission);
  }

  /**
   * The model a `runs:/<runId>/<name>` URI names in MLflow 3: the newest logged model
   * of that name the run produced; undefined when there is none.
   */
  async findRunModel(
    caller: Caller,
    runId: string,
    name: string,
  ): Promise<LoggedModel | undefined> {
    const model = await this.options.store.findRunModel(runId, name);
    if (model) await this.authorize(caller, mlExperimentReadPermission, model);
    return model;
  }

  async finalizeLoggedModel(
    caller: Caller,
    modelId: string,
    rawStatus: string,
  ): Promise<LoggedModel> {
    const status = Object.hasOwn(STATUSES, rawStatus)
      ? STATUSES[rawStatus]
      : undefined;
    if (
      status !== 'LOGGED_MODEL_READY' &&
      status !== 'LOGGED_MODEL_UPLOAD_FAILED'
    ) {
      throw new InputError(
        `Invalid value ${describeValue(
          rawStatus,
        )} for parameter 'status' supplied: a logged model is finalized as LOGGED_MODEL_READY or LOGGED_MODEL_UPLOAD_FAILED.`,
      );
    }
    await this.modelFor(caller, modelId, mlExperimentUpdatePermission);
    return this.options.store.finalizeLoggedModel(modelId, status);
  }

  async deleteLoggedModel(caller: Caller, modelId: string): Promise<void> {
    await this.modelFor(caller, modelId, mlExperimentUpdatePermission);
    await this.options.store.deleteLoggedModel(modelId);
  }

  async setLoggedModelTags(
    caller: Caller,
    modelId: string,
    rawTags: unknown,
  ): Promise<LoggedModel> {
    const tags = entries(rawTags, 'tags', validateTag);
    await this.modelFor(caller, modelId, mlExperimentUpdatePermission);
    await this.options.store.setLoggedModelTags(modelId, tags);
    return (await this.options.store.getLoggedModel(modelId))!;
  }

  async deleteLoggedModelTag(caller: Caller, modelId: string, key: string) {
    await this.modelFor(caller, modelId, mlExperimentUpdatePermission);
    if (!(await this.options.store.deleteLoggedModelTag(modelId, key))) {
      throw new NotFoundError(
        `No tag with key '${key}' found for model with ID '${modelId}'.`,
      );
    }
  }

  async logLoggedModelParams(caller: Caller, modelId: string, raw: unknown) {
    const params = entries(raw, 'params', validateParam);
    await this.modelFor(caller, modelId, mlExperimentUpdatePermission);
    await this.options.store.logLoggedModelParams(modelId, params);
  }

  async searchLoggedModels(
    caller: Caller,
    request: SearchLoggedModelsRequest,
  ): Promise<Page<LoggedModel>> {
    const limit = pageSize(request.maxResults, SEARCH_RESULTS);
    const offset = decodePageToken(request.pageToken);
    const datasets = datasetsOf(request.datasets);
    const orderBy = ordersOf(request.orderBy);
    if (request.experimentIds.length === 0) {
      throw new InputError(
        "Missing value for required parameter 'experiment_ids'.",
      );
    }
    await assertExperimentsReadable(
      {
        owners: ids => this.options.tracking.getExperimentOwners(ids),
        access: this.options.access,
      },
      caller,
      request.experimentIds,
    );
    const { items, hasMore } = await this.options.store.searchLoggedModels(
      {
        experimentIds: request.experimentIds,
        filter: request.filter,
        datasets,
        orderBy,
      },
      { offset, limit },
    );
    return {
      items,
      nextPageToken: hasMore ? encodePageToken(offset + limit) : undefined,
    };
  }

  /** MLflow's log-outputs: the run produced these models (lineage: run → model). */
  async logOutputs(caller: Caller, runId: string, raw: unknown) {
    const outputs: ModelOutput[] = entries(raw, 'models', item => {
      const o = (item ?? {}) as Record<string, unknown>;
      if (typeof o.model_id !== 'string' || o.model_id === '') {
        throw new InputError(
          "Missing value for required parameter 'models.model_id'.",
        );
      }
      const step = Number(o.step ?? 0);
      if (!Number.isSafeInteger(step)) {
        throw new InputError(
          `Invalid value ${describeValue(
            o.step,
          )} for parameter 'models.step' supplied: expected an integer.`,
        );
      }
      return { modelId: o.model_id, step };
    });
    await this.activeRunFor(caller, runId);
    await this.assertModelsExist(outputs.map(o => o.modelId));
    await this.options.store.logOutputs(runId, outputs);
  }

  /**
   * The models a run produced (its source run, or it logged them as outputs) with the
   * step of the output, for the run's page; read permission on the run's experiment.
   */
  async runModels(
    caller: Caller,
    runId: string,
  ): Promise<Array<LoggedModel & { step?: number }>> {
    const run = await this.options.tracking.getRunOwnership(runId);
    if (!run) throw new NotFoundError(`Run with id=${runId} not found`);
    await this.authorize(caller, mlExperimentReadPermission, run);
    const [models, outputs] = await Promise.all([
      this.options.store.listRunModels(runId),
      this.options.store.getRunOutputs(runId),
    ]);
    const stepOf = new Map(outputs.map(o => [o.modelId, o.step]));
    return models.map(m => ({ ...m, step: stepOf.get(m.modelId) }));
  }

  /** MLflow 3's log-inputs `models`: the run read these logged models. */
  async logModelInputs(caller: Caller, runId: string, raw: unknown) {
    const modelIds = entries(raw, 'models', item => {
      const modelId = (item as { model_id?: unknown } | null)?.model_id;
      if (typeof modelId !== 'string' || modelId === '') {
        throw new InputError(
          "Missing value for required parameter 'models.model_id'.",
        );
      }
      return modelId;
    });
    if (modelIds.length === 0) return;
    await this.activeRunFor(caller, runId);
    await this.assertModelsExist(modelIds);
    await this.options.store.logModelInputs(runId, modelIds);
  }

  /**
   * What `runs/get` adds for MLflow 3 (the caller already read the run): the models it
   * output and the models it read.
   */
  async runModelLinks(
    runId: string,
  ): Promise<{ outputs: ModelOutput[]; modelInputs: string[] }> {
    const [outputs, modelInputs] = await Promise.all([
      this.options.store.getRunOutputs(runId),
      this.options.store.getRunModelInputs(runId),
    ]);
    return { outputs, modelInputs };
  }

  /**
   * The metrics of a log-batch entry list that name a logged model (`model_id`), with
   * their dataset; each named model must exist. Metrics without one are left out.
   */
  async modelMetrics(
    runId: string,
    raw: unknown[],
    validated: Array<Omit<LoggedModelMetric, 'modelId' | 'runId'>>,
  ): Promise<LoggedModelMetric[]> {
    const metrics: LoggedModelMetric[] = [];
    raw.forEach((item, i) => {
      const m = item as Record<string, unknown>;
      const text = (field: string, max: number) => {
        const value = m[field];
        if (value === undefined || value === null || value === '') {
          return undefined;
        }
        if (typeof value !== 'string' || value.length > max) {
          throw new InputError(
            `Invalid value ${describeValue(
              value,
            )} for parameter '${field}' supplied: expected a string of at most ${max} characters.`,
          );
        }
        return value;
      };
      const modelId = text('model_id', MODEL_ID_MAX_LENGTH);
      if (!modelId) return;
      metrics.push({
        ...validated[i],
        modelId,
        runId,
        datasetName: text('dataset_name', 500),
        datasetDigest: text('dataset_digest', 36),
      });
    });
    await this.assertModelsExist(metrics.map(m => m.modelId));
    return metrics;
  }

  /**
   * The latest value (highest step, then time) per metric key of a model, on any
   * dataset; empty for a model that is gone. For version snapshots: no permission check.
   */
  async latestMetrics(modelId: string): Promise<Record<string, number>> {
    const model = await this.options.store.getLoggedModel(modelId);
    const latest = new Map<string, LoggedModelMetric>();
    for (const metric of model?.metrics ?? []) {
      const seen = latest.get(metric.key);
      const later =
        !seen ||
        metric.step > seen.step ||
        (metric.step === seen.step && metric.timestamp >= seen.timestamp);
      if (later) latest.set(metric.key, metric);
    }
    return Object.fromEntries([...latest].map(([key, m]) => [key, m.value]));
  }

  private async assertModelsExist(modelIds: string[]) {
    if (modelIds.length === 0) return;
    const found = new Set(
      (await this.options.store.getLoggedModelSummaries(modelIds)).map(
        m => m.modelId,
      ),
    );
    const missing = modelIds.find(id => !found.has(id));
    if (missing !== undefined) throw loggedModelNotFound(missing);
  }

  private async modelFor(
    caller: Caller,
    modelId: string,
    permission: ResourcePermission,
  ): Promise<LoggedModel> {
    const model = await this.options.store.getLoggedModel(modelId);
    if (!model) throw loggedModelNotFound(modelId);
    await this.authorize(caller, permission, model);
    return model;
  }

  private async activeRunFor(caller: Caller, runId: string) {
    const run = await this.options.tracking.getRunOwnership(runId);
    if (!run) throw new NotFoundError(`Run with id=${runId} not found`);
    await this.authorize(caller, mlExperimentUpdatePermission, run);
    if (run.lifecycleStage !== 'active') {
      throw new InputError(
        `The run ${runId} must be in the 'active' state. Current state is ${run.lifecycleStage}.`,
      );
    }
  }

  private authorize(
    caller: Caller,
    permission: ResourcePermission,
    on: { experimentId: string; owner: string },
  ) {
    return this.options.access.authorize(caller, permission, {
      owner: on.owner,
      describe: `experiment ${on.experimentId}`,
    });
  }
}
