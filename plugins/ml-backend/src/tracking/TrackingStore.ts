import { PageWindow } from '../shared/paging';
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
import { LoggedModelMetric } from './LoggedModelStore';
import { PointColumns } from './metricChunks';

/** @internal */
export type ExperimentQuery = {
  filter?: string;
  orderBy?: string[];
  owner?: string;
  /** Only experiments of these owners (those the caller may read); all when unset. */
  owners?: string[];
  viewType: ViewType;
};

/** @internal */
export type RunQuery = {
  experimentIds: string[];
  filter?: string;
  orderBy?: string[];
  viewType: ViewType;
};

/** What a permission check needs to know about a run: its experiment and owner. @internal */
export type RunOwnership = {
  runId: string;
  experimentId: string;
  owner: string;
  lifecycleStage: LifecycleStage;
};

/** A run as other domains draw it (lineage): its name and status besides its owner. @internal */
export type RunSummary = RunOwnership & { runName: string; status: RunStatus };

/**
 * More writes about a run that must commit together with a store call's own (lineage
 * facts), run inside its transaction. @internal
 */
export type TransactionHook = (
  tx: Knex.Transaction,
  runId: string,
) => Promise<void>;

/**
 * Persistence of experiment tracking: the only code that touches the tracking tables.
 * Methods validate nothing about the protocol; they keep the data consistent (a batch is
 * all-or-nothing, params are immutable, the latest value per metric key follows MLflow's
 * order of step, then timestamp, then value).
 *
 * @internal
 */
export interface TrackingStore {
  createExperiment(input: {
    /** Only for MLflow's Default experiment, whose id is fixed at 0. */
    experimentId?: string;
    name: string;
    owner: string;
    createdBy?: string;
    /** Derives the artifact location from the new id when none is given. */
    artifactLocation: string | ((experimentId: string) => string);
    tags: Tag[];
  }): Promise<string>;
  getExperiment(experimentId: string): Promise<Experiment | undefined>;
  /** The owners of the experiments that exist among `experimentIds`, in one round. */
  getExperimentOwners(experimentIds: string[]): Promise<Map<string, string>>;
  getExperimentByName(name: string): Promise<Experiment | undefined>;
  searchExperiments(
    query: ExperimentQuery,
    window: PageWindow,
  ): Promise<{ items: ExperimentSummary[]; hasMore: boolean }>;
  renameExperiment(experimentId: string, name: string): Promise<void>;
  setExperimentLifecycle(
    experimentId: string,
    stage: LifecycleStage,
  ): Promise<void>;
  setExperimentTag(experimentId: string, tag: Tag): Promise<void>;

  createRun(input: {
    experimentId: string;
    runName: string;
    userId?: string;
    startTime: number;
    artifactUri: (runId: string) => string;
    tags: Tag[];
    alsoInTransaction?: TransactionHook;
  }): Promise<Run>;
  getRun(runId: string): Promise<Run | undefined>;
  getRunOwnership(runId: string): Promise<RunOwnership | undefined>;
  /** Many runs in one query; unknown ids are left out. */
  getRunSummaries(runIds: string[]): Promise<RunSummary[]>;
  updateRun(
    runId: string,
    update: { status?: RunStatus; endTime?: number; runName?: string },
  ): Promise<RunInfo>;
  setRunLifecycle(runId: string, stage: LifecycleStage): Promise<void>;
  /**
   * Writes the batch at once (one transaction) if the run is active; false, having
   * written nothing, if it is missing or deleted.
   */
  logBatch(
    runId: string,
    batch: {
      metrics: Metric[];
      params: Param[];
      tags: Tag[];
      /** Metrics that name a logged model, which are the model's too. */
      modelMetrics?: LoggedModelMetric[];
    },
    alsoInTransaction?: TransactionHook,
  ): Promise<boolean>;
  deleteRunTag(runId: string, key: string): Promise<boolean>;
  /** Appends to the `mlflow.log-model.history` tag; InputError when it would outgrow a tag. */
  appendLoggedModel(runId: string, model: object): Promise<void>;
  logInputs(
    runId: string,
    experimentId: string,
    inputs: DatasetInput[],
    alsoInTransaction?: TransactionHook,
  ): Promise<void>;
  searchRuns(
    query: RunQuery,
    window: PageWindow,
  ): Promise<{ items: Run[]; hasMore: boolean }>;
  /**
   * The series in history order, as columns (a series may be millions of points); only
   * `window`'s slice of it when given (`limit` unset: to the end).
   */
  getMetricHistory(
    runId: string,
    key: string,
    window?: { offset: number; limit?: number },
  ): Promise<PointColumns>;
  /**
   * The series reduced to at most `2 × buckets` points: the lowest and highest value of
   * each of `buckets` equal step ranges, so spikes survive. Long series are reduced from
   * pre-aggregated step buckets (at most one range wide), whose values count in the
   * range of their first step.
   */
  getMetricHistoryBuckets(
    runId: string,
    key: string,
    buckets: number,
  ): Promise<{ points: Metric[]; totalPoints: number }>;
  /** Per run, the highest value logged under any key matching `keyLike` (SQL LIKE); runs without one are left out. */
  maxMetricValues(
    runIds: string[],
    keyLike: string,
  ): Promise<Map<string, number>>;
}
