import express from 'express';
import { Endpoint, TrainingProfile } from '@ml-portal/plugin-ml-common';
import { FeaturesService } from '../features/FeaturesService';
import { LineageService } from '../lineage/LineageService';
import { RegistryService } from '../registry/RegistryService';
import { buildCatalogAssets } from './catalogAssets';
import { CallerResolver, createPortalRouter } from '../schema/portalRouter';
import { Caller } from '../shared/caller';

/** Hops from a model version to its data: version ← run ← job ← dataset, and one spare. */
const UPSTREAM_DEPTH = 4;
/** The newest datasets the catalog lists; one entity per name is kept from them. */
const MAX_DATASETS = 10_000;

/**
 * The serving endpoints the caller may read, with their live deployments: what the
 * deployments domain offers the catalog (the plugin hands its service in).
 *
 * @internal
 */
export type CatalogEndpoints = {
  list(caller: Caller, query: {}): Promise<Endpoint[]>;
};

/** Training profiles at their current versions (every caller reads them). @internal */
export type CatalogProfiles = {
  list(): Promise<TrainingProfile[]>;
};

/**
 * `GET /api/ml/catalog/assets`: the ML assets the catalog module publishes as entities.
 * The whole list each time: the module diffs it against what it last published and
 * applies only the changes.
 *
 * @internal
 */
export function createCatalogRouter(options: {
  registry: RegistryService;
  features: FeaturesService;
  lineage: LineageService;
  endpoints: CatalogEndpoints;
  profiles: CatalogProfiles;
  /** Readiness scores (`passed/total`) of the models the caller may read, by name. */
  readinessScores?: (caller: Caller) => Promise<Map<string, string>>;
  resolveCaller: CallerResolver;
}): express.Router {
  const { registry, features, lineage, endpoints, resolveCaller } = options;
  const router = createPortalRouter();
  // What the caller may read: everything for the catalog module's plugin token (an
  // unmapped service principal reads across teams), a user's readable assets otherwise.
  router.get('/catalog/assets', async (req, res) => {
    const caller = await resolveCaller(req);
    const assets = await buildCatalogAssets({
      models: await registry.listModelsWithVersionIds(caller),
      featureViews: await features.listViews(caller, {}),
      datasets: await lineage.searchDatasets(caller, { limit: MAX_DATASETS }),
      endpoints: await endpoints.list(caller, {}),
      profiles: await options.profiles.list(),
      readiness: await options.readinessScores?.(caller),
      upstreamOfVersions: ids =>
        lineage.upstreamOfEach('model_version', ids, UPSTREAM_DEPTH),
    });
    res.json({ assets });
  });
  return router;
}
