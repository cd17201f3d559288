import { Run } from '@ml-portal/plugin-ml-common';
import { Caller } from '../shared/caller';

/** What the registry needs of an MLflow 3 logged model. @internal */
export type RegistryLoggedModel = {
  modelId: string;
  experimentId: string;
  artifactUri: string;
  sourceRunId?: string;
};

/** Logged models as tracking serves them (permission-checked). @internal */
type LoggedModelReads = {
  getLoggedModel(caller: Caller, modelId: string): Promise<RegistryLoggedModel>;
  findRunModel(
    caller: Caller,
    runId: string,
    name: string,
  ): Promise<RegistryLoggedModel | undefined>;
  latestMetrics(modelId: string): Promise<Record<string, number>>;
};

/**
 * What the registry reads of runs: a run as the caller may read it (registering from
 * a run needs read access to it), and a run's latest metrics whoever asks (snapshots
 * for promotion requests, which other teams' approvers decide).
 *
 * @internal
 */
export interface RegistryRuns {
  /** NotFoundError or NotAllowedError when the caller may not read it. */
  getRun(caller: Caller, runId: string): Promise<Run>;
  /** A logged model the caller may read; NotFoundError otherwise. Absent without MLflow 3 support. */
  getLoggedModel?(
    caller: Caller,
    modelId: string,
  ): Promise<RegistryLoggedModel>;
  /**
   * What MLflow 3 registers for `runs:/<runId>/<path>`: when the run's own artifacts
   * hold no MLmodel at `path`, the run's logged model named `path`, if any.
   */
  loggedModelOfRun?(
    caller: Caller,
    runId: string,
    path: string,
  ): Promise<RegistryLoggedModel | undefined>;
  /** The latest value per key of a logged model's metrics, whoever asks (as latestMetrics). */
  loggedModelMetrics?(modelId: string): Promise<Record<string, number>>;
  /** undefined when the run does not exist (any more). */
  latestMetrics(
    runId: string,
  ): Promise<{ metrics: Record<string, number>; runName: string } | undefined>;
}

/**
 * The registry's view of runs over tracking: permission-checked reads through the
 * service, metric snapshots straight from the store.
 *
 * @internal
 */
export function registryRunsFrom(options: {
  tracking: {
    getRun(caller: Caller, runId: string): Promise<Run>;
    listArtifacts?(
      caller: Caller,
      runId: string,
      path: string,
    ): Promise<{ files: Array<{ path: string }> }>;
    loggedModels?: LoggedModelReads;
  };
  store: { getRun(runId: string): Promise<Run | undefined> };
}): RegistryRuns {
  const { tracking } = options;
  const models = tracking.loggedModels;
  /** Whether the run's own artifacts hold a model at `path` (MLflow 2's log_model). */
  async function hasMlModel(caller: Caller, runId: string, path: string) {
    if (!tracking.listArtifacts) return false;
    try {
      const { files } = await tracking.listArtifacts(caller, runId, path);
      return files.some(f => f.path.split('/').pop() === 'MLmodel');
    } catch (error) {
      // Artifacts outside the portal's store cannot be looked at: take the run's path.
      if ((error as Error).name === 'InputError') return true;
      throw error;
    }
  }
  return {
    getRun: (caller, runId) => tracking.getRun(caller, runId),
    ...(models && {
      getLoggedModel: (caller, modelId) =>
        models.getLoggedModel(caller, modelId),
      loggedModelMetrics: modelId => models.latestMetrics(modelId),
      async loggedModelOfRun(caller, runId, path) {
        // Runs without logged models (MLflow 2 clients) cost one query and no listing.
        const model = await models.findRunModel(caller, runId, path);
        if (!model || (await hasMlModel(caller, runId, path))) return undefined;
        return model;
      },
    }),
    async latestMetrics(runId) {
      const run = await options.store.getRun(runId);
      if (!run) return undefined;
      return {
        metrics: Object.fromEntries(
          run.data.metrics.map(metric => [metric.key, metric.value]),
        ),
        runName: run.info.runName,
      };
    },
  };
}
