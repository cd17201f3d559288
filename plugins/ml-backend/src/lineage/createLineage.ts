import { ML_DATASET_RESOURCE_TYPE } from '@ml-portal/plugin-ml-common';
import { Knex } from 'knex';
import { AccessControl } from '../shared/AccessControl';
import { CallerResolver } from '../schema/portalRouter';
import { LineageNodeDescribers } from '../shared/lineage';
import { LineageService } from './LineageService';
import { createLineageRouter } from './router';

/**
 * Lineage: the service every domain records its facts through and the catalog reads,
 * its router, its permission resource (datasets), and `describeNodes`, through which
 * each domain says how its own nodes are drawn.
 *
 * @internal
 */
export function createLineage(deps: {
  knex: Knex;
  access: AccessControl;
  resolveCaller: CallerResolver;
}) {
  const service = LineageService.create(deps);
  return {
    service,
    router: createLineageRouter({
      lineage: service,
      resolveCaller: deps.resolveCaller,
    }),
    describeNodes(describers: LineageNodeDescribers) {
      for (const [kind, describer] of Object.entries(describers)) {
        if (describer)
          service.addDescriber(kind as keyof typeof describers, describer);
      }
    },
    resources: {
      [ML_DATASET_RESOURCE_TYPE]: (datasetId: string) =>
        service.findDataset(datasetId),
    },
  };
}
