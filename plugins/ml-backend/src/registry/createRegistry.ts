import { ML_MODEL_RESOURCE_TYPE } from '@ml-portal/plugin-ml-common';
import { AliasCanaries } from '../shared/aliasCanaries';
import { DomainDeps } from '../shared/domainDeps';
import { LineageRecorder } from '../shared/lineage';
import { MlNotifier } from '../shared/notify';
import { DatabasePromotionStore } from './DatabasePromotionStore';
import { DatabaseRegistryStore } from './DatabaseRegistryStore';
import { readRegistryPolicy } from './gates';
import { deployableModels } from './deployableModels';
import { describeVersions } from './lineageNodes';
import { PromotionService } from './PromotionService';
import { registryRunsFrom } from './registryRuns';
import { RegistryService } from './RegistryService';
import { createRegistryRouter } from './router';

/**
 * The model registry: models and versions, aliases and promotions (with the gates of
 * `ml.registry`), its router, and what it offers the plugin: both services (the MLflow
 * layer, the catalog), its lineage nodes and its permission resource.
 *
 * @internal
 */
export function createRegistry(
  deps: DomainDeps & {
    lineage: LineageRecorder;
    /** Runs as tracking serves them: versions are registered from runs. */
    runs: Parameters<typeof registryRunsFrom>[0];
    /** Deployments: approved versions go out as canaries before their alias moves. */
    canaries?: AliasCanaries;
    /** Promotion requests to approvers, decisions to requesters. */
    notifier?: MlNotifier;
    /** Open drift alerts on endpoints serving a version, for the drift gate. */
    driftAlerts?: (modelName: string, version: number) => Promise<string[]>;
  },
) {
  const { knex, access } = deps;
  const store = DatabaseRegistryStore.create({ knex, lineage: deps.lineage });
  const runs = registryRunsFrom(deps.runs);
  const promotionStore = DatabasePromotionStore.create({ knex });
  const promotions = new PromotionService({
    store: promotionStore,
    models: store,
    runs,
    access,
    policy: readRegistryPolicy(deps.config),
    canaries: deps.canaries,
    notifier: deps.notifier,
    driftAlerts: deps.driftAlerts,
  });
  const service = new RegistryService({ store, promotions, runs, access });
  return {
    service,
    promotions,
    deployable: deployableModels({
      registry: service,
      promotions,
      store,
      audit: promotionStore,
    }),
    router: createRegistryRouter({
      registry: service,
      promotions,
      resolveCaller: deps.resolveCaller,
    }),
    lineageNodes: { model_version: describeVersions(store) },
    resources: {
      [ML_MODEL_RESOURCE_TYPE]: (name: string) => store.getModel(name),
    },
  };
}
