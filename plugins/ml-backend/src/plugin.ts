import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import {
  CostSource,
  mlComputeTargetsExtensionPoint,
  mlCostSourcesExtensionPoint,
  mlServingTargetsExtensionPoint,
} from '@ml-portal/plugin-ml-node';
import { notificationService } from '@backstage/plugin-notifications-node';
import { createCatalog } from './catalog/createCatalog';
import { createDeployments } from './deployments/createDeployments';
import { TrafficSampler } from './deployments/ports';
import { createMonitoring } from './monitoring/createMonitoring';
import { platformRetraining } from './monitoring/retraining';
import { MonitoringService } from './monitoring/MonitoringService';
import { endpointAlerts } from './deployments/alerts';
import { DatabaseServingUsage } from './deployments/servingUsage';
import { ServingTargets } from './deployments/targets';
import { createCost } from './cost/createCost';
import { migrateDatabase } from './database/migrateDatabase';
import { useWriteAheadLog } from './database/sqliteJournal';
import { createFeatures } from './features/createFeatures';
import { HealthService } from './health/HealthService';
import { createLineage } from './lineage/createLineage';
import { createMlflowRouter } from './mlflow/router';
import { RedisConnection } from './redis/RedisConnection';
import { createRegistry } from './registry/createRegistry';
import { createRouter } from './router';
import { createReadiness } from './readiness/createReadiness';
import { gatesFor, readRegistryPolicy } from './registry/gates';
import { formatUsd } from './cost/money';
import { describeArtifactStore } from './tracking/artifacts/createArtifactStore';
import { AccessControl } from './shared/AccessControl';
import { AliasCanaries } from './shared/aliasCanaries';
import { createCallerResolver, readCallerSettings } from './shared/caller';
import { mlNotifier } from './shared/notify';
import { registerMlResources } from './shared/ownerRules';
import { createTracking } from './tracking/createTracking';
import { createTraining } from './training/createTraining';
import { ComputeTargetRegistry } from './training/targets';

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
    const servingTargets = new ServingTargets();
    env.registerExtensionPoint(mlServingTargetsExtensionPoint, servingTargets);
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
        auth: coreServices.auth,
        userInfo: coreServices.userInfo,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        lifecycle: coreServices.lifecycle,
        discovery: coreServices.discovery,
        scheduler: coreServices.scheduler,
        notifications: notificationService,
      },
      async init(deps) {
        const { config, logger, database, httpRouter, permissions } = deps;
        // Before anything else: an open portal starts only when config says so.
        const access = AccessControl.fromConfig(config, permissions, logger);
        const knex = await database.getClient();
        await migrateDatabase(database, knex);
        await useWriteAheadLog(knex);
        const redis = await RedisConnection.resolve({ config, logger });
        const callers = readCallerSettings(config);
        const { defaultOwner, allowUnauthenticated } = callers;
        const resolveCaller = createCallerResolver({
          httpAuth: deps.httpAuth,
          userInfo: deps.userInfo,
          ...callers,
        });
        const { scheduler, discovery } = deps;
        const lineage = createLineage({ knex, access, resolveCaller });
        const notifier = mlNotifier({
          notifications: deps.notifications,
          logger,
        });
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
        // Registry and deployments need each other: approvals start canaries, canaries
        // move aliases. The registry gets the canaries once deployments exist.
        const late: {
          canaries?: AliasCanaries;
          sampler?: TrafficSampler;
          monitoring?: MonitoringService;
        } = {};
        const registry = createRegistry({
          ...shared,
          runs,
          notifier,
          canaries: {
            follows: input => late.canaries!.follows(input),
            start: input => late.canaries!.start(input),
          },
          driftAlerts: (model, version) =>
            late.monitoring!.openDriftAlerts(model, version),
        });
        const features = await createFeatures(shared);
        // Endpoints' replicas: deployments record them, cost meters them.
        const servingUsage = DatabaseServingUsage.create({
          knex,
          routed: id => Boolean(servingTargets.get(id)?.route),
        });
        const cost = await createCost({
          ...shared,
          costSources,
          runMetrics: tracking.store,
          servingUsage,
          models: registry.service,
          loggedModels: tracking.service.loggedModels,
          notifier,
        });
        const training = await createTraining({
          ...shared,
          discovery,
          redis,
          targets: computeTargets,
          tracking: tracking.service,
          costs: cost.service,
        });
        const alerts = endpointAlerts({
          notifications: deps.notifications,
          logger,
        });
        const deployments = await createDeployments({
          ...shared,
          discovery,
          redis,
          targets: servingTargets,
          replicas: servingUsage,
          models: registry.deployable,
          artifacts: tracking.artifacts,
          batch: { jobs: training.submission, datasets: lineage.service },
          alerts,
          sampler: {
            wants: endpointId => late.sampler?.wants(endpointId) ?? false,
            offer: (...args) => late.sampler?.offer(...args),
          },
        });
        late.canaries = deployments.aliasCanaries;
        const monitoring = createMonitoring({
          ...shared,
          redis,
          deployments,
          targets: servingTargets,
          models: registry.deployable,
          artifacts: tracking.artifacts,
          alerts,
          replicas: servingUsage,
          // The platform trains again for the endpoint's owner group, under its rules.
          retrain: platformRetraining({
            sourceRunOf: async (modelName, version) =>
              (
                await registry.deployable.resolveAsPlatform(modelName, {
                  version: String(version),
                })
              )?.runId,
            retrain: (caller, input) => training.retrain(caller, input),
            lineage: lineage.service,
            credentials: () => deps.auth.getOwnServiceCredentials(),
          }),
        });
        late.sampler = monitoring.sampler;
        late.monitoring = monitoring.service;
        // The scorecard reads every domain through its own small ports.
        const registryPolicy = readRegistryPolicy(config);
        const readiness = createReadiness({
          resolveCaller,
          models: {
            get: (caller, name) => registry.service.getModel(caller, name),
            readable: caller =>
              registry.service.listModelsWithVersionIds(caller),
            version: (name, version) =>
              registry.deployable.resolveAsPlatform(name, {
                version: String(version),
              }),
            protectedAliases: registryPolicy.protectedAliases,
            gatesFor: (alias, tags) => gatesFor(registryPolicy, alias, tags),
          },
          runs: tracking.store,
          lineage: lineage.service,
          jobs: training,
          endpoints: deployments.store,
          monitoring: monitoring.readiness,
          budgets: {
            budgetOf: async team =>
              (await cost.service.budgets(undefined, team))[0],
            formatUsd,
          },
          artifactStore: describeArtifactStore(config),
        });
        const catalog = createCatalog({
          registry: registry.service,
          features: features.service,
          lineage: lineage.service,
          endpoints: deployments.service,
          profiles: training.profiles,
          // A scorecard that cannot be computed leaves the score off, not the catalog stale.
          readinessScores: caller =>
            readiness.service.scores(caller).catch(error => {
              logger.warn(`Could not score models' readiness: ${error}`);
              return new Map();
            }),
          resolveCaller,
        });
        for (const domain of [
          tracking,
          registry,
          features,
          training,
          deployments,
        ]) {
          lineage.describeNodes(domain.lineageNodes);
        }
        registerMlResources(deps.permissionsRegistry, {
          ...tracking.resources,
          ...registry.resources,
          ...training.resources,
          ...lineage.resources,
          ...features.resources,
          ...cost.resources,
          ...deployments.resources,
        });
        // Workers first, then their connections and the embedded Redis.
        deps.lifecycle.addShutdownHook(async () => {
          await training.close();
          await monitoring.close();
          await deployments.close();
          await redis.close();
        });

        httpRouter.use(
          await createRouter({
            mlflow: createMlflowRouter({
              tracking: tracking.service,
              registry: registry.service,
              promotions: registry.promotions,
              resolveCaller,
              artifacts: tracking.artifacts,
              logError: error =>
                logger.error('MLflow API error', error as Error),
            }),
            serving: deployments.servingRouter,
            health: new HealthService({ knex, redis }),
            computeTargets,
            domainRouters: [
              tracking.router,
              training.router,
              deployments.router,
              monitoring.router,
              cost.router,
              readiness.router,
              lineage.router,
              registry.router,
              features.router,
              catalog.router,
            ],
          }),
        );
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
        // Multipart upload parts: MLflow's client PUTs them as to a presigned URL, with
        // the upload's secret token (checked per part) and no Backstage credentials.
        for (const api of ['api', 'ajax-api']) {
          httpRouter.addAuthPolicy({
            path: `/mlflow/${api}/2.0/mlflow-artifacts/mpu/parts`,
            allow: 'unauthenticated',
          });
        }
        if (allowUnauthenticated) {
          // MLflow clients without MLFLOW_TRACKING_TOKEN; local installs only.
          httpRouter.addAuthPolicy({
            path: '/mlflow',
            allow: 'unauthenticated',
          });
          // Scoring clients without a token too; the same anonymous group reads endpoints.
          httpRouter.addAuthPolicy({
            path: '/serving',
            allow: 'unauthenticated',
          });
        }
      },
    });
  },
});
