import {
  coreServices,
  createBackendPlugin,
  PermissionsRegistryService,
} from '@backstage/backend-plugin-api';
import { mlPermissions } from '@ml-portal/plugin-ml-common';
import {
  CostSource,
  mlComputeTargetsExtensionPoint,
  mlCostSourcesExtensionPoint,
} from '@ml-portal/plugin-ml-node';
import Router from 'express-promise-router';
import { createCatalog } from './catalog/createCatalog';
import { createCost } from './cost/createCost';
import { migrateDatabase } from './database/migrateDatabase';
import { createFeatures } from './features/createFeatures';
import { HealthService } from './health/HealthService';
import { createLineage } from './lineage/createLineage';
import { createMlflowRouter } from './mlflow/router';
import { RedisConnection } from './redis/RedisConnection';
import { createRegistry } from './registry/createRegistry';
import { createRouter } from './router';
import { AccessControl } from './shared/AccessControl';
import { createCallerResolver, readPrincipalGroups } from './shared/caller';
import { mlResources, OwnedResource } from './shared/ownerRules';
import { createTracking } from './tracking/createTracking';
import { createTraining } from './training/createTraining';
import { ComputeTargetRegistry } from './training/targets';

/** Owner of what anonymous or service callers create, unless configured. */
const FALLBACK_OWNER = 'group:default/ml-platform';

/**
 * The ml backend plugin: serves `/api/ml` (portal API) and `/api/ml/mlflow` (MLflow).
 * Each domain builds itself (`create<Domain>`); this only hands them to each other.
 *
 * @public
 */
export const mlPlugin = createBackendPlugin({
  pluginId: 'ml',
  register(env) {
    const computeTargets = new ComputeTargetRegistry();
    env.registerExtensionPoint(mlComputeTargetsExtensionPoint, computeTargets);
    const costSources: CostSource[] = [];
    env.registerExtensionPoint(mlCostSourcesExtensionPoint, {
      addCostSource: (...sources) => costSources.push(...sources),
    });

    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        database: coreServices.database,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        userInfo: coreServices.userInfo,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        lifecycle: coreServices.lifecycle,
        discovery: coreServices.discovery,
        scheduler: coreServices.scheduler,
      },
      async init(deps) {
        const { config, logger, database, httpRouter, permissions } = deps;
        // Before anything else: an open portal starts only when config says so.
        const access = AccessControl.fromConfig(config, permissions, logger);
        const knex = await database.getClient();
        await migrateDatabase(database, knex);
        const redis = await RedisConnection.resolve({ config, logger });
        const defaultOwner =
          config.getOptionalString('ml.tracking.defaultOwner') ??
          FALLBACK_OWNER;
        const allowUnauthenticated =
          config.getOptionalBoolean('ml.mlflow.allowUnauthenticated') ?? false;
        const resolveCaller = createCallerResolver({
          httpAuth: deps.httpAuth,
          userInfo: deps.userInfo,
          defaultOwner,
          allowUnauthenticated,
          principals: readPrincipalGroups(config),
        });
        const { scheduler, discovery } = deps;
        const lineage = createLineage({ knex, access, resolveCaller });
        // What every domain is built with; lineage records the facts each one sees.
        const shared = {
          config,
          logger,
          scheduler,
          knex,
          access,
          resolveCaller,
          defaultOwner,
          lineage: lineage.service,
        };
        const tracking = await createTracking(shared);
        const runs = { tracking: tracking.service, store: tracking.store };
        const registry = createRegistry({ ...shared, runs });
        const features = await createFeatures(shared);
        const cost = await createCost({ ...shared, costSources });
        const training = await createTraining({
          ...shared,
          discovery,
          redis,
          targets: computeTargets,
          tracking: tracking.service,
          costs: cost.service,
        });
        const catalog = createCatalog({
          registry: registry.service,
          features: features.service,
          lineage: lineage.service,
          resolveCaller,
        });
        for (const domain of [tracking, registry, features, training]) {
          lineage.describeNodes(domain.lineageNodes);
        }
        registerResources(deps.permissionsRegistry, {
          ...tracking.resources,
          ...registry.resources,
          ...training.resources,
          ...lineage.resources,
          ...features.resources,
          ...cost.resources,
        });
        // Workers first, then their connections and the embedded Redis.
        deps.lifecycle.addShutdownHook(async () => {
          await training.close();
          await redis.close();
        });

        const router = Router();
        router.use(
          '/mlflow',
          createMlflowRouter({
            tracking: tracking.service,
            registry: registry.service,
            resolveCaller,
            artifacts: tracking.artifacts,
            logError: error => logger.error('MLflow API error', error as Error),
          }),
        );
        router.use(
          await createRouter({
            health: new HealthService({ knex, redis }),
            computeTargets,
            domainRouters: [
              tracking.router,
              training.router,
              cost.router,
              lineage.router,
              registry.router,
              features.router,
              catalog.router,
            ],
          }),
        );
        httpRouter.use(router);
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
        if (allowUnauthenticated) {
          // MLflow clients without MLFLOW_TRACKING_TOKEN; local installs only.
          httpRouter.addAuthPolicy({
            path: '/mlflow',
            allow: 'unauthenticated',
          });
        }
      },
    });
  },
});

/**
 * Every ML resource type with its owner rule (`shared/ownerRules.ts`), resolvable by ref
 * for policies' conditional decisions through the lookup its domain declares.
 */
function registerResources(
  registry: PermissionsRegistryService,
  lookups: Record<
    keyof typeof mlResources,
    (ref: string) => Promise<OwnedResource | undefined>
  >,
) {
  registry.addPermissions(mlPermissions);
  for (const [type, lookup] of Object.entries(lookups)) {
    const resource = mlResources[type as keyof typeof mlResources];
    registry.addResourceType({
      resourceRef: resource.resourceRef,
      rules: [resource.isOwner],
      getResources: refs => Promise.all(refs.map(lookup)),
    });
  }
}
