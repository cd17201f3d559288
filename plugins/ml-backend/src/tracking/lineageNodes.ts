import { LineageNodeDescriber } from '../shared/lineage';
import { TrackingStore } from './TrackingStore';

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
