import { LineageNodeDescriber } from '../shared/lineage';
import { DeploymentStore } from './DeploymentStore';

/**
 * Deployments drawn as `<endpoint> v<version>` with their role, linked to the
 * endpoint's page; a deleted endpoint's deployments are left out (drawn as unknown).
 *
 * @internal
 */
export function describeDeployments(
  store: Pick<DeploymentStore, 'getDeployments' | 'getEndpointById'>,
): LineageNodeDescriber {
  return async ids => {
    const deployments = await store.getDeployments(ids);
    const endpoints = new Map(
      await Promise.all(
        [...new Set(deployments.map(d => d.endpointId))].map(
          async id => [id, await store.getEndpointById(id)] as const,
        ),
      ),
    );
    const described = new Map();
    for (const d of deployments) {
      const endpoint = endpoints.get(d.endpointId);
      if (!endpoint) continue;
      described.set(d.id, {
        label: `${endpoint.name} v${d.version}`,
        subtitle: d.role === 'retired' ? 'retired' : `${d.role} ${d.weight}%`,
        owner: endpoint.owner,
        path: `deployments/${encodeURIComponent(endpoint.name)}`,
      });
    }
    return described;
  };
}
