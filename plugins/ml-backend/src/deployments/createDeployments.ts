import { DiscoveryService } from '@backstage/backend-plugin-api';
import { ML_ENDPOINT_RESOURCE_TYPE } from '@ml-portal/plugin-ml-common';
import {
  MetricScrapes,
  readScrapeIntervalSeconds,
} from '../monitoring/sources';
import { RedisConnection } from '../redis/RedisConnection';
import { RepeatingJob } from '../redis/RepeatingJob';
import { AliasCanaries, AliasCanaryInput } from '../shared/aliasCanaries';
import { DomainDeps } from '../shared/domainDeps';
import { DatabaseServingUsage } from './servingUsage';
import { LineageRecorder } from '../shared/lineage';
import { readPools } from '../shared/pools';
import { readDeploymentsConfig } from './config';
import { DatabaseDeploymentStore } from './DatabaseDeploymentStore';
import { DeploymentReconciler } from './DeploymentReconciler';
import { DeploymentStore } from './DeploymentStore';
import { DeploymentService } from './DeploymentService';
import { describeDeployments } from './lineageNodes';
import { ArtifactReader, artifactModelFiles } from './modelFiles';
import {
  BatchDatasets,
  BatchJobs,
  DeployableModels,
  DeploymentAlerts,
  TrafficSampler,
} from './ports';
import { createDeploymentsRouter } from './router';
import { ServingMeter } from './ServingMeter';
import { startServingListener } from './servingListener';
import { ServingRouter } from './servingRouter';
import { ServingTargets } from './targets';

/** Timeline events too routine for the model's audit trail. */
const QUIET_EVENTS = new Set([
  'deployment.ready',
  'deployment.starting',
  'deployment.cold_start',
]);

/**
 * The deployments domain: endpoints and their deployments on the serving targets, the
 * serving router and its meter, the canary analysis and reconciler on a repeating
 * BullMQ job (unless `ml.deployments.workers` is false), its routers and what it offers
 * the plugin: its lineage nodes, its permission resource and the canary entry point of
 * the promotion flow.
 *
 * @internal
 */
export async function createDeployments(
  deps: DomainDeps & {
    discovery: DiscoveryService;
    redis: RedisConnection;
    targets: ServingTargets;
    models: DeployableModels;
    artifacts: ArtifactReader;
    lineage: LineageRecorder;
    /** Training's submission and the dataset catalog, for batch scoring. */
    batch?: { jobs: BatchJobs; datasets: BatchDatasets };
    alerts: DeploymentAlerts;
    /** Where the replica counts targets report are kept (serving cost reads them). */
    replicas?: Pick<DatabaseServingUsage, 'observe'>;
    /** Drift monitoring's sampler of live traffic. */
    sampler?: TrafficSampler;
  },
) {
  const { config, logger, targets } = deps;
  const settings = readDeploymentsConfig(config);
  const pools = readPools(config);
  const store = DatabaseDeploymentStore.create({
    knex: deps.knex,
    lineage: deps.lineage,
    // Every deployment step joins the model's audit trail too.
    onEvents: async events => {
      for (const { endpoint, modelName, event } of events) {
        if (QUIET_EVENTS.has(event.kind)) continue;
        await deps.models
          .audit(modelName, {
            actor: event.actor,
            action: event.kind,
            detail: `${endpoint}: ${event.detail}`,
            version:
              event.version === undefined ? undefined : String(event.version),
          })
          .catch(error =>
            logger.warn(
              `Could not audit ${event.kind} of ${endpoint}: ${error.message}`,
            ),
          );
      }
    },
  });
  const modelFiles = artifactModelFiles(deps.artifacts);
  const meter = new ServingMeter({
    write: minutes => store.addServingMinutes(minutes),
    flushMs: settings.meterFlushMs,
    onError: error =>
      logger.warn(`Could not write serving counts: ${error.message}`),
  });
  const baseUrl = await deps.discovery.getExternalBaseUrl('ml');
  // The reconciler and the service call each other; each is set once both exist.
  const late: {
    service?: DeploymentService;
    serving?: ServingRouter;
    /** The serving listener's URL, when one is configured. */
    servingBaseUrl?: string;
  } = {};
  const reconciler = new DeploymentReconciler({
    store,
    targets,
    models: deps.models,
    modelFiles,
    config: settings,
    pools,
    service: () => late.service!,
    alerts: deps.alerts,
    logger,
    servingUrl: name =>
      `${late.servingBaseUrl ?? baseUrl}/serving/${encodeURIComponent(
        name,
      )}/invocations`,
    flushCounts: () => meter.flush(),
    onRoutesChanged: name => late.serving?.invalidate(name),
    replicas: deps.replicas,
  });
  const service = new DeploymentService({
    store,
    models: deps.models,
    targets,
    access: deps.access,
    config: settings,
    pools,
    ...(deps.batch && {
      batch: { ...deps.batch, modelFiles, lineage: deps.lineage },
    }),
    onChange: endpointId => reconciler.request(endpointId),
  });
  late.service = service;
  const serving = new ServingRouter({
    store,
    targets,
    meter,
    access: deps.access,
    resolveCaller: deps.resolveCaller,
    sampler: deps.sampler,
    onColdStart: (deploymentId, coldStartMs) => {
      store
        .getDeployments([deploymentId])
        .then(([d]) =>
          d
            ? store.updateDeployment(
                deploymentId,
                { lastColdStartMs: Math.round(coldStartMs) },
                {
                  actor: 'ml-platform/serving-router',
                  kind: 'deployment.cold_start',
                  version: d.version,
                  detail: `version ${
                    d.version
                  } scaled up from zero in ${Math.round(coldStartMs)} ms`,
                },
              )
            : undefined,
        )
        .catch(error =>
          logger.warn(`Could not record a cold start: ${error.message}`),
        );
    },
  });
  // Optionally, scoring on a listener of its own (see servingListener.ts).
  const listenerConfig = config.getOptionalConfig(
    'ml.deployments.servingListener',
  );
  const listener = listenerConfig
    ? await startServingListener({
        router: serving.router(),
        host: listenerConfig.getOptionalString('host') ?? '127.0.0.1',
        port: listenerConfig.getNumber('port'),
      })
    : undefined;
  const listenerUrl = listenerConfig?.getOptionalString('baseUrl');
  if (listener) {
    logger.info(
      `Scoring requests also served on ${
        listenerUrl ?? `port ${listener.port}`
      } (/serving/<endpoint>/invocations)`,
    );
  }
  const tick = new RepeatingJob({
    redis: deps.redis,
    logger,
    prefix: config.getOptionalString('ml.training.queuePrefix'),
    name: 'deployments-tick',
    everyMs: settings.tickMs,
    run: () => reconciler.tick(),
  });
  // Endpoints the router does not see: their targets' metrics, scraped into the minutes.
  const scrapes = new MetricScrapes({
    store,
    knex: deps.knex,
    targets,
    redis: deps.redis,
    logger,
    intervalSeconds: readScrapeIntervalSeconds(config),
    prefix: config.getOptionalString('ml.training.queuePrefix'),
  });
  late.serving = serving;
  late.servingBaseUrl = listenerUrl;
  meter.start();
  if (config.getOptionalBoolean('ml.deployments.workers') ?? true) {
    tick.start();
    scrapes.start();
  }
  return {
    service,
    store,
    reconciler,
    meter,
    router: createDeploymentsRouter({
      deployments: service,
      targets,
      resolveCaller: deps.resolveCaller,
    }),
    servingRouter: serving.router(),
    lineageNodes: { deployment: describeDeployments(store) },
    resources: {
      [ML_ENDPOINT_RESOURCE_TYPE]: (name: string) => store.getEndpoint(name),
    },
    /** Starts a canary for an approved promotion of an alias endpoints follow. */
    aliasCanaries: {
      follows: input => canaryEndpoint(store, input).then(Boolean),
      start: async input => {
        const endpoint = await canaryEndpoint(store, input);
        if (!endpoint) return false;
        await service.startCanary('platform', endpoint, input, {
          alias: input.alias,
          promotionRequestId: input.requestId,
        });
        return true;
      },
    } satisfies AliasCanaries,
    async close() {
      await scrapes.stop();
      await tick.close(false);
      await listener?.close();
      await meter.close();
      serving.close();
    },
  };
}

/**
 * The endpoint that runs the canary of an approved move of `alias` to `version`: the
 * first following the alias that serves another version and runs no canary. One canary
 * decides the alias; the other endpoints following it move once it moved.
 */
async function canaryEndpoint(store: DeploymentStore, input: AliasCanaryInput) {
  const endpoints = (
    await store.listEndpoints({ modelName: input.modelName })
  ).filter(e => e.followsAlias === input.alias && e.kind !== 'batch');
  const live = await store.liveDeployments(endpoints.map(e => e.id));
  return endpoints.find(e => {
    const own = live.filter(d => d.endpointId === e.id);
    const stable = own.find(d => d.role === 'stable');
    return (
      stable &&
      stable.version !== input.version &&
      !own.some(d => d.role === 'canary')
    );
  });
}
