import { ML_EXPERIMENT_RESOURCE_TYPE } from '@ml-portal/plugin-ml-common';
import { DomainDeps } from '../shared/domainDeps';
import { DatasetLineageRecorder } from '../shared/lineage';
import { createArtifactStore } from './artifacts/createArtifactStore';
import { DatabaseLoggedModelStore } from './DatabaseLoggedModelStore';
import { DatabaseTrackingStore } from './DatabaseTrackingStore';
import { LoggedModelService } from './LoggedModelService';
import { describeLoggedModels, describeRuns } from './lineageNodes';
import { createTrackingRouter } from './router';
import { TrackingService } from './TrackingService';

/**
 * Experiment tracking: its store, artifact store and service (with MLflow's Default
 * experiment), its portal router, and what it offers the plugin: the service and the
 * artifacts (the MLflow layer, training, the registry), the store's run reads (the
 * registry's metric snapshots), its lineage nodes and its permission resource.
 *
 * @internal
 */
export async function createTracking(
  deps: DomainDeps & { lineage: DatasetLineageRecorder },
) {
  const store = DatabaseTrackingStore.create({ knex: deps.knex });
  const artifacts = await createArtifactStore(deps.config);
  const loggedModelStore = DatabaseLoggedModelStore.create({
    knex: deps.knex,
    lineage: deps.lineage,
  });
  const loggedModels = new LoggedModelService({
    store: loggedModelStore,
    tracking: store,
    access: deps.access,
  });
  const service = new TrackingService({
    store,
    artifacts,
    access: deps.access,
    artifactRoot: experimentId => `mlflow-artifacts:/${experimentId}`,
    defaultOwner: deps.defaultOwner,
    lineage: deps.lineage,
    loggedModels,
  });
  await service.ensureDefaultExperiment();
  return {
    service,
    artifacts,
    store,
    router: createTrackingRouter({
      tracking: service,
      resolveCaller: deps.resolveCaller,
    }),
    lineageNodes: {
      run: describeRuns(store),
      logged_model: describeLoggedModels(loggedModelStore),
    },
    resources: {
      [ML_EXPERIMENT_RESOURCE_TYPE]: (experimentId: string) =>
        store.getExperiment(experimentId),
    },
  };
}
