import { ML_FEATURE_VIEW_RESOURCE_TYPE } from '@ml-portal/plugin-ml-common';
import { DomainDeps } from '../shared/domainDeps';
import { DatabaseFeatureStore } from './DatabaseFeatureStore';
import { FeatureLineage, FeaturesService } from './FeaturesService';
import { scheduleFeatureImports } from './imports';
import { readOwnerMapping } from './owners';
import { createFeaturesRouter } from './router';

/**
 * The feature catalog: its store and service, the scheduled import of the configured
 * Feast registry dumps, its router, and what it offers the plugin: the service (the
 * catalog), its lineage nodes and its permission resource.
 *
 * @internal
 */
export async function createFeatures(
  deps: DomainDeps & { lineage: FeatureLineage },
) {
  const store = DatabaseFeatureStore.create({ knex: deps.knex });
  const service = new FeaturesService({
    store,
    owners: readOwnerMapping(deps.config),
    lineage: deps.lineage,
    access: deps.access,
  });
  await scheduleFeatureImports({
    features: service,
    config: deps.config,
    scheduler: deps.scheduler,
    logger: deps.logger,
    owner: deps.defaultOwner,
  });
  return {
    service,
    router: createFeaturesRouter({
      features: service,
      resolveCaller: deps.resolveCaller,
    }),
    lineageNodes: { feature_view: service.describeViews },
    resources: {
      [ML_FEATURE_VIEW_RESOURCE_TYPE]: (viewId: string) =>
        store.getView(viewId),
    },
  };
}
