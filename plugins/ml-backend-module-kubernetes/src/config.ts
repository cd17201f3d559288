import { KubeConfig } from '@kubernetes/client-node';
import { Config } from '@backstage/config';

/**
 * How a `kubernetes` target reaches its cluster; the compute and the serving target read
 * it the same way ({@link readKubernetesCluster}).
 *
 * @public
 */
export type KubernetesClusterSettings = {
  /** Kubeconfig file to load; otherwise in-cluster or the default chain. */
  kubeconfigPath?: string;
  /** Context of the kubeconfig to use instead of its current context. */
  context?: string;
  /** Use the service account of the backend's own pod. */
  inCluster: boolean;
  /** The config key the settings came from, for error messages; `ml.targets.kubernetes` when unset. */
  configKey?: string;
};

/**
 * Settings of the `kubernetes` compute target, read from `ml.targets.kubernetes`.
 *
 * @public
 */
export type KubernetesTargetSettings = Omit<
  KubernetesClusterSettings,
  'configKey'
> & {
  /** Namespace the Jobs are created in. */
  namespace: string;
  /** Service account the training pods run as. */
  serviceAccountName?: string;
  /** Seconds a finished Job is kept before Kubernetes deletes it. */
  ttlSecondsAfterFinished: number;
  /** Secrets (in `namespace`) used to pull training images. */
  imagePullSecrets: string[];
};

const DEFAULT_TTL_SECONDS_AFTER_FINISHED = 3600;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Reads `ml.targets.kubernetes`; `undefined` when the section is absent. Throws on invalid
 * settings, so a misconfigured target stops the backend at startup rather than failing
 * every dispatch.
 *
 * @public
 */
export function readKubernetesTargetSettings(
  config: Config,
): KubernetesTargetSettings | undefined {
  const configKey = 'ml.targets.kubernetes';
  const section = config.getOptionalConfig(configKey);
  if (!section) {
    return undefined;
  }
  const key = (name: string) => `${configKey}.${name}`;

  const { namespace, kubeconfigPath, context, inCluster } =
    readKubernetesCluster(section, configKey);
  const serviceAccountName = readServiceAccountName(section, configKey);
  const ttlSecondsAfterFinished =
    section.getOptionalNumber('ttlSecondsAfterFinished') ??
    DEFAULT_TTL_SECONDS_AFTER_FINISHED;
  if (
    !Number.isInteger(ttlSecondsAfterFinished) ||
    ttlSecondsAfterFinished < 0
  ) {
    throw new Error(
      `${key('ttlSecondsAfterFinished')} must be a non-negative integer`,
    );
  }
  const imagePullSecrets =
    section.getOptionalStringArray('imagePullSecrets') ?? [];
  for (const name of imagePullSecrets) {
    if (!isSubdomain(name)) {
      throw new Error(
        `${key('imagePullSecrets')} must hold Secret names, got '${name}'`,
      );
    }
  }

  return {
    namespace,
    kubeconfigPath,
    context,
    inCluster,
    serviceAccountName,
    ttlSecondsAfterFinished,
    imagePullSecrets,
  };
}

/**
 * The cluster connection and the namespace of a `kubernetes` target's config section
 * (`configKey`, e.g. `ml.serving.targets.kubernetes`): `namespace` (required),
 * `kubeconfigPath`, `context` and `inCluster`. Throws on invalid values.
 *
 * @internal
 */
export function readKubernetesCluster(
  section: Config,
  configKey: string,
): KubernetesClusterSettings & { namespace: string } {
  const namespace = section.getString('namespace');
  if (namespace.length > 63 || !DNS1123_LABEL.test(namespace)) {
    throw new Error(
      `${configKey}.namespace must be a Kubernetes namespace name, got '${namespace}'`,
    );
  }
  const kubeconfigPath = section.getOptionalString('kubeconfigPath');
  const context = section.getOptionalString('context');
  const inCluster = section.getOptionalBoolean('inCluster') ?? false;
  if (inCluster && (kubeconfigPath || context)) {
    throw new Error(
      `${configKey}.inCluster cannot be combined with kubeconfigPath or context: the in-cluster config has one context`,
    );
  }
  return { namespace, kubeconfigPath, context, inCluster, configKey };
}

/**
 * The optional `serviceAccountName` of a `kubernetes` target's config section.
 *
 * @internal
 */
export function readServiceAccountName(
  section: Config,
  configKey: string,
): string | undefined {
  const name = section.getOptionalString('serviceAccountName');
  if (name !== undefined && !isSubdomain(name)) {
    throw new Error(
      `${configKey}.serviceAccountName must be a service account name, got '${name}'`,
    );
  }
  return name;
}

function isSubdomain(name: string): boolean {
  return name.length <= 253 && DNS1123_SUBDOMAIN.test(name);
}

/**
 * Where the target's cluster credentials come from, as {@link loadKubeConfig} found them.
 *
 * @public
 */
export type KubeConfigSource = 'file' | 'in-cluster' | 'default';

/**
 * Loads the kubeconfig of the settings: `kubeconfigPath` when set, else the in-cluster
 * service account when `inCluster` is set, else the client's default chain (`KUBECONFIG`,
 * `~/.kube/config`, in-cluster); then switches to `context` when set.
 *
 * @public
 */
export function loadKubeConfig(settings: KubernetesClusterSettings): {
  kubeConfig: KubeConfig;
  source: KubeConfigSource;
} {
  const configKey = settings.configKey ?? 'ml.targets.kubernetes';
  const kubeConfig = new KubeConfig();
  let source: KubeConfigSource;
  if (settings.kubeconfigPath) {
    kubeConfig.loadFromFile(settings.kubeconfigPath);
    source = 'file';
  } else if (settings.inCluster) {
    if (!process.env.KUBERNETES_SERVICE_HOST) {
      throw new Error(
        `${configKey}.inCluster is set, but the backend does not run in a Kubernetes pod (KUBERNETES_SERVICE_HOST is not set)`,
      );
    }
    kubeConfig.loadFromCluster();
    source = 'in-cluster';
  } else {
    kubeConfig.loadFromDefault();
    source = 'default';
  }
  if (settings.context) {
    if (!kubeConfig.getContextObject(settings.context)) {
      throw new Error(
        `${configKey}.context: the kubeconfig has no context '${
          settings.context
        }' (it has: ${kubeConfig.contexts.map(c => c.name).join(', ')})`,
      );
    }
    kubeConfig.setCurrentContext(settings.context);
  }
  if (!kubeConfig.getCurrentCluster()) {
    throw new Error(
      `${configKey}: the ${source} kubeconfig names no cluster for context '${kubeConfig.getCurrentContext()}'`,
    );
  }
  return { kubeConfig, source };
}
