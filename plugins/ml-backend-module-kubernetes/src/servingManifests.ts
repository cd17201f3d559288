import { createHash } from 'node:crypto';
import type {
  V1Deployment,
  V1ObjectMeta,
  V1PodSpec,
  V1ResourceRequirements,
  V1Service,
  V2HorizontalPodAutoscaler,
  V2MetricSpec,
} from '@kubernetes/client-node';
import { InputError } from '@backstage/errors';
import { EndpointSpec, ServingDeployment } from '@ml-portal/plugin-ml-node';
import {
  toDeploymentResourceName,
  toEndpointResourceName,
  toLabelValue,
} from './names';
import {
  GPU_RESOURCE,
  LABEL_MANAGED_BY,
  MANAGED_BY,
  toTolerations,
} from './placement';
import { KubernetesServingSettings, servingFlavor } from './servingConfig';

/**
 * Labels of the endpoint, deployment and owner, sanitised to label values; the
 * originals are annotations of the same keys.
 *
 * @internal
 */
export const LABEL_ENDPOINT = 'ml.platform/endpoint';
/** @internal */
export const LABEL_DEPLOYMENT = 'ml.platform/deployment';
/** @internal */
export const LABEL_OWNER = 'ml.platform/owner';
/**
 * The spec's deployments and weights, as JSON: what `status` reports on.
 *
 * @internal
 */
export const ANNOTATION_DEPLOYMENTS = 'ml.platform/deployments';
/**
 * KServe mode: the deployment KServe rolled out (or is rolling out) to 100%.
 *
 * @internal
 */
export const ANNOTATION_STABLE = 'ml.platform/stable-deployment';
/**
 * KServe mode: the deployment in `spec.predictor` with `canaryTrafficPercent`.
 *
 * @internal
 */
export const ANNOTATION_CANARY = 'ml.platform/canary-deployment';
/**
 * A hash of the manifest the target last wrote. Comparing it, not the stored spec, tells
 * whether anything changed: admission webhooks and controllers add defaults to the spec.
 *
 * @internal
 */
export const ANNOTATION_SPEC_HASH = 'ml.platform/spec-hash';
/**
 * The endpoint's kind (`real-time`, `serverless`).
 *
 * @internal
 */
export const ANNOTATION_KIND = 'ml.platform/endpoint-kind';
const MODEL_CONTAINER = 'model';
const KSERVE_API_VERSION = 'serving.kserve.io/v1beta1';
/** Knative's idle time before the last pod goes; KServe passes ISVC annotations on. */
const SCALE_TO_ZERO_RETENTION =
  'autoscaling.knative.dev/scale-to-zero-pod-retention-period';

/**
 * The InferenceService fields the target writes and reads.
 *
 * @internal
 */
export type InferenceService = {
  apiVersion: string;
  kind: 'InferenceService';
  metadata: V1ObjectMeta;
  spec: { predictor: Record<string, unknown> };
  status?: InferenceServiceStatus;
};

/**
 * KServe's `status`, as far as the target reads it (Knative conditions and traffic).
 *
 * @internal
 */
export type InferenceServiceStatus = {
  observedGeneration?: number;
  url?: string;
  conditions?: Array<{
    type: string;
    status: 'True' | 'False' | 'Unknown';
    reason?: string;
    message?: string;
  }>;
  components?: {
    predictor?: {
      latestCreatedRevision?: string;
      latestReadyRevision?: string;
      latestRolledoutRevision?: string;
      previousRolledoutRevision?: string;
      traffic?: Array<{
        revisionName?: string;
        percent?: number;
        latestRevision?: boolean;
        tag?: string;
      }>;
    };
  };
  modelStatus?: {
    transitionStatus?: string;
    lastFailureInfo?: { reason?: string; message?: string };
  };
};

/**
 * A deployment of the spec as recorded on the endpoint's resources.
 *
 * @internal
 */
export type RecordedDeployment = {
  name: string;
  weight: number;
  model: string;
  version: string;
};

/**
 * Checks what Kubernetes would reject late or what the target cannot express; throws
 * `InputError`. KServe holds at most a stable and a canary deployment.
 *
 * @internal
 */
export function validateEndpointSpec(
  spec: EndpointSpec,
  maxDeployments: number,
): void {
  const { deployments, scaling } = spec;
  if (deployments.length === 0 || deployments.length > maxDeployments) {
    throw new InputError(
      `Endpoint ${spec.name} has ${deployments.length} deployments; the kubernetes target serves 1 to ${maxDeployments}`,
    );
  }
  if (new Set(deployments.map(d => d.name)).size !== deployments.length) {
    throw new InputError(`Endpoint ${spec.name} repeats a deployment name`);
  }
  const weights = deployments.map(d => d.weight);
  if (
    weights.some(w => !Number.isInteger(w) || w < 0 || w > 100) ||
    weights.reduce((a, b) => a + b, 0) !== 100
  ) {
    throw new InputError(
      `The deployment weights of endpoint ${
        spec.name
      } must be integers adding to 100, got ${weights.join(', ')}`,
    );
  }
  if (!Number.isInteger(spec.gpus) || spec.gpus < 0) {
    throw new InputError(
      `gpus must be a non-negative integer, got ${spec.gpus}`,
    );
  }
  const { minReplicas, maxReplicas, targetConcurrency } = scaling;
  if (
    !Number.isInteger(minReplicas) ||
    !Number.isInteger(maxReplicas) ||
    minReplicas < 0 ||
    maxReplicas < Math.max(1, minReplicas)
  ) {
    throw new InputError(
      `scaling needs integers 0 <= minReplicas <= maxReplicas, maxReplicas >= 1; got ${minReplicas}..${maxReplicas}`,
    );
  }
  if (!(targetConcurrency > 0)) {
    throw new InputError('scaling.targetConcurrency must be positive');
  }
}

/** Labels of everything an endpoint owns; the owner ref sanitised to a label value. */
function endpointLabels(spec: EndpointSpec): Record<string, string> {
  return {
    [LABEL_MANAGED_BY]: MANAGED_BY,
    [LABEL_ENDPOINT]: toLabelValue(spec.name),
    [LABEL_OWNER]: toLabelValue(spec.owner),
  };
}

/** The originals of the sanitised labels, and the deployments of the spec. */
function endpointAnnotations(spec: EndpointSpec): Record<string, string> {
  const recorded: RecordedDeployment[] = spec.deployments.map(d => ({
    name: d.name,
    weight: d.weight,
    model: d.model.name,
    version: d.model.version,
  }));
  return {
    [LABEL_ENDPOINT]: spec.name,
    [LABEL_OWNER]: spec.owner,
    [ANNOTATION_KIND]: spec.kind,
    [ANNOTATION_DEPLOYMENTS]: JSON.stringify(recorded),
  };
}

/**
 * The deployments recorded on a resource by {@link endpointAnnotations}; `[]` when none.
 *
 * @internal
 */
export function recordedDeployments(
  metadata: V1ObjectMeta | undefined,
): RecordedDeployment[] {
  try {
    const parsed = JSON.parse(
      metadata?.annotations?.[ANNOTATION_DEPLOYMENTS] ?? '[]',
    );
    return Array.isArray(parsed) ? parsed : [];
  } catch {
    return [];
  }
}

/**
 * Whether a resource belongs to the endpoint: created by the portal for the same name.
 *
 * @internal
 */
export function isOwnedBy(
  metadata: V1ObjectMeta | undefined,
  endpointName: string,
): boolean {
  return (
    metadata?.labels?.[LABEL_MANAGED_BY] === MANAGED_BY &&
    metadata.annotations?.[LABEL_ENDPOINT] === endpointName
  );
}

/**
 * The manifest with {@link ANNOTATION_SPEC_HASH} set to the hash of the rest of it.
 *
 * @internal
 */
export function withSpecHash<T extends { metadata?: V1ObjectMeta }>(
  manifest: T,
): T {
  const hash = createHash('sha256')
    .update(JSON.stringify(manifest))
    .digest('hex')
    .slice(0, 16);
  const annotations = {
    ...manifest.metadata?.annotations,
    [ANNOTATION_SPEC_HASH]: hash,
  };
  return { ...manifest, metadata: { ...manifest.metadata, annotations } };
}

/** Requests of a model server replica; GPUs as limits (and requests, which must match). */
function replicaResources(
  spec: EndpointSpec,
  settings: KubernetesServingSettings,
): V1ResourceRequirements {
  const gpu: Record<string, string> =
    spec.gpus > 0 ? { [GPU_RESOURCE]: String(spec.gpus) } : {};
  return {
    requests: { cpu: settings.cpu, memory: settings.memory, ...gpu },
    limits: { memory: settings.memory, ...gpu },
  };
}

/** Placement and identity of the model server pods, in KServe and deployment mode. */
function podPlacement(
  spec: EndpointSpec,
  settings: KubernetesServingSettings,
): Pick<V1PodSpec, 'serviceAccountName' | 'nodeSelector' | 'tolerations'> {
  const labels = spec.pool?.labels ?? {};
  const taints = spec.pool?.taints ?? [];
  return {
    ...(settings.serviceAccountName && {
      serviceAccountName: settings.serviceAccountName,
    }),
    ...(Object.keys(labels).length > 0 && { nodeSelector: { ...labels } }),
    ...(taints.length > 0 && { tolerations: toTolerations(taints) }),
  };
}

/**
 * What KServe should serve for a spec, given the InferenceService as it is. KServe splits
 * a canary between the revision it last rolled out to 100% and the latest one, so the
 * predictor names the canary's model with `canaryTrafficPercent` only once the stable
 * deployment is the one rolled out (the InferenceService is Ready with it, or already
 * runs a canary against it). Until then the stable deployment is applied alone, and the
 * canary waits for an `apply` after it is ready.
 *
 * @internal
 */
export function kserveRollout(
  spec: EndpointSpec,
  existing: InferenceService | undefined,
): {
  stable: ServingDeployment;
  canary?: ServingDeployment;
} {
  const [stable, canary] = spec.deployments;
  if (!canary) {
    return { stable };
  }
  const annotations = existing?.metadata.annotations ?? {};
  const rolledOut =
    annotations[ANNOTATION_STABLE] === stable.name &&
    (annotations[ANNOTATION_CANARY] !== undefined ||
      isInferenceServiceReady(existing!));
  return rolledOut ? { stable, canary } : { stable };
}

/**
 * Ready, and the controller has seen the latest spec.
 *
 * @internal
 */
export function isInferenceServiceReady(isvc: InferenceService): boolean {
  const { status, metadata } = isvc;
  const ready = status?.conditions?.find(c => c.type === 'Ready');
  return (
    ready?.status === 'True' &&
    (status?.observedGeneration ?? 0) >= (metadata.generation ?? 0)
  );
}

/**
 * The InferenceService of an endpoint: one predictor serving the stable deployment's
 * model, or the canary's with `canaryTrafficPercent` (see {@link kserveRollout}).
 *
 * @internal
 */
export function buildInferenceService(
  spec: EndpointSpec,
  rollout: { stable: ServingDeployment; canary?: ServingDeployment },
  settings: KubernetesServingSettings,
): InferenceService {
  const served = rollout.canary ?? rollout.stable;
  const flavor = servingFlavor(settings, served.model.flavor);
  const { scaling } = spec;
  const retention: Record<string, string> =
    spec.kind === 'serverless' && scaling.scaleToZeroAfterSeconds !== undefined
      ? {
          [SCALE_TO_ZERO_RETENTION]: `${Math.ceil(
            scaling.scaleToZeroAfterSeconds,
          )}s`,
        }
      : {};
  return withSpecHash<InferenceService>({
    apiVersion: KSERVE_API_VERSION,
    kind: 'InferenceService',
    metadata: {
      name: toEndpointResourceName(spec.name),
      namespace: settings.namespace,
      labels: endpointLabels(spec),
      annotations: {
        ...endpointAnnotations(spec),
        [ANNOTATION_STABLE]: rollout.stable.name,
        ...(rollout.canary && { [ANNOTATION_CANARY]: rollout.canary.name }),
        ...retention,
      },
    },
    spec: {
      predictor: {
        minReplicas: scaling.minReplicas,
        maxReplicas: scaling.maxReplicas,
        scaleMetric: 'concurrency',
        scaleTarget: Math.ceil(scaling.targetConcurrency),
        ...(rollout.canary && {
          canaryTrafficPercent: rollout.canary.weight,
        }),
        ...podPlacement(spec, settings),
        model: {
          modelFormat: { name: flavor.modelFormat },
          ...(flavor.runtime && { runtime: flavor.runtime }),
          ...(flavor.protocolVersion && {
            protocolVersion: flavor.protocolVersion,
          }),
          storageUri: served.model.artifactUri,
          resources: replicaResources(spec, settings),
        },
      },
    },
  });
}

/**
 * Deployment mode: replicas of one deployment, its share of the endpoint's. Without a
 * service mesh the Service spreads requests over ready pods evenly, so the replica counts
 * are what splits the traffic, and only roughly (a 90/10 split of 3 replicas is 2/1).
 * An HPA cannot scale to zero (without an alpha feature gate): at least one replica.
 *
 * @internal
 */
export function replicaRange(
  scaling: EndpointSpec['scaling'],
  weight: number,
): { minReplicas: number; maxReplicas: number } {
  const minReplicas = Math.max(
    1,
    Math.round((scaling.minReplicas * weight) / 100),
  );
  const maxReplicas = Math.max(
    minReplicas,
    Math.ceil((scaling.maxReplicas * weight) / 100),
  );
  return { minReplicas, maxReplicas };
}

function deploymentMetadata(
  spec: EndpointSpec,
  deployment: ServingDeployment,
  settings: KubernetesServingSettings,
): V1ObjectMeta {
  return {
    name: toDeploymentResourceName(deployment.name),
    namespace: settings.namespace,
    labels: {
      ...endpointLabels(spec),
      [LABEL_DEPLOYMENT]: toLabelValue(deployment.name),
    },
    annotations: {
      ...endpointAnnotations(spec),
      [LABEL_DEPLOYMENT]: deployment.name,
    },
  };
}

/**
 * Deployment mode: the model server of one deployment, serving the MLflow scoring
 * protocol (`/invocations`, readiness on `/ping`) on `settings.port`, with the model's
 * URI in `MODEL_URI`. A deployment with weight 0 keeps no replica. `spec.replicas` is
 * otherwise left to the HPA (the target copies the live value on updates).
 *
 * @internal
 */
export function buildDeployment(
  spec: EndpointSpec,
  deployment: ServingDeployment,
  settings: KubernetesServingSettings,
): V1Deployment {
  const { model } = deployment;
  const image = model.image ?? servingFlavor(settings, model.flavor).image;
  if (!image) {
    throw new InputError(
      `No model server image for ${model.name} version ${
        model.version
      } (flavor ${
        model.flavor ?? 'unset'
      }): set one on the endpoint or in ml.serving.targets.kubernetes.flavors`,
    );
  }
  const metadata = deploymentMetadata(spec, deployment, settings);
  const selector = {
    [LABEL_ENDPOINT]: metadata.labels![LABEL_ENDPOINT],
    [LABEL_DEPLOYMENT]: metadata.labels![LABEL_DEPLOYMENT],
  };
  return withSpecHash({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata,
    spec: {
      ...(deployment.weight === 0 && { replicas: 0 }),
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: metadata.labels },
        spec: {
          ...podPlacement(spec, settings),
          containers: [
            {
              name: MODEL_CONTAINER,
              image,
              env: [
                { name: 'MODEL_URI', value: model.artifactUri },
                { name: 'MODEL_NAME', value: model.name },
                { name: 'MODEL_VERSION', value: model.version },
              ],
              ports: [{ name: 'http', containerPort: settings.port }],
              readinessProbe: {
                httpGet: { path: '/ping', port: 'http' },
                periodSeconds: 5,
                failureThreshold: 3,
              },
              resources: replicaResources(spec, settings),
            },
          ],
        },
      },
    },
  });
}

/**
 * Deployment mode: the autoscaler of one deployment with weight > 0 (see
 * {@link replicaRange}), on requests in flight per pod where a metric for them is
 * configured, on CPU otherwise.
 *
 * @internal
 */
export function buildHorizontalPodAutoscaler(
  spec: EndpointSpec,
  deployment: ServingDeployment,
  settings: KubernetesServingSettings,
): V2HorizontalPodAutoscaler {
  const metadata = deploymentMetadata(spec, deployment, settings);
  const metric: V2MetricSpec = settings.concurrencyMetric
    ? {
        type: 'Pods',
        pods: {
          metric: { name: settings.concurrencyMetric },
          target: {
            type: 'AverageValue',
            averageValue: String(spec.scaling.targetConcurrency),
          },
        },
      }
    : {
        type: 'Resource',
        resource: {
          name: 'cpu',
          target: {
            type: 'Utilization',
            averageUtilization: settings.cpuTargetUtilization,
          },
        },
      };
  return withSpecHash({
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata,
    spec: {
      scaleTargetRef: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: metadata.name!,
      },
      ...replicaRange(spec.scaling, deployment.weight),
      metrics: [metric],
    },
  });
}

/**
 * Deployment mode: one Service per endpoint selecting the pods of all its deployments,
 * port 80 to the model servers' `http` port.
 *
 * @internal
 */
export function buildService(
  spec: EndpointSpec,
  settings: KubernetesServingSettings,
): V1Service {
  const labels = endpointLabels(spec);
  return withSpecHash({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: toEndpointResourceName(spec.name),
      namespace: settings.namespace,
      labels,
      annotations: endpointAnnotations(spec),
    },
    spec: {
      selector: { [LABEL_ENDPOINT]: labels[LABEL_ENDPOINT] },
      ports: [{ name: 'http', port: 80, targetPort: 'http' }],
    },
  });
}
