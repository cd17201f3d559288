import { LineageNodeDescriber } from '../shared/lineage';
import { LoggedModelStore } from './LoggedModelStore';
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

/**
 * MLflow 3 logged models drawn by name and status, linked to the page of the run that
 * produced them (or their experiment's), from one query.
 *
 * @internal
 */
export function describeLoggedModels(
  store: Pick<LoggedModelStore, 'getLoggedModelSummaries'>,
): LineageNodeDescriber {
  return async ids =>
    new Map(
      (await store.getLoggedModelSummaries(ids)).map(model => {
        const experiment = `experiments/${encodeURIComponent(
          model.experimentId,
        )}`;
        return [
          model.modelId,
          {
            label: model.name,
            subtitle: model.status.replace(/^LOGGED_MODEL_/, '').toLowerCase(),
            owner: model.owner,
            path: model.sourceRunId
              ? `${experiment}/runs/${encodeURIComponent(model.sourceRunId)}`
              : experiment,
          },
        ];
      }),
    );
}
