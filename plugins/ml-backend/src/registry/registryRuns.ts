import { Run } from '@ml-portal/plugin-ml-common';
import { Caller } from '../shared/caller';

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
  tracking: { getRun(caller: Caller, runId: string): Promise<Run> };
  store: { getRun(runId: string): Promise<Run | undefined> };
}): RegistryRuns {
  return {
    getRun: (caller, runId) => options.tracking.getRun(caller, runId),
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
