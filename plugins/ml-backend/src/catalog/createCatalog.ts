import { FeaturesService } from '../features/FeaturesService';
import { LineageService } from '../lineage/LineageService';
import { RegistryService } from '../registry/RegistryService';
import { CallerResolver } from '../schema/portalRouter';
import { createCatalogRouter } from './router';

/**
 * The asset list the catalog module publishes: an adapter over the registry, the
 * feature catalog and lineage, whose services the plugin hands in.
 *
 * @internal
 */
export function createCatalog(deps: {
  registry: RegistryService;
  features: FeaturesService;
  lineage: LineageService;
  resolveCaller: CallerResolver;
}) {
  return { router: createCatalogRouter(deps) };
}
