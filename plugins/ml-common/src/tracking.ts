/**
 * Experiment tracking as the portal API and pages speak it. Times are epoch
 * milliseconds; metric values may be NaN or ±Infinity (the JSON encodings turn them
 * into the strings "NaN", "Infinity" and "-Infinity", as MLflow does).
 */

/** @public */
export type LifecycleStage = 'active' | 'deleted';

/** @public */
export type RunStatus =
  | 'RUNNING'
  | 'SCHEDULED'
  | 'FINISHED'
  | 'FAILED'
  | 'KILLED';

/** Which runs or experiments a search returns, by lifecycle stage. @public */
export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

/** @public */
export type Tag = { key: string; value: string };

/** @public */
export type Experiment = {
  experimentId: string;
  name: string;
  /** Backstage group entity ref, e.g. `group:default/vision`. */
  owner: string;
  artifactLocation: string;
  lifecycleStage: LifecycleStage;
  creationTime: number;
  lastUpdateTime: number;
  tags: Tag[];
};

/** An experiment as the experiments table lists it. @public */
export type ExperimentSummary = Experiment & {
  runCount: number;
  /** Start time of the newest run, absent when there is none. */
  lastRunStartTime?: number;
};

/** @public */
export type Metric = {
  key: string;
  value: number;
  timestamp: number;
  step: number;
};

/** @public */
export type Param = { key: string; value: string };

/** @public */
export type Dataset = {
  name: string;
  digest: string;
  sourceType: string;
  source: string;
  schema?: string;
  profile?: string;
};

/** A dataset a run read, with input tags such as `mlflow.data.context`. @public */
export type DatasetInput = { dataset: Dataset; tags: Tag[] };

/** @public */
export type RunInfo = {
  runId: string;
  runName: string;
  experimentId: string;
  userId?: string;
  status: RunStatus;
  startTime: number;
  endTime?: number;
  artifactUri: string;
  lifecycleStage: LifecycleStage;
};

/** A run with its latest metric values, params and tags. @public */
export type Run = {
  info: RunInfo;
  data: { metrics: Metric[]; params: Param[]; tags: Tag[] };
  inputs: { datasetInputs: DatasetInput[] };
};

/** One page of a search; `nextPageToken` is absent on the last page. @public */
export type Page<T> = { items: T[]; nextPageToken?: string };

/** @public */
export type ListExperimentsRequest = {
  /** MLflow filter grammar over experiments, e.g. `name LIKE 'churn%'`. */
  filter?: string;
  /** Only experiments owned by this group entity ref. */
  owner?: string;
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
  viewType?: ViewType;
};

/** @public */
export type SearchRunsRequest = {
  experimentIds: string[];
  /** MLflow filter grammar, e.g. `metrics.auc > 0.8 and params.lr = '0.01'`. */
  filter?: string;
  /** e.g. `metrics.auc DESC`, `attributes.start_time ASC`. */
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
  viewType?: ViewType;
};

/**
 * A metric series for a chart. When the series is longer than asked for, the server
 * downsamples it (largest-triangle-three-buckets over steps) and says so.
 *
 * @public
 */
export type MetricHistory = {
  runId: string;
  key: string;
  points: Metric[];
  totalPoints: number;
  downsampled: boolean;
};

/** @public */
export type ArtifactFile = { path: string; isDir: boolean; fileSize?: number };
