import { Metric, Param, Tag } from '@ml-portal/plugin-ml-common';
import { PageWindow } from '../shared/paging';

/** MLflow's `LoggedModelStatus` names. @internal */
export type LoggedModelStatus =
  | 'LOGGED_MODEL_PENDING'
  | 'LOGGED_MODEL_READY'
  | 'LOGGED_MODEL_UPLOAD_FAILED';

/** A metric logged against a logged model: the run and dataset it was computed on. @internal */
export type LoggedModelMetric = Metric & {
  modelId: string;
  runId: string;
  datasetName?: string;
  datasetDigest?: string;
};

/**
 * MLflow 3's `LoggedModel`: a model a run (or nobody) logged in an experiment, whose
 * files live at `artifactUri`; `owner` is its experiment's, whom permissions decide by.
 *
 * @internal
 */
export type LoggedModel = {
  modelId: string;
  experimentId: string;
  owner: string;
  name: string;
  artifactUri: string;
  status: LoggedModelStatus;
  statusMessage?: string;
  modelType?: string;
  sourceRunId?: string;
  createdBy?: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  tags: Tag[];
  params: Param[];
  metrics: LoggedModelMetric[];
};

/** A run's `outputs.model_outputs` entry. @internal */
export type ModelOutput = { modelId: string; step: number };

/** What search_logged_models orders by: `field_name` and, for metrics, a dataset. @internal */
export type LoggedModelOrder = {
  fieldName: string;
  ascending: boolean;
  datasetName?: string;
  datasetDigest?: string;
};

/** @internal */
export type LoggedModelQuery = {
  experimentIds: string[];
  filter?: string;
  /** Metric clauses and metric orders count only values computed on these. */
  datasets: Array<{ name: string; digest?: string }>;
  orderBy: LoggedModelOrder[];
};

/**
 * Persistence of logged models, their tags, params, metrics and the runs that output
 * them. Deleted models are invisible to every read.
 *
 * @internal
 */
export interface LoggedModelStore {
  createLoggedModel(input: {
    experimentId: string;
    name: string;
    /** Derives the artifact location from the new id. */
    artifactLocation: (modelId: string) => string;
    modelType?: string;
    sourceRunId?: string;
    createdBy?: string;
    tags: Tag[];
    params: Param[];
  }): Promise<LoggedModel>;
  getLoggedModel(modelId: string): Promise<LoggedModel | undefined>;
  /** The newest model named `name` that the run produced (MLflow 3's `runs:/<run>/<name>`). */
  findRunModel(runId: string, name: string): Promise<LoggedModel | undefined>;
  /** The status and the time of the change. */
  finalizeLoggedModel(
    modelId: string,
    status: LoggedModelStatus,
  ): Promise<LoggedModel>;
  deleteLoggedModel(modelId: string): Promise<void>;
  setLoggedModelTags(modelId: string, tags: Tag[]): Promise<void>;
  /** False when the model had no such tag. */
  deleteLoggedModelTag(modelId: string, key: string): Promise<boolean>;
  /** Params are immutable: InputError when a key was logged with another value. */
  logLoggedModelParams(modelId: string, params: Param[]): Promise<void>;
  searchLoggedModels(
    query: LoggedModelQuery,
    window: PageWindow,
  ): Promise<{ items: LoggedModel[]; hasMore: boolean }>;
  /** Records models as outputs of a run; logging one again updates its step. */
  logOutputs(runId: string, outputs: ModelOutput[]): Promise<void>;
  getRunOutputs(runId: string): Promise<ModelOutput[]>;
  /** Records models as inputs of a run (MLflow 3's model inputs); again is a no-op. */
  logModelInputs(runId: string, modelIds: string[]): Promise<void>;
  /** The ids of the (not deleted) models a run read. */
  getRunModelInputs(runId: string): Promise<string[]>;
  /** The models a run produced: its own (source run) and its outputs, newest first. */
  listRunModels(runId: string): Promise<LoggedModel[]>;
  /** The models whose ids exist (and are not deleted) among `modelIds`, with owners. */
  getLoggedModelSummaries(
    modelIds: string[],
  ): Promise<
    Array<
      Pick<
        LoggedModel,
        'modelId' | 'name' | 'experimentId' | 'owner' | 'status' | 'sourceRunId'
      >
    >
  >;
}
