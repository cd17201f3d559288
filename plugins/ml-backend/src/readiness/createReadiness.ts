import { CallerResolver } from '../schema/portalRouter';
import { ReadinessService } from './ReadinessService';
import { createReadinessRouter } from './router';

/**
 * The production-readiness scorecard: its service over the ports the plugin fills in
 * from the other domains (see `./ports.ts`), its router, and the scores the catalog
 * publishes on model entities.
 *
 * @internal
 */
export function createReadiness(
  deps: ConstructorParameters<typeof ReadinessService>[0] & {
    resolveCaller: CallerResolver;
  },
) {
  const { resolveCaller, ...ports } = deps;
  const service = new ReadinessService(ports);
  return {
    service,
    router: createReadinessRouter({ readiness: service, resolveCaller }),
  };
}
