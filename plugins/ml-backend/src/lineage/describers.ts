import { DatabaseTrainingStore } from '../training/DatabaseTrainingStore';
import { TrackingStore } from '../tracking/TrackingStore';
import { LineageNodeDescriber } from './LineageRecorder';

/**
 * Runs drawn by name and status, linked to their page, from one tracking query.
 *
 * @internal
 */
export function describeRuns(
  store: Pick<TrackingStore, 'getRunSummaries'>,
): LineageNodeDescriber {
  return async ids =>
    new Map(
      (await store.getRunSummaries(ids)).map(run => [
        run.runId,
        {
          label: run.runName,
          subtitle:
            run.lifecycleStage === 'deleted'
              ? `${run.status} (deleted)`
              : run.status,
          owner: run.owner,
          path: `experiments/${encodeURIComponent(
            run.experimentId,
          )}/runs/${encodeURIComponent(run.runId)}`,
        },
      ]),
    );
}

/**
 * Training jobs drawn by name and status, linked to their page, from one query.
 *
 * @internal
 */
export function describeJobs(
  store: Pick<DatabaseTrainingStore, 'getJobs'>,
): LineageNodeDescriber {
  return async ids =>
    new Map(
      (await store.getJobs(ids)).map(job => [
        job.jobId,
        {
          label: job.name,
          subtitle: job.status,
          owner: job.owner,
          path: `training/jobs/${encodeURIComponent(job.jobId)}`,
        },
      ]),
    );
}
