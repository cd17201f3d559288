import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import {
  ComputeTarget,
  mlComputeTargetsExtensionPoint,
} from '@ml-portal/plugin-ml-node';
import { migrateDatabase } from './database/migrateDatabase';
import { HealthService } from './health/HealthService';
import { RedisConnection } from './redis/RedisConnection';
import { createRouter } from './router';

/**
 * The ml backend plugin: serves `/api/ml`.
 *
 * @public
 */
export const mlPlugin = createBackendPlugin({
  pluginId: 'ml',
  register(env) {
    const computeTargets = new Map<string, ComputeTarget>();
    env.registerExtensionPoint(mlComputeTargetsExtensionPoint, {
      addComputeTarget(...targets) {
        for (const target of targets) {
          if (computeTargets.has(target.id)) {
            throw new Error(
              `Compute target '${target.id}' is registered twice`,
            );
          }
          computeTargets.set(target.id, target);
        }
      },
    });

    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        database: coreServices.database,
        httpRouter: coreServices.httpRouter,
        lifecycle: coreServices.lifecycle,
      },
      async init({ config, logger, database, httpRouter, lifecycle }) {
        const knex = await database.getClient();
        await migrateDatabase(database, knex);

        const redis = await RedisConnection.resolve({ config, logger });
        lifecycle.addShutdownHook(() => redis.close());

        const health = new HealthService({ knex, redis });
        httpRouter.use(await createRouter({ health, computeTargets }));
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
      },
    });
  },
});
