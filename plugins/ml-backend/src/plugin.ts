import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { LineageNodeKind, mlPermissions } from '@ml-portal/plugin-ml-common';
import {
  ComputeTarget,
  mlComputeTargetsExtensionPoint,
  mlCostSourcesExtensionPoint,
  CostSource,
} from '@ml-portal/plugin-ml-node';
import Router from 'express-promise-router';
import { migrateDatabase } from './database/migrateDatabase';
import { HealthService } from './health/HealthService';
import { LineageService } from './lineage/LineageService';
import { DatabasePromotionStore } from './registry/DatabasePromotionStore';
import { DatabaseRegistryStore } from './registry/DatabaseRegistryStore';
import { readRegistryPolicy } from './registry/gates';
import { describeVersions } from './registry/lineageNodes';
import { PromotionService } from './registry/PromotionService';
import { registryRunsFrom } from './registry/registryRuns';
import { RegistryService } from './registry/RegistryService';
import { createRegistryRouter } from './registry/router';
import { createLineageRouter } from './lineage/router';
import { createMlflowRouter } from './mlflow/router';
import { createCatalogRouter } from './catalog/router';
import { DatabaseFeatureStore } from './features/DatabaseFeatureStore';
import { FeaturesService } from './features/FeaturesService';
import { scheduleFeatureImports } from './features/imports';
import { readOwnerMapping } from './features/owners';
import { createFeaturesRouter } from './features/router';
import { RedisConnection } from './redis/RedisConnection';
import { createRouter } from './router';
import { createArtifactStore } from './tracking/artifacts/createArtifactStore';
import { AccessControl } from './shared/AccessControl';
import { createCallerResolver, readPrincipalGroups } from './shared/caller';
import { mlResources, OwnedResource } from './shared/ownerRules';
import { DatabaseTrackingStore } from './tracking/DatabaseTrackingStore';
import { createTrackingRouter } from './tracking/router';
import { readPools } from './shared/pools';
import { describeRuns } from './tracking/lineageNodes';
import { CostService } from './cost/CostService';
import { DatabaseCostStore } from './cost/DatabaseCostStore';
import { PriceBook } from './cost/priceBook';
import { createCostRouter } from './cost/router';
import { FileCostSource } from './cost/imports';
import { createTraining } from './training/createTraining';
import { TrackingService } from './tracking/TrackingService';

/** Owner of what anonymous or service callers create, unless configured. */
const FALLBACK_OWNER = 'group:default/ml-platform';

/**
 * The ml backend plugin: serves `/api/ml` (portal API) and `/api/ml/mlflow` (MLflow).
 *
 * @public
 */
export const mlPlugin = createBackendPlugin({
  pluginId: 'ml',
  register(env) {
    const computeTargets = new Map<string, ComputeTarget>();
    const costSources: CostSource[] = [];
    env.registerExtensionPoint(mlCostSourcesExtensionPoint, {
      addCostSource(...sources) {
        costSources.push(...sources);
      },
    });
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
        httpAuth: coreServices.httpAuth,
        userInfo: coreServices.userInfo,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        lifecycle: coreServices.lifecycle,
        discovery: coreServices.discovery,
        scheduler: coreServices.scheduler,
      },
      async init(deps) {
        const { config, logger, database, httpRouter, lifecycle } = deps;
        // Before anything else: an open portal starts only when config says so.
        const access = AccessControl.fromConfig(
          config,
          deps.permissions,
          logger,
        );
        const knex = await database.getClient();
        await migrateDatabase(database, knex);

        const redis = await RedisConnection.resolve({ config, logger });

        const defaultOwner =
          config.getOptionalString('ml.tracking.defaultOwner') ??
          FALLBACK_OWNER;
        const allowUnauthenticated =
          config.getOptionalBoolean('ml.mlflow.allowUnauthenticated') ?? false;

        const artifacts = await createArtifactStore(config);
        const lineage = LineageService.create({ knex, access });
        const trackingStore = DatabaseTrackingStore.create({ knex });
        const tracking = new TrackingService({
          store: trackingStore,
          artifacts,
          access,
          artifactRoot: experimentId => `mlflow-artifacts:/${experimentId}`,
          defaultOwner,
          lineage,
        });
        await tracking.ensureDefaultExperiment();

        lineage.addDescriber('run', describeRuns(trackingStore));
        const registryStore = DatabaseRegistryStore.create({ knex, lineage });
        const registryRuns = registryRunsFrom({
          tracking,
          store: trackingStore,
        });
        const promotions = new PromotionService({
          store: DatabasePromotionStore.create({ knex }),
          models: registryStore,
          runs: registryRuns,
          access,
          policy: readRegistryPolicy(config),
        });
        const registry = new RegistryService({
          store: registryStore,
          promotions,
          runs: registryRuns,
          access,
        });
        lineage.addDescriber('model_version', describeVersions(registryStore));
        const featureStore = DatabaseFeatureStore.create({ knex });
        const features = new FeaturesService({
          store: featureStore,
          owners: readOwnerMapping(config),
          lineage,
          access,
        });

        lineage.addDescriber('feature_view', features.describeViews);
        await scheduleFeatureImports({
          features,
          config,
          scheduler: deps.scheduler,
          logger,
          owner: defaultOwner,
        });

        const resolveCaller = createCallerResolver({
          httpAuth: deps.httpAuth,
          userInfo: deps.userInfo,
          defaultOwner,
          allowUnauthenticated,
          principals: readPrincipalGroups(config),
        });

        const pools = readPools(config);
        const cost = new CostService({
          store: DatabaseCostStore.create({ knex }),
          priceBook: PriceBook.fromConfig(config, pools),
          pools,
          budgets: CostService.readBudgets(config),
          logger,
          access,
        });
        // Real bills for reconciliation: configured files and modules' sources, on a schedule.
        const billSources = [
          ...FileCostSource.fromConfig(config),
          ...costSources,
        ];
        if (billSources.length > 0) {
          await deps.scheduler.scheduleTask({
            id: 'ml-cost-imports',
            frequency: {
              minutes:
                config.getOptionalNumber('ml.cost.importIntervalMinutes') ?? 60,
            },
            timeout: { minutes: 10 },
            initialDelay: { seconds: 15 },
            fn: async () => {
              for (const source of billSources) {
                try {
                  const result = await cost.storeBill(
                    source.id,
                    await source.read(),
                  );
                  logger.info(
                    `Imported ${result.rows} ${source.id} cost lines (${result.added} new, ${result.changed} changed)`,
                  );
                } catch (error) {
                  logger.warn(`Could not import ${source.id} costs: ${error}`);
                }
              }
            },
          });
        }
        const training = await createTraining({
          config,
          logger,
          discovery: deps.discovery,
          knex,
          redis,
          access,
          resolveCaller,
          targets: computeTargets,
          tracking,
          lineage,
          costs: cost,
        });
        for (const [kind, describe] of Object.entries(training.lineageNodes)) {
          lineage.addDescriber(kind as LineageNodeKind, describe);
        }
        // Every ML resource type, each with its owner rule, resolvable by ref for
        // policies' conditional decisions.
        deps.permissionsRegistry.addPermissions(mlPermissions);
        const byRef =
          <T extends OwnedResource>(
            get: (ref: string) => Promise<T | undefined>,
          ) =>
          (refs: string[]) =>
            Promise.all(refs.map(get));
        const lookups = {
          'ml-experiment': byRef(ref => trackingStore.getExperiment(ref)),
          'ml-model': byRef(name => registryStore.getModel(name)),
          'ml-job': byRef(id => training.resources['ml-job'](id)),
          'ml-dataset': byRef(id => lineage.findDataset(id)),
          'ml-feature-view': byRef(id => featureStore.getView(id)),
          'ml-team': byRef(async team => ({ owner: team })),
        } satisfies Record<keyof typeof mlResources, unknown>;
        for (const [type, getResources] of Object.entries(lookups)) {
          const resource = mlResources[type as keyof typeof mlResources];
          deps.permissionsRegistry.addResourceType({
            resourceRef: resource.resourceRef,
            rules: [resource.isOwner],
            getResources,
          });
        }
        // Workers first, then their connections and the embedded Redis.
        lifecycle.addShutdownHook(async () => {
          await training.close();
          await redis.close();
        });

        const router = Router();
        router.use(
          '/mlflow',
          createMlflowRouter({
            tracking,
            registry,
            resolveCaller,
            artifacts,
            logError: error => logger.error('MLflow API error', error as Error),
          }),
        );
        router.use(
          await createRouter({
            health: new HealthService({ knex, redis }),
            computeTargets,
            domainRouters: [
              createTrackingRouter({ tracking, resolveCaller }),
              training.router,
              createCostRouter({ cost, resolveCaller }),
              createLineageRouter({ lineage, resolveCaller }),
              createRegistryRouter({ registry, promotions, resolveCaller }),
              createFeaturesRouter({ features, resolveCaller }),
              createCatalogRouter({
                registry,
                features,
                lineage,
                resolveCaller,
              }),
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
