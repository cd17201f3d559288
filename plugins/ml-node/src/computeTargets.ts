import { createExtensionPoint } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';

/**
 * A GPU pool as configured under `ml.training.pools`, as a compute target sees it.
 *
 * @public
 */
export type GpuPool = {
  name: string;
  /** Id of the compute target that runs this pool's jobs (`local`, `kubernetes`, ...). */
  target: string;
  region: string;
  gpuType: string;
  gpusPerNode: number;
  spot: boolean;
  /** Node selector labels of the pool's nodes (Kubernetes). */
  labels: Record<string, string>;
  /** Taints on the pool's nodes, which its jobs tolerate (Kubernetes). */
  taints: Array<{
    key: string;
    value?: string;
    effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  }>;
  /** Instance or machine type on managed platforms, e.g. `ml.g5.xlarge`, `a2-highgpu-1g`. */
  instanceType?: string;
  /** Compliance labels the pool satisfies, e.g. `hipaa`, `fedramp-high`. */
  compliance: string[];
};

/**
 * One attempt of a training job, handed to a compute target. It carries references to
 * secrets, never their values; the target resolves them in its own environment.
 *
 * @public
 */
export type DispatchRequest = {
  /** Name of the external job; derived from the attempt id, so dispatch can be replayed. */
  externalName: string;
  jobId: string;
  attemptId: string;
  pool: GpuPool;
  image?: string;
  command: string[];
  /** Plain environment (MLflow URIs, run ids, checkpoint location). */
  env: Record<string, string>;
  /** Environment variables filled from secrets the target can read, e.g. a Kubernetes Secret. */
  secretEnv: Array<{ name: string; secretRef: string }>;
  resources: { gpus: number; cpu?: number; memoryMiB?: number };
  /** The attempt's limit: the target stops it once it runs longer, and reports it failed. */
  maxRuntimeSeconds?: number;
  /** Where the job writes checkpoints and resumes from; also exported as `CHECKPOINT_DIR`/`CHECKPOINT_URI`. */
  checkpoint?: { uri: string; intervalSeconds?: number };
};

/**
 * What a compute target reports about an external job.
 *
 * @public
 */
export type ExternalJobStatus = {
  state:
    | 'pending'
    | 'running'
    | 'succeeded'
    | 'failed'
    | 'preempted'
    | 'not-found';
  /** Human-readable cause, shown in the job's timeline. */
  reason?: string;
  startedAt?: Date;
  finishedAt?: Date;
  /** Seconds the provider bills, where a managed platform reports them. */
  billableSeconds?: number;
  /** Node or instance type the attempt ran on. */
  instanceType?: string;
};

/**
 * A place where training attempts run. Implementations must make `dispatch` idempotent:
 * when an external job named `externalName` exists, return it instead of starting another,
 * and leave one running job per attempt even when two dispatches of it race (a name the
 * platform chooses, or a check after creating). `cancel` may be called for an attempt
 * whose dispatch is still under way, and again once it returned: the platform calls it
 * when a dispatch finds its attempt cancelled meanwhile.
 *
 * @public
 */
export interface ComputeTarget {
  /** Referenced by pools' `target` setting. */
  readonly id: string;
  dispatch(request: DispatchRequest): Promise<{ externalId: string }>;
  status(externalName: string): Promise<ExternalJobStatus>;
  cancel(externalName: string): Promise<void>;
  /** The tail of the job's logs, where the target can read them. */
  logs?(
    externalName: string,
    options?: { tailLines?: number },
  ): Promise<string>;
  /**
   * Reclaims a running job as a spot provider would (it must resume from its
   * checkpoint); for demos and resume tests, where the target can simulate it.
   */
  simulatePreemption?(externalName: string): Promise<void>;
}

/**
 * Lets modules add compute targets to the ml backend plugin.
 *
 * @public
 */
export interface MlComputeTargetsExtensionPoint {
  addComputeTarget(...targets: ComputeTarget[]): void;
}

/**
 * Extension point for compute-target modules, e.g.
 * `mlComputeTargetsExtensionPoint.addComputeTarget(kubernetesTarget)`.
 *
 * @public
 */
export const mlComputeTargetsExtensionPoint =
  createExtensionPoint<MlComputeTargetsExtensionPoint>({
    id: 'ml.compute-targets',
  });

/**
 * The environment a target starts a job with: its plain env and where its checkpoint
 * lives (`CHECKPOINT_URI`, `CHECKPOINT_DIR` where the platform mounts it locally, and
 * `CHECKPOINT_INTERVAL_SECONDS`). Targets add their secret references on top.
 *
 * @public
 */
export function jobEnvironment(
  request: DispatchRequest,
  checkpoint?: { uri: string; dir?: string },
): Record<string, string> {
  const env: Record<string, string> = { ...request.env };
  if (checkpoint) {
    env.CHECKPOINT_URI = checkpoint.uri;
    if (checkpoint.dir !== undefined) env.CHECKPOINT_DIR = checkpoint.dir;
    if (request.checkpoint?.intervalSeconds)
      env.CHECKPOINT_INTERVAL_SECONDS = String(
        request.checkpoint.intervalSeconds,
      );
  }
  return env;
}

/**
 * The job's maximum runtime in whole seconds (rounded up), undefined when it has none.
 * Throws `InputError` when it is not positive.
 *
 * @public
 */
export function maxRuntimeSecondsOf(
  request: DispatchRequest,
): number | undefined {
  if (request.maxRuntimeSeconds === undefined) return undefined;
  const seconds = Math.ceil(request.maxRuntimeSeconds);
  if (!(seconds >= 1))
    throw new InputError('maxRuntimeSeconds must be positive');
  return seconds;
}

/**
 * `env` plus one `<NAME><suffix>` variable per secret of the request, holding its
 * reference (never its value), for targets whose jobs resolve secrets themselves.
 * Throws `InputError` when a secret's name is also a plain variable.
 *
 * @public
 */
export function withSecretReferences(
  env: Record<string, string>,
  request: DispatchRequest,
  suffix: string,
): Record<string, string> {
  const withRefs = { ...env };
  for (const { name, secretRef } of request.secretEnv) {
    const key = `${name}${suffix}`;
    if (name in withRefs || key in withRefs)
      throw new InputError(
        `Environment variable '${name}' is both a plain variable and a secret reference`,
      );
    withRefs[key] = secretRef;
  }
  return withRefs;
}
