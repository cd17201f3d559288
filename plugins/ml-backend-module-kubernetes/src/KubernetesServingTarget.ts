import {
  AppsV1Api,
  AutoscalingV2Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  V1Deployment,
  V1ObjectMeta,
} from '@kubernetes/client-node';
import { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError } from '@backstage/errors';
import {
  EndpointSpec,
  EndpointStatus,
  ServingMetricsSource,
  ServingTarget,
} from '@ml-portal/plugin-ml-node';
import { apiStatus, toKubernetesError } from './apiErrors';
import { loadKubeConfig } from './config';
import { toEndpointResourceName, toLabelValue } from './names';
import { LABEL_MANAGED_BY } from './placement';
import { KubernetesServingSettings } from './servingConfig';
import {
  ANNOTATION_SPEC_HASH,
  buildDeployment,
  buildHorizontalPodAutoscaler,
  buildInferenceService,
  buildService,
  InferenceService,
  isOwnedBy,
  kserveRollout,
  LABEL_ENDPOINT,
  replicaRange,
  validateEndpointSpec,
} from './servingManifests';
import { deploymentPodSelector, podMetricsUrls } from './servingMetrics';
import { deploymentModeStatus, inferenceServiceStatus } from './servingStatus';

/** Where InferenceServices live, for the custom objects API. */
const KSERVE = {
  group: 'serving.kserve.io',
  version: 'v1beta1',
  plural: 'inferenceservices',
};
/** KServe holds a stable and a canary deployment; deployment mode has no such limit. */
const MAX_KSERVE_DEPLOYMENTS = 2;
const MAX_DEPLOYMENTS = 10;

/**
 * Options of {@link KubernetesServingTarget}; see `ml.serving.targets.kubernetes` in the
 * package's `config.d.ts` for what the settings mean.
 *
 * @public
 */
export type KubernetesServingTargetOptions = {
  kubeConfig: KubeConfig;
  settings: KubernetesServingSettings;
  logger?: LoggerService;
};

/** The calls of one kind of resource that {@link KubernetesServingTarget.upsert} makes. */
type ResourceCalls<T> = {
  what: string;
  create: (body: T) => Promise<unknown>;
  replace: (body: T) => Promise<unknown>;
};

/**
 * The `kubernetes` serving target: makes endpoints serve in one namespace, in one of two
 * modes (config `mode`; `auto` asks the API discovery once whether KServe is installed).
 *
 * - `kserve`: one `serving.kserve.io/v1beta1` InferenceService per endpoint. Its predictor
 *   serves the model directory at the deployment's `artifactUri` as the flavor's
 *   `modelFormat`, with Knative concurrency autoscaling (`scaleMetric: concurrency`,
 *   `scaleTarget`, `minReplicas` 0 for serverless). A canary is KServe's canary rollout:
 *   the predictor names the canary's model with `canaryTrafficPercent`, and KServe keeps
 *   the rest on the revision it rolled out before (see `kserveRollout`). Canary rollouts
 *   need KServe's Serverless (Knative) deployment mode.
 * - `deployment`: per deployment a `Deployment` (the flavor's model server image, the
 *   model in `MODEL_URI`, readiness on `/ping`) and an `autoscaling/v2` HPA, and one
 *   `Service` per endpoint over all its pods. Without a service mesh the traffic split
 *   is only as close as the replica counts make it, and nothing scales to zero.
 *
 * `apply` is declarative and idempotent: each resource carries a hash of the manifest it
 * was written from, and one whose hash matches is left alone; others are replaced with
 * their `resourceVersion` (a concurrent writer gets a `ConflictError`). Resources of
 * another endpoint or not created by the portal are never overwritten.
 *
 * @public
 */
export class KubernetesServingTarget implements ServingTarget {
  readonly id = 'kubernetes';
  private readonly custom: CustomObjectsApi;
  private readonly apps: AppsV1Api;
  private readonly core: CoreV1Api;
  private readonly autoscaling: AutoscalingV2Api;
  private readonly settings: KubernetesServingSettings;
  private readonly logger?: LoggerService;
  private modeProbe?: Promise<'kserve' | 'deployment'>;

  constructor(options: KubernetesServingTargetOptions) {
    const { kubeConfig } = options;
    this.custom = kubeConfig.makeApiClient(CustomObjectsApi);
    this.apps = kubeConfig.makeApiClient(AppsV1Api);
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.autoscaling = kubeConfig.makeApiClient(AutoscalingV2Api);
    this.settings = options.settings;
    this.logger = options.logger;
  }

  /** Builds the target from settings read by `readKubernetesServingSettings`. */
  static create(options: {
    settings: KubernetesServingSettings;
    logger?: LoggerService;
  }): KubernetesServingTarget {
    const { settings, logger } = options;
    const { kubeConfig, source } = loadKubeConfig(settings);
    logger?.info(
      `kubernetes serving target uses cluster ${
        kubeConfig.getCurrentCluster()?.server
      } (context '${kubeConfig.getCurrentContext()}', ${source} kubeconfig), namespace ${
        settings.namespace
      }, mode ${settings.mode}`,
    );
    return new KubernetesServingTarget({ kubeConfig, settings, logger });
  }

  /** The mode in use: the configured one, or what the API discovery said (asked once). */
  async mode(): Promise<'kserve' | 'deployment'> {
    const { mode } = this.settings;
    if (mode !== 'auto') return mode;
    this.modeProbe ??= this.probeKServe().catch(error => {
      // A failed probe is not an answer: ask again next time.
      this.modeProbe = undefined;
      throw error;
    });
    return this.modeProbe;
  }

  async apply(spec: EndpointSpec): Promise<void> {
    if ((await this.mode()) === 'kserve') {
      validateEndpointSpec(spec, MAX_KSERVE_DEPLOYMENTS);
      await this.applyInferenceService(spec);
    } else {
      validateEndpointSpec(spec, MAX_DEPLOYMENTS);
      await this.applyDeployments(spec);
    }
  }

  async status(endpointName: string): Promise<EndpointStatus> {
    const notFound = (reason: string): EndpointStatus => ({
      state: 'not-found',
      reason,
      deployments: [],
    });
    const { namespace } = this.settings;
    const name = toEndpointResourceName(endpointName);
    if ((await this.mode()) === 'kserve') {
      const isvc = await this.readInferenceService(name);
      return isvc && isOwnedBy(isvc.metadata, endpointName)
        ? inferenceServiceStatus(isvc)
        : notFound(`no InferenceService ${namespace}/${name}`);
    }
    const service = await this.readOptional(`read Service ${name}`, () =>
      this.core.readNamespacedService({ name, namespace }),
    );
    const deployments = (await this.listDeployments(endpointName)).filter(d =>
      isOwnedBy(d.metadata, endpointName),
    );
    const owned = service && isOwnedBy(service.metadata, endpointName);
    if (!owned && deployments.length === 0) {
      return notFound(`no Service or Deployments of endpoint ${endpointName}`);
    }
    return deploymentModeStatus(
      owned ? service : undefined,
      deployments,
      `http://${name}.${namespace}.svc.cluster.local`,
    );
  }

  /**
   * The Prometheus metrics of the deployment's model server, one URL per running pod
   * (see `metricsUrl` in the settings); `undefined` when nothing serves it.
   */
  async metricsSource(
    endpointName: string,
    deploymentName: string,
  ): Promise<ServingMetricsSource | undefined> {
    const { namespace, metricsUrl, port } = this.settings;
    const kserve = (await this.mode()) === 'kserve';
    let selector: string | undefined;
    if (kserve) {
      const isvc = await this.readInferenceService(
        toEndpointResourceName(endpointName),
      );
      if (!isvc || !isOwnedBy(isvc.metadata, endpointName)) return undefined;
      selector = deploymentPodSelector(deploymentName, isvc);
    } else {
      selector = deploymentPodSelector(deploymentName);
    }
    if (!selector) return undefined;
    const pods = await this.core
      .listNamespacedPod({ namespace, labelSelector: selector })
      .catch(error => {
        throw toKubernetesError(error, `list pods ${selector}`);
      });
    return {
      kind: 'prometheus',
      urls: podMetricsUrls(pods.items, {
        template: metricsUrl,
        // KServe's model servers serve their metrics on their HTTP port.
        defaultPort: kserve ? 8080 : port,
        namespace,
      }),
    };
  }

  async remove(endpointName: string): Promise<void> {
    const { namespace } = this.settings;
    const name = toEndpointResourceName(endpointName);
    // What another endpoint or someone else created under the name stays.
    if ((await this.mode()) === 'kserve') {
      const isvc = await this.readInferenceService(name);
      if (isOwnedBy(isvc?.metadata, endpointName)) {
        await this.deleteOptional(`InferenceService ${name}`, () =>
          this.custom.deleteNamespacedCustomObject({
            ...KSERVE,
            namespace,
            name,
          }),
        );
        this.logger?.info(
          `kubernetes serving target deleted InferenceService ${namespace}/${name}`,
        );
      }
      return;
    }
    const service = await this.readOptional(`read Service ${name}`, () =>
      this.core.readNamespacedService({ name, namespace }),
    );
    if (isOwnedBy(service?.metadata, endpointName)) {
      await this.deleteOptional(`Service ${name}`, () =>
        this.core.deleteNamespacedService({ name, namespace }),
      );
    }
    await this.pruneDeployments(endpointName, new Set());
  }

  private async probeKServe(): Promise<'kserve' | 'deployment'> {
    let mode: 'kserve' | 'deployment';
    try {
      const { resources } = await this.custom.getAPIResources(KSERVE);
      mode = resources.some(r => r.name === KSERVE.plural)
        ? 'kserve'
        : 'deployment';
    } catch (error) {
      if (apiStatus(error).code !== 404) {
        throw toKubernetesError(
          error,
          `discover ${KSERVE.group}/${KSERVE.version}`,
        );
      }
      mode = 'deployment';
    }
    this.logger?.info(
      `kubernetes serving target: ${
        mode === 'kserve'
          ? 'KServe InferenceServices are served, using them'
          : 'no KServe InferenceService API, serving with Deployments and HPAs'
      }`,
    );
    return mode;
  }

  private async applyInferenceService(spec: EndpointSpec): Promise<void> {
    const { namespace } = this.settings;
    const name = toEndpointResourceName(spec.name);
    const existing = await this.readInferenceService(name);
    const desired = buildInferenceService(
      spec,
      kserveRollout(spec, existing),
      this.settings,
    );
    await this.upsert(spec.name, desired, existing, {
      what: `InferenceService ${namespace}/${name}`,
      create: body =>
        this.custom.createNamespacedCustomObject({
          ...KSERVE,
          namespace,
          body,
        }),
      replace: body =>
        this.custom.replaceNamespacedCustomObject({
          ...KSERVE,
          namespace,
          name,
          body,
        }),
    });
  }

  private async applyDeployments(spec: EndpointSpec): Promise<void> {
    const { namespace } = this.settings;
    const kept = new Set<string>();
    for (const deployment of spec.deployments) {
      const desired = buildDeployment(spec, deployment, this.settings);
      const name = desired.metadata!.name!;
      kept.add(name);
      const existing = await this.readOptional(`read Deployment ${name}`, () =>
        this.apps.readNamespacedDeployment({ name, namespace }),
      );
      // The HPA owns spec.replicas; a PUT without it would reset it to 1.
      const replicas =
        desired.spec!.replicas ??
        (existing?.spec?.replicas ||
          replicaRange(spec.scaling, deployment.weight).minReplicas);
      await this.upsert(
        spec.name,
        { ...desired, spec: { ...desired.spec!, replicas } },
        existing,
        {
          what: `Deployment ${namespace}/${name}`,
          create: body =>
            this.apps.createNamespacedDeployment({ namespace, body }),
          replace: body =>
            this.apps.replaceNamespacedDeployment({ name, namespace, body }),
        },
        desired,
      );

      if (deployment.weight === 0) {
        await this.deleteOptional(`HorizontalPodAutoscaler ${name}`, () =>
          this.autoscaling.deleteNamespacedHorizontalPodAutoscaler({
            name,
            namespace,
          }),
        );
        continue;
      }
      const hpa = buildHorizontalPodAutoscaler(spec, deployment, this.settings);
      await this.upsert(
        spec.name,
        hpa,
        await this.readOptional(`read HorizontalPodAutoscaler ${name}`, () =>
          this.autoscaling.readNamespacedHorizontalPodAutoscaler({
            name,
            namespace,
          }),
        ),
        {
          what: `HorizontalPodAutoscaler ${namespace}/${name}`,
          create: body =>
            this.autoscaling.createNamespacedHorizontalPodAutoscaler({
              namespace,
              body,
            }),
          replace: body =>
            this.autoscaling.replaceNamespacedHorizontalPodAutoscaler({
              name,
              namespace,
              body,
            }),
        },
      );
    }

    const service = buildService(spec, this.settings);
    const name = service.metadata!.name!;
    // The API server keeps the allocated clusterIP when a PUT leaves it out.
    await this.upsert(
      spec.name,
      service,
      await this.readOptional(`read Service ${name}`, () =>
        this.core.readNamespacedService({ name, namespace }),
      ),
      {
        what: `Service ${namespace}/${name}`,
        create: body => this.core.createNamespacedService({ namespace, body }),
        replace: body =>
          this.core.replaceNamespacedService({ name, namespace, body }),
      },
    );
    await this.pruneDeployments(spec.name, kept);
  }

  /** Deletes the endpoint's Deployments and HPAs whose names are not in `kept`. */
  private async pruneDeployments(endpointName: string, kept: Set<string>) {
    const { namespace } = this.settings;
    const labelSelector = `${LABEL_ENDPOINT}=${toLabelValue(endpointName)}`;
    let hpas: Array<{ metadata?: V1ObjectMeta }>;
    try {
      ({ items: hpas } =
        await this.autoscaling.listNamespacedHorizontalPodAutoscaler({
          namespace,
          labelSelector,
        }));
    } catch (error) {
      throw toKubernetesError(error, `list the HPAs of ${endpointName}`);
    }
    const stale = (items: Array<{ metadata?: V1ObjectMeta }>) =>
      items
        .filter(i => isOwnedBy(i.metadata, endpointName))
        .map(i => i.metadata!.name!)
        .filter(name => !kept.has(name));
    for (const name of stale(hpas)) {
      await this.deleteOptional(`HorizontalPodAutoscaler ${name}`, () =>
        this.autoscaling.deleteNamespacedHorizontalPodAutoscaler({
          name,
          namespace,
        }),
      );
    }
    for (const name of stale(await this.listDeployments(endpointName))) {
      await this.deleteOptional(`Deployment ${name}`, () =>
        this.apps.deleteNamespacedDeployment({ name, namespace }),
      );
      this.logger?.info(
        `kubernetes serving target deleted Deployment ${namespace}/${name} of endpoint ${endpointName}`,
      );
    }
  }

  private async listDeployments(endpointName: string): Promise<V1Deployment[]> {
    const { namespace } = this.settings;
    try {
      const { items } = await this.apps.listNamespacedDeployment({
        namespace,
        labelSelector: `${LABEL_ENDPOINT}=${toLabelValue(endpointName)}`,
      });
      return items;
    } catch (error) {
      throw toKubernetesError(error, `list the Deployments of ${endpointName}`);
    }
  }

  private readInferenceService(
    name: string,
  ): Promise<InferenceService | undefined> {
    const { namespace } = this.settings;
    return this.readOptional(`read InferenceService ${namespace}/${name}`, () =>
      this.custom.getNamespacedCustomObject({ ...KSERVE, namespace, name }),
    );
  }

  /**
   * Creates `desired` or replaces `existing` with it, unless `existing` was written from
   * the same manifest (its hash annotation, computed over `hashed`, matches).
   */
  private async upsert<T extends { metadata?: V1ObjectMeta }>(
    endpointName: string,
    desired: T,
    existing: T | undefined,
    calls: ResourceCalls<T>,
    hashed: { metadata?: V1ObjectMeta } = desired,
  ): Promise<void> {
    const { what } = calls;
    if (!existing) {
      try {
        await calls.create(desired);
      } catch (error) {
        throw toKubernetesError(error, `create ${what}`);
      }
      this.logger?.info(`kubernetes serving target created ${what}`);
      return;
    }
    if (!isOwnedBy(existing.metadata, endpointName)) {
      const owner = existing.metadata?.labels?.[LABEL_MANAGED_BY]
        ? `endpoint ${existing.metadata.annotations?.[LABEL_ENDPOINT]}`
        : 'something other than the ML portal';
      throw new ConflictError(
        `${what} exists and belongs to ${owner}, not to endpoint ${endpointName}`,
      );
    }
    const hash = (m: { metadata?: V1ObjectMeta }) =>
      m.metadata?.annotations?.[ANNOTATION_SPEC_HASH];
    if (hash(existing) === hash(hashed)) {
      return;
    }
    const body = {
      ...desired,
      metadata: {
        ...desired.metadata,
        resourceVersion: existing.metadata?.resourceVersion,
      },
    };
    try {
      await calls.replace(body);
    } catch (error) {
      throw toKubernetesError(error, `replace ${what}`);
    }
    this.logger?.info(`kubernetes serving target replaced ${what}`);
  }

  /** The resource, or `undefined` on 404. */
  private async readOptional<T>(
    action: string,
    read: () => Promise<T>,
  ): Promise<T | undefined> {
    try {
      return await read();
    } catch (error) {
      if (apiStatus(error).code === 404) return undefined;
      throw toKubernetesError(error, action);
    }
  }

  /** Deletes a resource; one that is gone already is fine. */
  private async deleteOptional(
    what: string,
    remove: () => Promise<unknown>,
  ): Promise<void> {
    try {
      await remove();
    } catch (error) {
      if (apiStatus(error).code !== 404) {
        throw toKubernetesError(
          error,
          `delete ${what} in ${this.settings.namespace}`,
        );
      }
    }
  }
}
