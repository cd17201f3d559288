import {
  BudgetStatus,
  CatalogDataset,
  EndpointKind,
  LineageNodeRef,
  MonitoringSettings,
  PromotionGate,
  RegisteredModel,
  Run,
  TrainingJob,
} from '@ml-portal/plugin-ml-common';
import { Caller } from '../shared/caller';

/**
 * What the scorecard reads of other domains, each as a small port the plugin fills in
 * from that domain's services. Reads past the model are the platform's: a caller who
 * may read the model sees its scorecard, whose facts name no secrets.
 */

/** A version as the scorecard judges it. @internal */
export type ReadinessVersion = {
  version: number;
  /** The lineage node id of kind `model_version`. */
  versionId: string;
  artifactUri: string;
  runId?: string;
};

/** The registry. @internal */
export type ReadinessModels = {
  /** The model, when the caller may read it (404/403 otherwise). */
  get(caller: Caller, name: string): Promise<RegisteredModel>;
  /** Every model the caller may read. */
  readable(caller: Caller): Promise<RegisteredModel[]>;
  version(name: string, version: number): Promise<ReadinessVersion | undefined>;
  /** Aliases that move only through approved promotions, `production` first by default. */
  protectedAliases: string[];
  /** The gates a move of `alias` must pass, for a model with these tags. */
  gatesFor(alias: string, tags: RegisteredModel['tags']): PromotionGate[];
};

/** Tracking: a run with its params and metrics. @internal */
export type ReadinessRuns = {
  getRun(runId: string): Promise<Run | undefined>;
};

/** Lineage: what is upstream of a version, and datasets by id. @internal */
export type ReadinessLineage = {
  upstreamOfEach(
    kind: 'model_version',
    ids: string[],
    depth: number,
  ): Promise<Map<string, LineageNodeRef[]>>;
  findDataset(id: string): Promise<CatalogDataset | undefined>;
};

/** Training: the job that produced a run. @internal */
export type ReadinessJobs = {
  jobOfRun(runId: string): Promise<TrainingJob | undefined>;
};

/** An endpoint serving some version of the model, with its live versions. @internal */
export type ReadinessEndpoint = {
  id: string;
  name: string;
  kind: EndpointKind;
  /** Versions its live deployments serve, the stable one first. */
  versions: number[];
};

/** Deployments: a model's endpoints and their live (stable and canary) deployments. @internal */
export type ReadinessEndpoints = {
  listEndpoints(query: {
    modelName: string;
  }): Promise<Array<Omit<ReadinessEndpoint, 'versions'>>>;
  liveDeployments(
    endpointIds: string[],
  ): Promise<Array<{ endpointId: string; version: number; role: string }>>;
};

/** Monitoring: what an endpoint is monitored with. @internal */
export type ReadinessMonitoring = {
  /** The settings in force: its own, else the configured defaults. */
  settings(endpointId: string): Promise<MonitoringSettings>;
  /** Whether drift has a training baseline (feature profile) for the version. */
  baseline(
    modelName: string,
    version: number,
  ): Promise<{ found: boolean; reason?: string }>;
};

/** Cost: a team's budget this month. @internal */
export type ReadinessBudgets = {
  budgetOf(team: string): Promise<BudgetStatus | undefined>;
  /** Micro-dollars as the cost pages write them, `$1,234.56`. */
  formatUsd(micros: number): string;
};

/** Where the portal keeps run artifacts (`mlflow-artifacts:` URIs), from config. @internal */
export type ArtifactStoreDescription =
  | { kind: 's3'; bucket: string; prefix?: string; endpoint?: string }
  | { kind: 'local'; directory: string };
