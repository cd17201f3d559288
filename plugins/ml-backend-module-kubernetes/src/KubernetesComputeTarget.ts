import {
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  V1EnvVar,
  V1Job,
  V1Pod,
  V1PodFailurePolicyRule,
} from '@kubernetes/client-node';
import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { ConflictError, InputError } from '@backstage/errors';
import {
  ComputeTarget,
  DispatchRequest,
  ExternalJobStatus,
} from '@ml-portal/plugin-ml-node';
import { apiStatus, toKubernetesError } from './apiErrors';
import { loadKubeConfig, readKubernetesTargetSettings } from './config';
import {
  hasStarted,
  TRAINING_CONTAINER,
  toExternalJobStatus,
} from './jobStatus';
import { toKubernetesJobName, toLabelValue } from './names';
import {
  GPU_RESOURCE,
  LABEL_MANAGED_BY,
  MANAGED_BY,
  toTolerations,
} from './placement';

/** Labels that tie a Job (and its pods) to the platform's job, attempt and pool. */
const LABEL_JOB_ID = 'ml.platform/job-id';
const LABEL_ATTEMPT_ID = 'ml.platform/attempt-id';
const LABEL_POOL = 'ml.platform/pool';
const DEFAULT_TTL_SECONDS_AFTER_FINISHED = 3600;
/** A `secretEnv` reference: `<Secret name>/<key>`. */
const SECRET_REF =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)\/([-._a-zA-Z0-9]+)$/;

/**
 * The pod failure policy of every Job. Rules are evaluated in order, so the disruption
 * rule comes first: an evicted pod is SIGTERM'd and may itself exit non-zero.
 */
const POD_FAILURE_RULES: V1PodFailurePolicyRule[] = [
  {
    // Preemption, spot reclaim, node drain: not the job's fault. The failure does not
    // count against backoffLimit and the Job controller replaces the pod, which resumes
    // from the attempt's checkpoint.
    action: 'Ignore',
    onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }],
  },
  {
    // The training code failed: fail the Job at once, with the exit code on record.
    action: 'FailJob',
    onExitCodes: {
      containerName: TRAINING_CONTAINER,
      operator: 'NotIn',
      values: [0],
    },
  },
];

/**
 * Options of {@link KubernetesComputeTarget}; see `ml.targets.kubernetes` in the
 * package's `config.d.ts` for what they mean.
 *
 * @public
 */
export type KubernetesComputeTargetOptions = {
  kubeConfig: KubeConfig;
  namespace: string;
  serviceAccountName?: string;
  /** Defaults to 3600. */
  ttlSecondsAfterFinished?: number;
  imagePullSecrets?: string[];
  logger?: LoggerService;
};

/**
 * The `kubernetes` compute target: runs each attempt as one `batch/v1` Job in one
 * namespace, named after the attempt's external name (see {@link toKubernetesJobName}).
 *
 * - The Job asks for `nvidia.com/gpu` (and cpu/memory) in its one `train` container,
 *   runs on the pool's nodes (`nodeSelector` = pool labels, tolerations = pool taints),
 *   is labelled `ml.platform/job-id`, `ml.platform/attempt-id` and `ml.platform/pool`, is
 *   stopped after `maxRuntimeSeconds` (`activeDeadlineSeconds`) and deleted
 *   `ttlSecondsAfterFinished` after it ends.
 * - `backoffLimit: 0` with a pod failure policy: a non-zero exit of the training
 *   container fails the Job (`FailJob`); an eviction (`DisruptionTarget`: preemption,
 *   spot reclaim) does not (`Ignore`): the Job controller replaces the pod in place and
 *   it resumes from the checkpoint, while the attempt stays active. An attempt is reported
 *   `preempted` only when its Job ended because of an eviction.
 * - Dispatch is idempotent: when the Job exists (409 `AlreadyExists`), the existing Job
 *   of the same attempt is returned and no second one is created.
 * - Secrets are passed by reference only: `secretEnv` entries become
 *   `valueFrom.secretKeyRef` of Secrets in the namespace; values never leave the cluster.
 *
 * `externalId` is the Job's `metadata.uid`.
 *
 * @public
 */
export class KubernetesComputeTarget implements ComputeTarget {
  readonly id = 'kubernetes';
  private readonly batch: BatchV1Api;
  private readonly core: CoreV1Api;
  private readonly namespace: string;

  constructor(private readonly options: KubernetesComputeTargetOptions) {
    this.batch = options.kubeConfig.makeApiClient(BatchV1Api);
    this.core = options.kubeConfig.makeApiClient(CoreV1Api);
    this.namespace = options.namespace;
  }

  /** Builds the target from `ml.targets.kubernetes`, which must be present. */
  static create(options: {
    config: Config;
    logger?: LoggerService;
  }): KubernetesComputeTarget {
    const settings = readKubernetesTargetSettings(options.config);
    if (!settings) {
      throw new Error('ml.targets.kubernetes is not configured');
    }
    const { kubeConfig, source } = loadKubeConfig(settings);
    options.logger?.info(
      `kubernetes compute target uses cluster ${
        kubeConfig.getCurrentCluster()?.server
      } (context '${kubeConfig.getCurrentContext()}', ${source} kubeconfig), namespace ${
        settings.namespace
      }`,
    );
    return new KubernetesComputeTarget({
      kubeConfig,
      namespace: settings.namespace,
      serviceAccountName: settings.serviceAccountName,
      ttlSecondsAfterFinished: settings.ttlSecondsAfterFinished,
      imagePullSecrets: settings.imagePullSecrets,
      logger: options.logger,
    });
  }

  /** The Job manifest of an attempt; throws `InputError` when it cannot be built. */
  buildJob(request: DispatchRequest): V1Job {
    const { pool, resources } = request;
    if (!request.image) {
      throw new InputError('The kubernetes target needs a container image');
    }
    if (!Number.isInteger(resources.gpus) || resources.gpus < 0) {
      throw new InputError(
        `resources.gpus must be a non-negative integer, got ${resources.gpus}`,
      );
    }
    if (pool.gpusPerNode > 0 && resources.gpus > pool.gpusPerNode) {
      throw new InputError(
        `The job asks for ${resources.gpus} GPUs, but the nodes of pool '${pool.name}' have ${pool.gpusPerNode}; the kubernetes target runs one pod per attempt`,
      );
    }
    let activeDeadlineSeconds: number | undefined;
    if (request.maxRuntimeSeconds !== undefined) {
      activeDeadlineSeconds = Math.ceil(request.maxRuntimeSeconds);
      if (!(activeDeadlineSeconds >= 1)) {
        throw new InputError('maxRuntimeSeconds must be positive');
      }
    }

    const labels = {
      [LABEL_JOB_ID]: toLabelValue(request.jobId),
      [LABEL_ATTEMPT_ID]: toLabelValue(request.attemptId),
      [LABEL_POOL]: toLabelValue(pool.name),
      [LABEL_MANAGED_BY]: MANAGED_BY,
    };
    // The originals, where a label value had to be normalised, and what labels cannot hold.
    const annotations = {
      'ml.platform/external-name': request.externalName,
      [LABEL_JOB_ID]: request.jobId,
      [LABEL_ATTEMPT_ID]: request.attemptId,
      [LABEL_POOL]: pool.name,
      'ml.platform/gpu-type': pool.gpuType,
      'ml.platform/spot': String(pool.spot),
    };

    const limits: Record<string, string> = {};
    const requests: Record<string, string> = {};
    if (resources.gpus > 0) {
      limits[GPU_RESOURCE] = String(resources.gpus);
    }
    if (resources.cpu !== undefined) {
      if (!(resources.cpu > 0)) {
        throw new InputError('resources.cpu must be positive');
      }
      requests.cpu = limits.cpu = cpuQuantity(resources.cpu);
    }
    if (resources.memoryMiB !== undefined) {
      if (!(resources.memoryMiB > 0)) {
        throw new InputError('resources.memoryMiB must be positive');
      }
      requests.memory = limits.memory = `${Math.ceil(resources.memoryMiB)}Mi`;
    }

    const tolerations = toTolerations(pool.taints);
    const { serviceAccountName, imagePullSecrets = [] } = this.options;

    return {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: toKubernetesJobName(request.externalName),
        namespace: this.namespace,
        labels,
        annotations,
      },
      spec: {
        backoffLimit: 0,
        podFailurePolicy: { rules: POD_FAILURE_RULES },
        ...(activeDeadlineSeconds !== undefined && { activeDeadlineSeconds }),
        ttlSecondsAfterFinished:
          this.options.ttlSecondsAfterFinished ??
          DEFAULT_TTL_SECONDS_AFTER_FINISHED,
        template: {
          metadata: { labels, annotations },
          spec: {
            restartPolicy: 'Never',
            ...(serviceAccountName && { serviceAccountName }),
            ...(imagePullSecrets.length > 0 && {
              imagePullSecrets: imagePullSecrets.map(name => ({ name })),
            }),
            ...(Object.keys(pool.labels).length > 0 && {
              nodeSelector: { ...pool.labels },
            }),
            ...(tolerations.length > 0 && { tolerations }),
            containers: [
              {
                name: TRAINING_CONTAINER,
                image: request.image,
                ...(request.command.length > 0 && {
                  command: [...request.command],
                }),
                env: buildEnv(request),
                resources: { limits, requests },
              },
            ],
          },
        },
      },
    };
  }

  async dispatch(request: DispatchRequest): Promise<{ externalId: string }> {
    const body = this.buildJob(request);
    const name = body.metadata!.name!;
    const { namespace } = this;
    try {
      const created = await this.batch.createNamespacedJob({ namespace, body });
      this.options.logger?.info(
        `kubernetes target created Job ${namespace}/${name} on pool ${request.pool.name} (${request.resources.gpus} x ${request.pool.gpuType})`,
      );
      return { externalId: created.metadata?.uid ?? `${namespace}/${name}` };
    } catch (error) {
      if (apiStatus(error).code !== 409) {
        throw toKubernetesError(error, `create Job ${namespace}/${name}`);
      }
    }
    // The name is taken: a replayed dispatch. Return the Job that exists.
    let existing: V1Job;
    try {
      existing = await this.batch.readNamespacedJob({ name, namespace });
    } catch (error) {
      throw toKubernetesError(error, `read existing Job ${namespace}/${name}`);
    }
    const owner = existing.metadata?.labels?.[LABEL_ATTEMPT_ID];
    if (owner !== toLabelValue(request.attemptId)) {
      throw new ConflictError(
        `Job ${namespace}/${name} exists but belongs to ${
          owner ? `attempt ${owner}` : 'no attempt of this platform'
        }, not to attempt ${request.attemptId}`,
      );
    }
    if (existing.metadata?.deletionTimestamp) {
      throw new ConflictError(
        `Job ${namespace}/${name} of attempt ${request.attemptId} is being deleted`,
      );
    }
    this.options.logger?.info(
      `kubernetes target found existing Job ${namespace}/${name}; not creating another`,
    );
    return { externalId: existing.metadata?.uid ?? `${namespace}/${name}` };
  }

  async status(externalName: string): Promise<ExternalJobStatus> {
    const name = toKubernetesJobName(externalName);
    const { namespace } = this;
    let job: V1Job;
    try {
      job = await this.batch.readNamespacedJob({ name, namespace });
    } catch (error) {
      if (apiStatus(error).code === 404) {
        return { state: 'not-found', reason: `no Job ${namespace}/${name}` };
      }
      throw toKubernetesError(error, `read Job ${namespace}/${name}`);
    }
    const uid = job.metadata?.uid;
    const pods = (await this.podsOf(name)).filter(
      pod =>
        !uid ||
        !pod.metadata?.ownerReferences ||
        pod.metadata.ownerReferences.some(owner => owner.uid === uid),
    );
    return toExternalJobStatus(job, pods);
  }

  async cancel(externalName: string): Promise<void> {
    const name = toKubernetesJobName(externalName);
    const { namespace } = this;
    try {
      // Background: the Job goes at once; the garbage collector stops its pods.
      await this.batch.deleteNamespacedJob({
        name,
        namespace,
        propagationPolicy: 'Background',
      });
      this.options.logger?.info(
        `kubernetes target deleted Job ${namespace}/${name}`,
      );
    } catch (error) {
      if (apiStatus(error).code !== 404) {
        throw toKubernetesError(error, `delete Job ${namespace}/${name}`);
      }
    }
  }

  /** The log of the latest pod of the Job whose training container started; '' when none has. */
  async logs(
    externalName: string,
    options?: { tailLines?: number },
  ): Promise<string> {
    const name = toKubernetesJobName(externalName);
    const { namespace } = this;
    const pod = (await this.podsOf(name)).reverse().find(hasStarted);
    if (!pod?.metadata?.name) {
      return '';
    }
    try {
      return await this.core.readNamespacedPodLog({
        name: pod.metadata.name,
        namespace,
        container: TRAINING_CONTAINER,
        ...(options?.tailLines !== undefined && {
          tailLines: options.tailLines,
        }),
      });
    } catch (error) {
      // Gone (garbage-collected) since listed.
      if (apiStatus(error).code === 404) {
        return '';
      }
      throw toKubernetesError(
        error,
        `read the log of pod ${namespace}/${pod.metadata.name}`,
      );
    }
  }

  /** The pods of a Job, oldest first. */
  private async podsOf(jobName: string): Promise<V1Pod[]> {
    const { namespace } = this;
    let items: V1Pod[];
    try {
      ({ items } = await this.core.listNamespacedPod({
        namespace,
        labelSelector: `job-name=${jobName}`,
      }));
    } catch (error) {
      throw toKubernetesError(
        error,
        `list the pods of Job ${namespace}/${jobName}`,
      );
    }
    const created = (pod: V1Pod) =>
      pod.metadata?.creationTimestamp
        ? new Date(pod.metadata.creationTimestamp).getTime()
        : 0;
    return [...items].sort(
      (a, b) =>
        created(a) - created(b) ||
        (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''),
    );
  }
}

/** Kubernetes accepts decimal CPU quantities; millicores keep floats like 0.1 + 0.2 exact. */
function cpuQuantity(cpu: number): string {
  return Number.isInteger(cpu) ? String(cpu) : `${Math.ceil(cpu * 1000)}m`;
}

function buildEnv(request: DispatchRequest): V1EnvVar[] {
  const env: V1EnvVar[] = Object.entries(request.env).map(([name, value]) => ({
    name,
    value,
  }));
  const names = new Set(Object.keys(request.env));
  const add = (name: string, value: string) => {
    if (!names.has(name)) {
      names.add(name);
      env.push({ name, value });
    }
  };
  if (request.checkpoint) {
    const { uri, intervalSeconds } = request.checkpoint;
    add('CHECKPOINT_URI', uri);
    // A local path only means something where a volume is mounted at it.
    if (uri.startsWith('file://') || uri.startsWith('/')) {
      add('CHECKPOINT_DIR', uri.replace(/^file:\/\//, ''));
    }
    if (intervalSeconds !== undefined) {
      add('CHECKPOINT_INTERVAL_SECONDS', String(intervalSeconds));
    }
  }
  for (const { name, secretRef } of request.secretEnv) {
    const match = SECRET_REF.exec(secretRef);
    if (!match) {
      throw new InputError(
        `secretEnv ${name}: '${secretRef}' is not a Kubernetes Secret reference (<secret-name>/<key>)`,
      );
    }
    if (names.has(name)) {
      throw new InputError(
        `secretEnv ${name} is also set as a plain environment variable`,
      );
    }
    names.add(name);
    env.push({
      name,
      valueFrom: { secretKeyRef: { name: match[1], key: match[5] } },
    });
  }
  return env;
}
