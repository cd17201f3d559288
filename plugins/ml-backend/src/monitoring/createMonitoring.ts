import { ServingTarget } from '@ml-portal/plugin-ml-node';
import { RedisConnection } from '../redis/RedisConnection';
import { RepeatingJob } from '../redis/RepeatingJob';
import { DeploymentStore } from '../deployments/DeploymentStore';
import { DatabaseServingUsage } from '../deployments/servingUsage';
import { DeploymentService } from '../deployments/DeploymentService';
import { ArtifactReader } from '../deployments/modelFiles';
import { DeployableModels, DeploymentAlerts } from '../deployments/ports';
import { DomainDeps } from '../shared/domainDeps';
import { artifactBaselines } from './baselines';
import { readMonitoringConfig } from './config';
import { DatabaseMonitoringStore } from './DatabaseMonitoringStore';
import { MonitoringService, Retraining } from './MonitoringService';
import { RequestSampler } from './RequestSampler';
import { createMonitoringRouter } from './router';
import { CaptureReads, readScrapeIntervalSeconds } from './sources';

/**
 * The monitoring domain: endpoint metrics and their rollups, SLOs, drift against the
 * training baseline, alerts and retraining, on a repeating BullMQ job (unless
 * `ml.deployments.workers` is false); its sampler is what the serving router feeds.
 *
 * @internal
 */
export function createMonitoring(
  deps: DomainDeps & {
    redis: RedisConnection;
    deployments: { service: DeploymentService; store: DeploymentStore };
    /** Serving targets by id: those offering `captureSource` feed drift their captures. */
    targets: ReadonlyMap<string, ServingTarget>;
    models: DeployableModels;
    artifacts: ArtifactReader;
    alerts: DeploymentAlerts;
    retrain?: Retraining;
    /** Replica counts the reconciler recorded (serving cost's), for the charts. */
    replicas?: Pick<DatabaseServingUsage, 'replicaSpans'>;
  },
) {
  const { config, logger } = deps;
  const settings = readMonitoringConfig(config);
  const store = new DatabaseMonitoringStore(deps.knex);
  const sampler = new RequestSampler({
    capacity: settings.sampleCapacity,
    write: samples => store.addDriftSamples(samples),
  });
  const { service: deployments } = deps.deployments;
  const baselines = artifactBaselines({
    models: deps.models,
    artifacts: deps.artifacts,
  });
  const service = new MonitoringService({
    store,
    endpoints: {
      store: deps.deployments.store,
      readableEndpoint: (caller, name) =>
        deployments.readableEndpoint(caller, name),
      updatableEndpoint: (caller, name) =>
        deployments.updatableEndpoint(caller, name),
    },
    access: deps.access,
    baselines,
    sampler,
    alerts: deps.alerts,
    defaults: settings.defaults,
    logger,
    retrain: deps.retrain,
    replicas: deps.replicas,
  });
  const tick = new RepeatingJob({
    redis: deps.redis,
    logger,
    prefix: config.getOptionalString('ml.training.queuePrefix'),
    name: 'monitoring-tick',
    everyMs: settings.tickMs,
    run: () => service.tick(),
  });
  // Every replica samples its own traffic, whichever runs the tick.
  const refresh = setInterval(
    () =>
      service
        .refreshSampling()
        .then(() => sampler.flush())
        .catch(error =>
          logger.warn(`Could not refresh drift sampling: ${error.message}`),
        ),
    Math.min(settings.tickMs, 30_000),
  );
  refresh.unref();
  service
    .refreshSampling()
    .catch(error =>
      logger.warn(`Could not start drift sampling: ${error.message}`),
    );
  // Endpoints the router does not see: the requests their platform captured.
  const captures = new CaptureReads({
    endpoints: deps.deployments.store,
    targets: deps.targets,
    samples: store,
    settings: async endpointId =>
      (await store.getSettings(endpointId)) ?? settings.defaults,
    logger,
    capacity: settings.sampleCapacity,
    intervalMs: readScrapeIntervalSeconds(config) * 1000,
    knex: deps.knex,
    redis: deps.redis,
    prefix: config.getOptionalString('ml.training.queuePrefix'),
  });
  if (config.getOptionalBoolean('ml.deployments.workers') ?? true) {
    tick.start();
    captures.start();
  }
  return {
    service,
    sampler,
    /** What an endpoint is monitored with, as the platform sees it (the readiness scorecard). */
    readiness: {
      settings: async (endpointId: string) =>
        (await store.getSettings(endpointId)) ?? settings.defaults,
      baseline: async (modelName: string, version: number) => {
        const { profile, reason } = await baselines.profileOf(
          modelName,
          version,
        );
        return { found: Boolean(profile), reason };
      },
    },
    router: createMonitoringRouter({
      monitoring: service,
      resolveCaller: deps.resolveCaller,
    }),
    async close() {
      clearInterval(refresh);
      await tick.close(false);
      await captures.stop();
      await sampler.flush(Date.now(), true);
    },
  };
}
