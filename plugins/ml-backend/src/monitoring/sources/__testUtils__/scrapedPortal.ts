import { mockServices } from '@backstage/backend-test-utils';
import { ServingMetricsSource, ServingTarget } from '@ml-portal/plugin-ml-node';
import { Knex } from 'knex';
import { ML_MIGRATIONS_DIR } from '../../../database/migrateDatabase';
import { DatabaseDeploymentStore } from '../../../deployments/DatabaseDeploymentStore';

/**
 * A serving target of the kind the scraper reads: it serves nothing itself here and
 * answers `metricsSource` from `sources` (by deployment name), as a KServe or SageMaker
 * target would.
 */
export class ScrapedTarget implements ServingTarget {
  readonly sources = new Map<string, ServingMetricsSource>();
  constructor(readonly id: string) {}
  async apply() {}
  async status() {
    return { state: 'ready' as const, deployments: [] };
  }
  async remove() {}
  async metricsSource(_endpointName: string, deploymentName: string) {
    return this.sources.get(deploymentName);
  }
}

/** The deployments store on a migrated test database, and a helper to add endpoints. */
export async function scrapedStore(knex: Knex) {
  await knex.migrate.latest({
    directory: ML_MIGRATIONS_DIR,
    tableName: 'ml_knex_migrations',
  });
  const store = DatabaseDeploymentStore.create({ knex });
  const addEndpoint = async (name: string, target: string) => {
    const endpoint = await store.createEndpoint(
      {
        name,
        owner: 'group:default/churn-team',
        kind: 'real-time',
        target,
        modelName: 'churn',
        gpus: 0,
        minReplicas: 1,
        maxReplicas: 2,
        targetConcurrency: 4,
        canaryPolicy: {
          percent: 10,
          durationMinutes: 10,
          minRequests: 100,
          maxErrorRateIncrease: 0.02,
          maxP95Ratio: 1.5,
        },
        status: 'READY',
        createdBy: 'user:default/scientist',
      },
      { version: 1 },
      {
        actor: 'user:default/scientist',
        kind: 'endpoint.created',
        detail: name,
      },
    );
    const [deployment] = await store.liveDeployments([endpoint.id]);
    return { endpoint, deployment };
  };
  return { store, addEndpoint, logger: mockServices.logger.mock() };
}
