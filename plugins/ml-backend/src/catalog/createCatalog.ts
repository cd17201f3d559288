import { FeaturesService } from '../features/FeaturesService';
import { LineageService } from '../lineage/LineageService';
import { RegistryService } from '../registry/RegistryService';
import { CallerResolver } from '../schema/portalRouter';
import { Caller } from '../shared/caller';
import {
  CatalogEndpoints,
  CatalogProfiles,
  createCatalogRouter,
} from './router';

/**
 * The asset list the catalog module publishes: an adapter over the registry, the
 * feature catalog, lineage, the serving endpoints and the training profiles, whose services the plugin hands in.
 *
 * @internal
 */
export function createCatalog(deps: {
  registry: RegistryService;
  features: FeaturesService;
  lineage: LineageService;
  endpoints: CatalogEndpoints;
  /** Training profiles, published at their current versions. */
  profiles: CatalogProfiles;
  /** Models' readiness scores, published as the `ml.platform/readiness` annotation. */
  readinessScores?: (caller: Caller) => Promise<Map<string, string>>;
  resolveCaller: CallerResolver;
}) {
  return { router: createCatalogRouter(deps) };
}
