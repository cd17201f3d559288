import { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError } from '@backstage/errors';
import {
  EndpointSpec,
  EndpointStatus as TargetStatus,
  ServingTarget,
} from '@ml-portal/plugin-ml-node';
import { ConfiguredPool } from '../shared/pools';
import { decideCanary } from './canaryVerdict';
import { DeploymentsConfig } from './config';
import { DeploymentService, REPLACEMENT_PERCENT } from './DeploymentService';
import {
  DeploymentStore,
  StoredCanary,
  StoredDeployment,
  StoredEndpoint,
} from './DeploymentStore';
import { modelCachePath } from './modelFiles';
import { DeployableModels, DeploymentAlerts, ModelFiles } from './ports';
import { DatabaseServingUsage } from './servingUsage';
import { ServingTargets } from './targets';

/** The actor of what the platform decides by itself. */
export const ANALYSIS_ACTOR = 'ml-platform/canary-analysis';
/** The actor of what a serving target reports (a deployment ready, failed). */
const RECONCILER_ACTOR = 'ml-platform/reconciler';

/**
 * Makes serving targets match the rows, and decides running canaries.
 *
 * `request(endpointId)` applies an endpoint's live deployments to its target (one
 * apply per endpoint at a time in this process; a request during one runs again after
 * it), then records what the target reports: deployments ready or failed with their
 * server's last log lines, the endpoint's status. A canary whose server fails is rolled
 * back. `tick()` (on BullMQ, every `tickMs`) analyses every running canary from the
 * router's counts, moves endpoints that follow an alias, and reconciles every endpoint:
 * after a restart, the state in the database is all it needs.
 *
 * @internal
 */
export class DeploymentReconciler {
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly queued = new Map<string, Promise<void>>();

  constructor(
    private readonly options: {
      store: DeploymentStore;
      targets: ServingTargets;
      models: DeployableModels;
      modelFiles: ModelFiles;
      config: DeploymentsConfig;
      pools: ConfiguredPool[];
      /** Set once the service exists: the analysis ends canaries through it. */
      service: () => DeploymentService;
      alerts: DeploymentAlerts;
      logger: LoggerService;
      /** The URL clients score at, for targets the portal routes. */
      servingUrl: (endpointName: string) => string;
      /** Writes the router's pending counts (before an analysis reads them). */
      flushCounts: () => Promise<void>;
      /** Routing tables to drop after a change. */
      onRoutesChanged: (endpointName: string) => void;
      /** Keeps the replica counts the target reports (serving cost is metered from them). */
      replicas?: Pick<DatabaseServingUsage, 'observe'>;
    },
  ) {}

  /** Reconciles the endpoint soon; failures are logged (the tick retries). */
  request(endpointId: string): void {
    void this.reconcile(endpointId).catch(error =>
      this.options.logger.warn(
        `Reconciling endpoint ${endpointId} failed: ${error.message}`,
      ),
    );
  }

  /**
   * Resolves once the endpoint was reconciled after this call: requests during a run
   * share one run after it.
   */
  reconcile(endpointId: string): Promise<void> {
    const queued = this.queued.get(endpointId);
    if (queued) return queued;
    const running = this.inFlight.get(endpointId);
    if (running) {
      const next = running
        .catch(() => undefined)
        .then(() => {
          this.queued.delete(endpointId);
          return this.reconcile(endpointId);
        });
      this.queued.set(endpointId, next);
      return next;
    }
    const run = this.reconcileOnce(endpointId).finally(() => {
      this.inFlight.delete(endpointId);
    });
    this.inFlight.set(endpointId, run);
    return run;
  }

  async tick(): Promise<void> {
    await this.analyse();
    const endpoints = await this.options.store.listEndpoints({});
    for (const endpoint of endpoints) {
      try {
        await this.followAlias(endpoint);
        await this.reconcile(endpoint.id);
      } catch (error) {
        this.options.logger.warn(
          `Reconciling endpoint ${endpoint.name} failed: ${
            (error as Error).message
          }`,
        );
      }
    }
  }

  /** Decides every running canary on the counts of its window. */
  async analyse(now = Date.now()): Promise<void> {
    const { store } = this.options;
    await this.options.flushCounts();
    for (const canary of await store.runningCanaries()) {
      try {
        await this.analyseOne(canary, now);
      } catch (error) {
        // Another replica decided it first; anything else waits for the next tick.
        if (!(error instanceof ConflictError)) {
          this.options.logger.warn(
            `Canary analysis of ${canary.id} failed: ${
              (error as Error).message
            }`,
          );
        }
      }
    }
  }

  private async analyseOne(canary: StoredCanary, now: number) {
    const { store } = this.options;
    if (canary.percent === REPLACEMENT_PERCENT) {
      // A replacement is done when its server is ready (a failed one is rolled back).
      const [deployment] = await store.getDeployments([canary.deploymentId]);
      if (deployment?.state !== 'ready') return;
      await this.options.service().endCanary(canary, 'PROMOTED', {
        by: ANALYSIS_ACTOR,
        kind: 'deployment.replaced',
        detail: `version ${canary.version} is ready and replaced version ${canary.stableVersion}`,
      });
      return;
    }
    const minutes = await store.servingMinutes(
      [canary.endpointId],
      Math.floor(canary.startedAt / 60_000),
    );
    const of = (deploymentId: string) =>
      minutes.filter(m => m.deploymentId === deploymentId);
    const verdict = decideCanary(
      canary,
      {
        canary: of(canary.deploymentId),
        stable: of(canary.stableDeploymentId),
      },
      now,
    );
    if (verdict.decision === 'wait') {
      await store.setCanaryVerdict(canary.id, verdict);
      return;
    }
    const passed = verdict.decision === 'pass';
    await this.options
      .service()
      .endCanary(canary, passed ? 'PROMOTED' : 'ROLLED_BACK', {
        by: ANALYSIS_ACTOR,
        verdict,
        detail: passed
          ? `canary of version ${canary.version} passed: ${verdict.reason}`
          : `canary of version ${canary.version} failed and was rolled back to version ${canary.stableVersion}: ${verdict.reason}`,
      });
    if (!passed) await this.alertRollback(canary, verdict.reason);
  }

  private async alertRollback(canary: StoredCanary, reason: string) {
    const endpoint = await this.options.store.getEndpointById(
      canary.endpointId,
    );
    if (!endpoint) return;
    await this.options.alerts
      .notify({
        owner: endpoint.owner,
        endpoint: endpoint.name,
        title: `Canary of ${endpoint.modelName} v${canary.version} rolled back on ${endpoint.name}`,
        description: `${reason}. Traffic is back on version ${
          canary.stableVersion
        }${canary.alias ? `; '${canary.alias}' did not move` : ''}.`,
        severity: 'high',
      })
      .catch(error =>
        this.options.logger.warn(
          `Could not notify ${endpoint.owner}: ${(error as Error).message}`,
        ),
      );
  }

  /**
   * An endpoint following an unprotected alias serves where it points: when the alias
   * moved and no canary runs, the new version replaces the stable one. (A protected
   * alias moves only after its canary passed, so it never differs here for long.)
   */
  private async followAlias(endpoint: StoredEndpoint) {
    if (!endpoint.followsAlias) return;
    const { store, models } = this.options;
    const target = await models.resolveAsPlatform(endpoint.modelName, {
      alias: endpoint.followsAlias,
    });
    if (!target) return;
    const live = await store.liveDeployments([endpoint.id]);
    if (live.some(d => d.version === target.version || d.role === 'canary'))
      return;
    await this.options.service().replace(ANALYSIS_ACTOR, endpoint, target, {
      kind: 'alias.followed',
      detail: `'${endpoint.followsAlias}' moved to version ${
        target.version
      }; it replaces version ${
        live.find(d => d.role === 'stable')?.version ?? '-'
      }`,
    });
  }

  private async reconcileOnce(endpointId: string): Promise<void> {
    const { store, targets } = this.options;
    const endpoint = await store.getEndpointById(endpointId);
    if (!endpoint || endpoint.kind === 'batch') return;
    this.options.onRoutesChanged(endpoint.name);
    const target = targets.get(endpoint.target);
    if (!target) {
      await this.setStatus(endpoint, {
        status: 'FAILED',
        statusReason: `Serving target '${endpoint.target}' is not enabled`,
      });
      return;
    }
    // What the target did since the last look comes first: a server that failed is
    // recorded failed before an apply could start it again.
    const before = await target.status(endpoint.name);
    await this.record(
      endpoint,
      await store.liveDeployments([endpoint.id]),
      before,
    );
    const live = await store.liveDeployments([endpoint.id]);
    // A failed deployment stays failed (and its server stopped) until a new deploy:
    // applying it again would restart a server that cannot start on every tick.
    const serving = live.filter(d => d.state !== 'failed');
    try {
      await target.apply(await this.spec(endpoint, serving, target));
    } catch (error) {
      await this.setStatus(endpoint, {
        status: 'FAILED',
        statusReason: `The target refused the endpoint: ${
          (error as Error).message
        }`,
      });
      return;
    }
    const current = (await store.getEndpointById(endpoint.id)) ?? endpoint;
    await this.record(current, live, await target.status(endpoint.name));
    this.options.onRoutesChanged(endpoint.name);
  }

  private async spec(
    endpoint: StoredEndpoint,
    live: StoredDeployment[],
    target: ServingTarget,
  ): Promise<EndpointSpec> {
    const { models, modelFiles, config, pools } = this.options;
    const pool = pools.find(p => p.name === endpoint.pool);
    return {
      name: endpoint.name,
      kind: endpoint.kind === 'serverless' ? 'serverless' : 'real-time',
      owner: endpoint.owner,
      region: endpoint.region,
      instanceType: endpoint.instanceType,
      gpus: endpoint.gpus,
      ...(pool && {
        pool: { name: pool.name, labels: pool.labels, taints: pool.taints },
      }),
      scaling: {
        minReplicas: endpoint.minReplicas,
        maxReplicas: endpoint.maxReplicas,
        targetConcurrency: endpoint.targetConcurrency,
        scaleToZeroAfterSeconds: endpoint.scaleToZeroAfterSeconds,
      },
      deployments: await Promise.all(
        live.map(async d => {
          const version = await models.resolveAsPlatform(endpoint.modelName, {
            version: String(d.version),
          });
          if (!version) {
            throw new Error(
              `Version ${d.version} of model '${endpoint.modelName}' no longer exists`,
            );
          }
          const localPath = target.needsLocalFiles
            ? await modelFiles.materialize(
                version.artifactUri,
                modelCachePath(config.modelCacheDirectory, version),
              )
            : undefined;
          return {
            name: d.name,
            weight: d.weight,
            model: {
              name: endpoint.modelName,
              version: String(d.version),
              artifactUri: version.artifactUri,
              ...(localPath && { localPath }),
            },
          };
        }),
      ),
    };
  }

  private async record(
    endpoint: StoredEndpoint,
    live: StoredDeployment[],
    status: TargetStatus,
  ) {
    const { store } = this.options;
    for (const deployment of live) {
      if (deployment.state === 'failed') continue;
      const reported = status.deployments.find(d => d.name === deployment.name);
      const state = reported?.state ?? 'starting';
      if (state === deployment.state && reported?.reason === deployment.reason)
        continue;
      const ready = state === 'ready' && !deployment.readyAt;
      await store.updateDeployment(
        deployment.id,
        {
          state,
          reason: reported?.reason,
          logTail: state === 'failed' ? reported?.logTail : undefined,
          ...(ready && { readyAt: Date.now() }),
        },
        state === deployment.state || state === 'scaled-to-zero'
          ? undefined
          : {
              actor: RECONCILER_ACTOR,
              kind: `deployment.${state}`,
              version: deployment.version,
              detail:
                state === 'failed'
                  ? `version ${deployment.version} failed: ${
                      reported?.reason ?? 'no reason given'
                    }`
                  : `version ${deployment.version} is ${state}`,
            },
      );
      if (state === 'failed' && deployment.role === 'canary') {
        await this.rollBackFailedCanary(endpoint, deployment, reported?.reason);
      }
    }
    await this.options.replicas
      ?.observe(endpoint, live, status)
      .catch(error =>
        this.options.logger.warn(
          `Could not record the replicas of ${endpoint.name}: ${error.message}`,
        ),
      );
    const stable = live.find(d => d.role === 'stable');
    const stableState =
      stable?.state === 'failed'
        ? 'failed'
        : status.deployments.find(d => d.name === stable?.name)?.state;
    await this.setStatus(endpoint, {
      status: endpointStatus(endpoint, status, stableState),
      statusReason: status.reason,
      url:
        status.url ??
        (this.options.targets.get(endpoint.target)?.route
          ? this.options.servingUrl(endpoint.name)
          : undefined),
    });
  }

  private async rollBackFailedCanary(
    endpoint: StoredEndpoint,
    deployment: StoredDeployment,
    reason?: string,
  ) {
    const canary = (
      await this.options.store.runningCanaries([endpoint.id])
    ).find(c => c.deploymentId === deployment.id);
    if (!canary) return;
    const why = `its model server failed to start: ${
      reason ?? 'no reason given'
    }`;
    try {
      await this.options.service().endCanary(canary, 'ROLLED_BACK', {
        by: ANALYSIS_ACTOR,
        detail: `canary of version ${canary.version} rolled back: ${why}`,
      });
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      return;
    }
    await this.alertRollback(
      canary,
      `The canary of ${endpoint.name} failed: ${why}`,
    );
  }

  private async setStatus(
    endpoint: StoredEndpoint,
    next: Pick<StoredEndpoint, 'status' | 'statusReason' | 'url'>,
  ) {
    if (
      next.status === endpoint.status &&
      next.statusReason === endpoint.statusReason &&
      (next.url === undefined || next.url === endpoint.url)
    )
      return;
    await this.options.store.updateEndpointStatus(endpoint.id, next);
  }
}

/**
 * The endpoint's status from its stable deployment's state and the target's report:
 * failed when either failed, ready (or updating while the target still changes it)
 * once the stable version serves, else still creating or updating.
 */
function endpointStatus(
  endpoint: StoredEndpoint,
  status: TargetStatus,
  stableState: string | undefined,
): StoredEndpoint['status'] {
  if (status.state === 'failed' || stableState === 'failed') return 'FAILED';
  if (stableState === 'ready' || stableState === 'scaled-to-zero') {
    return status.state === 'updating' ? 'UPDATING' : 'READY';
  }
  return endpoint.status === 'CREATING' ? 'CREATING' : 'UPDATING';
}
