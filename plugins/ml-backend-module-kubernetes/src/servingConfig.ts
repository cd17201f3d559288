import { Config } from '@backstage/config';
import {
  KubernetesClusterSettings,
  readKubernetesCluster,
  readServiceAccountName,
} from './config';

/**
 * How an MLflow flavor is served: the KServe `modelFormat` (and optionally the
 * `ServingRuntime` and protocol) in KServe mode, the model server image in deployment mode.
 *
 * @public
 */
export type KubernetesServingFlavor = {
  /** KServe `spec.predictor.model.modelFormat.name`, e.g. `mlflow`, `sklearn`. */
  modelFormat: string;
  /** KServe `ServingRuntime` to use instead of the one KServe picks for the format. */
  runtime?: string;
  /** KServe `protocolVersion`; `v2` for `mlflow` (MLServer speaks only v2). */
  protocolVersion?: string;
  /** Deployment mode: the model server image (MLflow scoring protocol on `port`). */
  image?: string;
};

/**
 * `mode` of the serving target: `kserve` (one `InferenceService` per endpoint),
 * `deployment` (plain `Deployment`s, a `Service` and HPAs), or `auto` (KServe when the
 * cluster serves `serving.kserve.io/v1beta1` InferenceServices).
 *
 * @public
 */
export type KubernetesServingMode = 'kserve' | 'deployment' | 'auto';

/**
 * Settings of the `kubernetes` serving target, read from `ml.serving.targets.kubernetes`.
 *
 * @public
 */
export type KubernetesServingSettings = KubernetesClusterSettings & {
  /** Namespace of the InferenceServices (or Deployments, Services and HPAs). */
  namespace: string;
  mode: KubernetesServingMode;
  /** Service account of the model server pods (KServe reads storage credentials from it). */
  serviceAccountName?: string;
  /** By MLflow flavor; a flavor not listed is served as `python_function`. */
  flavors: Record<string, KubernetesServingFlavor>;
  /** Requests of each model server replica (Kubernetes quantities). */
  cpu: string;
  memory: string;
  /** Deployment mode: the port the model server listens on. */
  port: number;
  /**
   * Deployment mode: a per-pod metric (through a custom metrics adapter) holding the
   * requests in flight, which the HPAs hold at `targetConcurrency`; CPU otherwise.
   */
  concurrencyMetric?: string;
  /** Deployment mode without `concurrencyMetric`: the HPAs' CPU utilization target. */
  cpuTargetUtilization: number;
  /**
   * Where a model server replica's Prometheus metrics are read, with `{podIP}`, `{pod}`
   * and `{namespace}` filled in per pod (without a pod placeholder, one URL for the
   * deployment); absent, each pod's `prometheus.kserve.io/port` and `/path` annotations
   * (or `prometheus.io/…`), else port 8080 (KServe) or `port` (deployment mode) and
   * `/metrics`.
   */
  metricsUrl?: string;
};

/** What an MLflow model directory is served as when its flavor is not configured. */
const PYFUNC_FLAVOR = 'python_function';
const BUILT_IN_PYFUNC: KubernetesServingFlavor = {
  modelFormat: 'mlflow',
  protocolVersion: 'v2',
};
const MODES: KubernetesServingMode[] = ['kserve', 'deployment', 'auto'];
const PROTOCOLS = ['v1', 'v2', 'grpc-v1', 'grpc-v2'];
const FORMAT_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const RESOURCE_NAME =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUANTITY = /^\d+(\.\d+)?(m|k|Ki|M|Mi|G|Gi|T|Ti)?$/;
const CONFIG_KEY = 'ml.serving.targets.kubernetes';

/**
 * Reads `ml.serving.targets.kubernetes`; `undefined` when the section is absent. The
 * cluster connection is read as the compute target reads it. Throws on invalid settings,
 * so a misconfigured target stops the backend at startup.
 *
 * @public
 */
export function readKubernetesServingSettings(
  config: Config,
): KubernetesServingSettings | undefined {
  const section = config.getOptionalConfig(CONFIG_KEY);
  if (!section) {
    return undefined;
  }
  const key = (name: string) => `${CONFIG_KEY}.${name}`;

  const mode = (section.getOptionalString('mode') ??
    'auto') as KubernetesServingMode;
  if (!MODES.includes(mode)) {
    throw new Error(
      `${key('mode')} must be one of ${MODES.join(', ')}, got '${mode}'`,
    );
  }
  const quantity = (name: string, fallback: string) => {
    const value = section.getOptionalString(name) ?? fallback;
    if (!QUANTITY.test(value)) {
      throw new Error(
        `${key(name)} must be a Kubernetes quantity, got '${value}'`,
      );
    }
    return value;
  };
  const port = section.getOptionalNumber('port') ?? 8080;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${key('port')} must be a port number, got ${port}`);
  }
  const concurrencyMetric = section.getOptionalString('concurrencyMetric');
  const cpuTargetUtilization =
    section.getOptionalNumber('cpuTargetUtilization') ?? 70;
  if (
    !Number.isInteger(cpuTargetUtilization) ||
    cpuTargetUtilization < 1 ||
    cpuTargetUtilization > 100
  ) {
    throw new Error(
      `${key('cpuTargetUtilization')} must be a percentage (1-100)`,
    );
  }

  return {
    ...readKubernetesCluster(section, CONFIG_KEY),
    mode,
    serviceAccountName: readServiceAccountName(section, CONFIG_KEY),
    flavors: readFlavors(section.getOptionalConfig('flavors')),
    cpu: quantity('cpu', '1'),
    memory: quantity('memory', '2Gi'),
    port,
    concurrencyMetric,
    cpuTargetUtilization,
    metricsUrl: readMetricsUrl(section.getOptionalString('metricsUrl')),
  };
}

function readMetricsUrl(template: string | undefined): string | undefined {
  if (template === undefined) return undefined;
  const sample = template.replace(/\{(podIP|pod|namespace)\}/g, 'x');
  if (!/^https?:\/\//.test(template) || !URL.canParse(sample)) {
    throw new Error(
      `${CONFIG_KEY}.metricsUrl must be an http(s) URL with {podIP}, {pod} or {namespace}, got '${template}'`,
    );
  }
  return template;
}

function readFlavors(
  section: Config | undefined,
): Record<string, KubernetesServingFlavor> {
  const flavors: Record<string, KubernetesServingFlavor> = {};
  for (const flavor of section?.keys() ?? []) {
    const entry = section!.getConfig(flavor);
    const key = (name: string) => `${CONFIG_KEY}.flavors.${flavor}.${name}`;
    const modelFormat = entry.getOptionalString('modelFormat') ?? 'mlflow';
    if (!FORMAT_NAME.test(modelFormat)) {
      throw new Error(
        `${key(
          'modelFormat',
        )} must be a KServe model format name, got '${modelFormat}'`,
      );
    }
    const runtime = entry.getOptionalString('runtime');
    if (runtime !== undefined && !RESOURCE_NAME.test(runtime)) {
      throw new Error(
        `${key('runtime')} must be a ServingRuntime name, got '${runtime}'`,
      );
    }
    const protocolVersion =
      entry.getOptionalString('protocolVersion') ??
      (modelFormat === 'mlflow' ? 'v2' : undefined);
    if (protocolVersion !== undefined && !PROTOCOLS.includes(protocolVersion)) {
      throw new Error(
        `${key('protocolVersion')} must be one of ${PROTOCOLS.join(', ')}`,
      );
    }
    const image = entry.getOptionalString('image');
    if (image !== undefined && (image === '' || /\s/.test(image))) {
      throw new Error(`${key('image')} must be an image reference`);
    }
    flavors[flavor] = { modelFormat, runtime, protocolVersion, image };
  }
  return flavors;
}

/**
 * How a model of `flavor` is served: its configured entry, else the `python_function`
 * entry (MLflow's generic flavor, which most models carry), else KServe's `mlflow` format.
 *
 * @internal
 */
export function servingFlavor(
  settings: Pick<KubernetesServingSettings, 'flavors'>,
  flavor: string | undefined,
): KubernetesServingFlavor {
  return (
    (flavor !== undefined && Object.hasOwn(settings.flavors, flavor)
      ? settings.flavors[flavor]
      : undefined) ??
    settings.flavors[PYFUNC_FLAVOR] ??
    BUILT_IN_PYFUNC
  );
}
