import { LineageNodeDescriber } from '../shared/lineage';
import { TrainingStore } from './TrainingStore';

/**
 * Training jobs drawn by name and status, linked to their page, from one query.
 *
 * @internal
 */
export function describeJobs(
  store: Pick<TrainingStore, 'getJobs'>,
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
