import { JobServiceClient, protos } from '@google-cloud/aiplatform';
import { LoggerService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import {
  ComputeTarget,
  DispatchRequest,
  ExternalJobStatus,
  jobEnvironment,
  maxRuntimeSecondsOf,
} from '@ml-portal/plugin-ml-node';
import { GCP_LOCATION, GCS_URI, VertexTargetSettings } from './config';
import { toVertexLabelValue } from './labels';
import {
  apiError,
  callVertex,
  errorCode,
  FAILED_PRECONDITION,
  NOT_FOUND,
  vertexClientOptions,
} from './vertexApi';

type CustomJob = protos.google.cloud.aiplatform.v1.ICustomJob;
type AcceleratorType =
  keyof typeof protos.google.cloud.aiplatform.v1.AcceleratorType;
type JobState = keyof typeof protos.google.cloud.aiplatform.v1.JobState;

/** Where Vertex AI mounts Cloud Storage buckets in the container (Cloud Storage FUSE). */
const GCS_FUSE_ROOT = '/gcs';
/** The variable that carries the job's secret references, a JSON object `{NAME: version}`. */
const SECRET_REFS_ENV = 'ML_SECRET_REFS';
/** A Secret Manager secret version, or a secret (whose `latest` version is meant). */
const SECRET_REF = /^projects\/[^/]+\/secrets\/[^/]+(\/versions\/[^/]+)?$/;

/** Vertex AI's limits on a custom job: display name, environment (C identifiers). */
const MAX_DISPLAY_NAME_LENGTH = 128;
const MAX_ENV_ENTRIES = 100;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Label keys that tie a custom job to the platform's attempt, job and pool. Underscores,
 * not hyphens, so that `labels.<key>="<value>"` needs no quoting in a list filter.
 */
const LABEL_ATTEMPT = 'ml_portal_attempt';
const LABEL_JOB_ID = 'ml_portal_job';
const LABEL_POOL = 'ml_portal_pool';

/** Pool `gpuType`s (upper-cased) and the Vertex AI accelerator each stands for. */
const ACCELERATOR_TYPES: Record<string, AcceleratorType> = {
  A100: 'NVIDIA_TESLA_A100',
  'A100-80GB': 'NVIDIA_A100_80GB',
  H100: 'NVIDIA_H100_80GB',
  H200: 'NVIDIA_H200_141GB',
  B200: 'NVIDIA_B200',
  L4: 'NVIDIA_L4',
  T4: 'NVIDIA_TESLA_T4',
  V100: 'NVIDIA_TESLA_V100',
  P100: 'NVIDIA_TESLA_P100',
  P4: 'NVIDIA_TESLA_P4',
};

/** States in which a custom job does not run any more, or is being cancelled. */
const ENDED_STATES: ReadonlySet<string> = new Set<JobState>([
  'JOB_STATE_SUCCEEDED',
  'JOB_STATE_FAILED',
  'JOB_STATE_CANCELLING',
  'JOB_STATE_CANCELLED',
  'JOB_STATE_EXPIRED',
  'JOB_STATE_PARTIALLY_SUCCEEDED',
]);

/**
 * Vertex AI has no preemption state: its Spot VM documentation says a job whose spot VMs
 * are reclaimed fails with a `STOCKOUT` error (after Vertex has retried it). So a failed
 * job scheduled as `SPOT` whose error message says so counts as preempted; the rule is
 * inferred from that text, not from a documented field.
 */
const SPOT_PREEMPTION = /stockout|preempt/i;

/** How many external names the target remembers the job resource name of. */
const MAX_REMEMBERED_NAMES = 1000;

/**
 * The `vertex` compute target: runs each attempt as one Vertex AI custom job with one
 * worker pool of one replica, displayed as the attempt's external name and labelled with
 * it (see {@link toVertexLabelValue}).
 *
 * - Dispatch is idempotent, one running job per attempt: Vertex AI assigns job ids and
 *   `CreateCustomJob` takes no request id, so nothing makes a create conditional. The
 *   target first looks for the jobs labelled with the attempt (`ListCustomJobs` filtered
 *   on the label) and creates one only when there is none; two dispatches of one attempt
 *   racing each other can both get there and both create. So every dispatch lists the
 *   attempt's jobs again after creating, keeps the oldest (create time, then name: every
 *   dispatch picks the same one) and cancels the others before it returns; a job found
 *   by the first look gets the same treatment. As long as a list shows the jobs created
 *   before it (Vertex AI's job listing reads its own writes), each racer sees its own job
 *   and every older one, so all but the oldest are cancelled, by their creators at the
 *   latest. `status` follows the oldest and `cancel` cancels all.
 * - Secrets are passed by reference only: the variable `ML_SECRET_REFS` holds a JSON
 *   object from each `secretEnv` name to its Secret Manager version
 *   (`projects/<p>/secrets/<s>/versions/<v>`, `latest` when the reference names only the
 *   secret), which the container's entrypoint resolves with the job's service account
 *   and exports under the name. Values never leave Secret Manager.
 * - Spot pools use the `SPOT` scheduling strategy and restart the whole job when Vertex
 *   restarts its worker; checkpoints go to a `gs://` location the container reads and
 *   writes through Cloud Storage FUSE (`CHECKPOINT_DIR=/gcs/<bucket>/<path>`). Vertex
 *   reports no separate preemption state: a failed spot job whose error reads `STOCKOUT`
 *   or mentions preemption is reported as `preempted`, any other failure as `failed`.
 * - `logs` is not implemented: the jobs' logs are in Cloud Logging, for which this module
 *   has no client.
 *
 * The client speaks Vertex AI's REST transport (JSON over HTTP/1.1: the transport the
 * tests exercise against a fake, so production runs the code path they check) and finds
 * credentials with Application Default Credentials.
 *
 * @public
 */
export class VertexComputeTarget implements ComputeTarget {
  readonly id = 'vertex';

  /** External name to custom job resource name, for `GetCustomJob` instead of a list. */
  private readonly jobNames = new Map<string, string>();

  private constructor(
    private readonly client: JobServiceClient,
    private readonly settings: VertexTargetSettings,
    private readonly logger?: LoggerService,
  ) {}

  /** Builds the target and its client from `settings`. */
  static create(options: {
    settings: VertexTargetSettings;
    logger?: LoggerService;
  }): VertexComputeTarget {
    return new VertexComputeTarget(
      new JobServiceClient(vertexClientOptions(options.settings.apiEndpoint)),
      options.settings,
      options.logger,
    );
  }

  private get parent(): string {
    return `projects/${this.settings.project}/locations/${this.settings.location}`;
  }

  /** The CustomJob of an attempt; throws `InputError` when Vertex AI could not accept it. */
  buildCustomJob(request: DispatchRequest): CustomJob {
    const { pool, resources, externalName } = request;
    if (!externalName || externalName.length > MAX_DISPLAY_NAME_LENGTH) {
      throw new InputError(
        `The vertex target needs an external name of 1 to ${MAX_DISPLAY_NAME_LENGTH} characters, got ${externalName.length}`,
      );
    }
    if (!pool.instanceType) {
      throw new InputError(
        `Pool '${pool.name}' has no instanceType; the vertex target needs a machine type, e.g. a2-highgpu-1g`,
      );
    }
    if (
      GCP_LOCATION.test(pool.region) &&
      pool.region !== this.settings.location
    ) {
      throw new InputError(
        `Pool '${pool.name}' is in region ${pool.region}, but the vertex target runs jobs in ${this.settings.location}`,
      );
    }
    if (!request.image) {
      throw new InputError(
        'The vertex target needs a training image (an Artifact Registry image URI)',
      );
    }
    if (!Number.isInteger(resources.gpus) || resources.gpus < 0) {
      throw new InputError(
        `resources.gpus must be a whole number, got ${resources.gpus}`,
      );
    }
    if (resources.gpus > pool.gpusPerNode) {
      throw new InputError(
        `The vertex target runs one replica; pool '${pool.name}' has ${pool.gpusPerNode} GPUs per node, the job asks for ${resources.gpus}`,
      );
    }
    const maxRuntime = maxRuntimeSecondsOf(request);

    const key = toVertexLabelValue(externalName);
    const outputDirectory = `${this.settings.baseOutputDirectory}/${key}`;
    const checkpointUri =
      request.checkpoint?.uri ??
      (pool.spot ? `${outputDirectory}/checkpoints` : undefined);
    if (checkpointUri !== undefined && !GCS_URI.test(checkpointUri)) {
      throw new InputError(
        `The vertex target needs a gs:// checkpoint location, got '${checkpointUri}'`,
      );
    }

    return {
      displayName: externalName,
      labels: {
        [LABEL_ATTEMPT]: key,
        [LABEL_JOB_ID]: toVertexLabelValue(request.jobId),
        [LABEL_POOL]: toVertexLabelValue(pool.name),
      },
      jobSpec: {
        workerPoolSpecs: [
          {
            replicaCount: 1,
            machineSpec: {
              machineType: pool.instanceType,
              ...(resources.gpus > 0 && {
                acceleratorType: acceleratorType(pool.name, pool.gpuType),
                acceleratorCount: resources.gpus,
              }),
            },
            containerSpec: {
              imageUri: request.image,
              ...(request.command.length > 0 && { command: request.command }),
              env: buildEnv(request, checkpointUri),
            },
          },
        ],
        scheduling: {
          strategy: pool.spot ? 'SPOT' : 'STANDARD',
          // Spot: when Vertex restarts a reclaimed worker, the job restarts from its checkpoint.
          restartJobOnWorkerRestart: pool.spot,
          ...(maxRuntime !== undefined && { timeout: { seconds: maxRuntime } }),
        },
        baseOutputDirectory: { outputUriPrefix: outputDirectory },
        ...(this.settings.serviceAccount && {
          serviceAccount: this.settings.serviceAccount,
        }),
        ...(this.settings.network && { network: this.settings.network }),
      },
    };
  }

  async dispatch(request: DispatchRequest): Promise<{ externalId: string }> {
    const customJob = this.buildCustomJob(request);
    const { externalName } = request;
    let jobs = await this.list(externalName);
    if (jobs.length > 0) {
      // A replayed dispatch: the attempt already has its job.
      this.logger?.info(
        `vertex target found existing custom job ${jobs[0].name} for ${externalName}; not creating another`,
      );
    } else {
      const [job] = await callVertex('CreateCustomJob', externalName, () =>
        this.client.createCustomJob({ parent: this.parent, customJob }),
      );
      const machine = customJob.jobSpec!.workerPoolSpecs![0].machineSpec!;
      this.logger?.info(
        `vertex target created custom job ${job.name} for ${externalName} (${
          machine.machineType
        }${
          machine.acceleratorCount
            ? `, ${machine.acceleratorCount} x ${machine.acceleratorType}`
            : ''
        }${request.pool.spot ? ', spot' : ''})`,
      );
      // Another dispatch of the attempt may have created one too: look again.
      jobs = await this.list(externalName);
      if (!jobs.some(listed => listed.name === job.name)) {
        jobs = [...jobs, job].sort(byAge);
      }
    }
    const [kept, ...duplicates] = jobs;
    await this.cancelJobs(externalName, duplicates, 'a duplicate');
    this.remember(externalName, kept.name!);
    return { externalId: kept.name! };
  }

  async status(externalName: string): Promise<ExternalJobStatus> {
    const job = await this.find(externalName);
    if (!job) {
      return { state: 'not-found', reason: 'no such Vertex AI custom job' };
    }
    return toExternalJobStatus(job);
  }

  /** Cancels every live job of the attempt; a no-op when there is none, or it has ended. */
  async cancel(externalName: string): Promise<void> {
    await this.cancelJobs(externalName, await this.list(externalName));
  }

  private async cancelJobs(
    externalName: string,
    jobs: CustomJob[],
    what = 'custom job',
  ): Promise<void> {
    for (const job of jobs) {
      if (ENDED_STATES.has(String(job.state))) {
        continue;
      }
      try {
        await this.client.cancelCustomJob({ name: job.name });
        this.logger?.info(
          `vertex target cancelling ${what} ${job.name} of ${externalName}`,
        );
      } catch (error) {
        const code = errorCode(error);
        if (code === NOT_FOUND) {
          continue;
        }
        // Vertex refuses to cancel a job that ended since it was listed.
        const now = code === FAILED_PRECONDITION && (await this.get(job.name!));
        if (now && ENDED_STATES.has(String(now.state))) {
          continue;
        }
        throw apiError('CancelCustomJob', externalName, error);
      }
    }
  }

  /** Closes the client's connections. */
  async destroy(): Promise<void> {
    await this.client.close();
  }

  /** The attempt's job: by its remembered resource name, else by its label. */
  private async find(externalName: string): Promise<CustomJob | undefined> {
    const name = this.jobNames.get(externalName);
    const job = name ? await this.get(name) : undefined;
    if (job) {
      return job;
    }
    this.jobNames.delete(externalName);
    const [oldest] = await this.list(externalName);
    if (oldest) {
      this.remember(externalName, oldest.name!);
    }
    return oldest;
  }

  /** The attempt's jobs, oldest first. */
  private async list(externalName: string): Promise<CustomJob[]> {
    const filter = `labels.${LABEL_ATTEMPT}="${toVertexLabelValue(
      externalName,
    )}"`;
    const [jobs] = await callVertex('ListCustomJobs', externalName, () =>
      this.client.listCustomJobs({ parent: this.parent, filter }),
    );
    return jobs.filter(job => job.displayName === externalName).sort(byAge);
  }

  private async get(name: string): Promise<CustomJob | undefined> {
    try {
      const [job] = await this.client.getCustomJob({ name });
      return job;
    } catch (error) {
      if (errorCode(error) === NOT_FOUND) {
        return undefined;
      }
      throw apiError('GetCustomJob', name, error);
    }
  }

  private remember(externalName: string, name: string): void {
    this.jobNames.delete(externalName);
    this.jobNames.set(externalName, name);
    if (this.jobNames.size > MAX_REMEMBERED_NAMES) {
      this.jobNames.delete(this.jobNames.keys().next().value!);
    }
  }
}

/** Maps a CustomJob to the platform's view of the attempt. */
function toExternalJobStatus(job: CustomJob): ExternalJobStatus {
  const base = {
    startedAt: toDate(job.startTime),
    finishedAt: toDate(job.endTime),
    instanceType:
      job.jobSpec?.workerPoolSpecs?.[0]?.machineSpec?.machineType ?? undefined,
  };
  const message = job.error?.message || undefined;

  switch (job.state as JobState) {
    case 'JOB_STATE_SUCCEEDED':
      return { ...base, state: 'succeeded' };
    case 'JOB_STATE_RUNNING':
    case 'JOB_STATE_UPDATING':
      return { ...base, state: 'running' };
    case 'JOB_STATE_FAILED':
      if (
        job.jobSpec?.scheduling?.strategy === 'SPOT' &&
        message &&
        SPOT_PREEMPTION.test(message)
      ) {
        return {
          ...base,
          state: 'preempted',
          reason: `spot VMs reclaimed: ${message}`,
        };
      }
      return {
        ...base,
        state: 'failed',
        reason: message ?? 'Vertex AI reports the job failed',
      };
    case 'JOB_STATE_EXPIRED':
      return { ...base, state: 'failed', reason: message ?? 'the job expired' };
    case 'JOB_STATE_PARTIALLY_SUCCEEDED':
      return {
        ...base,
        state: 'failed',
        reason: message ?? 'the job partially succeeded',
      };
    case 'JOB_STATE_CANCELLING':
    case 'JOB_STATE_CANCELLED':
      return { ...base, state: 'failed', reason: 'cancelled' };
    case 'JOB_STATE_QUEUED':
      return {
        ...base,
        state: 'pending',
        reason: 'queued: waiting for custom training quota',
      };
    case 'JOB_STATE_PAUSED':
      return { ...base, state: 'pending', reason: 'paused' };
    case 'JOB_STATE_PENDING':
    default:
      return { ...base, state: 'pending', reason: 'provisioning the worker' };
  }
}

function acceleratorType(poolName: string, gpuType: string): AcceleratorType {
  const type = ACCELERATOR_TYPES[gpuType.toUpperCase()];
  if (!type) {
    throw new InputError(
      `Pool '${poolName}' has gpuType '${gpuType}', which the vertex target cannot map to a Vertex AI accelerator; known types: ${Object.keys(
        ACCELERATOR_TYPES,
      ).join(', ')}`,
    );
  }
  return type;
}

/**
 * The container's environment: its plain env, the checkpoint location, and the secret
 * references in `ML_SECRET_REFS`. Enforces Vertex AI's limits up front.
 */
function buildEnv(
  request: DispatchRequest,
  checkpointUri: string | undefined,
): Array<{ name: string; value: string }> {
  const env = jobEnvironment(
    request,
    checkpointUri === undefined
      ? undefined
      : { uri: checkpointUri, dir: toGcsFusePath(checkpointUri) },
  );
  if (request.secretEnv.length > 0) {
    if (SECRET_REFS_ENV in env) {
      throw new InputError(
        `Environment variable '${SECRET_REFS_ENV}' is reserved for secret references`,
      );
    }
    const refs: Record<string, string> = {};
    for (const { name, secretRef } of request.secretEnv) {
      if (name in env || name in refs) {
        throw new InputError(
          `Environment variable '${name}' is set more than once (as a plain variable or secret)`,
        );
      }
      if (!SECRET_REF.test(secretRef)) {
        // Refusing anything else also keeps a secret value passed by mistake out of the job.
        throw new InputError(
          `Secret '${name}' must reference a Secret Manager secret (projects/<project>/secrets/<secret>[/versions/<version>])`,
        );
      }
      refs[name] = secretRef.includes('/versions/')
        ? secretRef
        : `${secretRef}/versions/latest`;
    }
    env[SECRET_REFS_ENV] = JSON.stringify(refs);
  }

  const count = Object.keys(env).length;
  if (count > MAX_ENV_ENTRIES) {
    throw new InputError(
      `Vertex AI allows at most ${MAX_ENV_ENTRIES} environment variables; this job has ${count}`,
    );
  }
  // Secret names too: the entrypoint exports each secret under its name.
  const invalid = [
    ...Object.keys(env),
    ...request.secretEnv.map(secret => secret.name),
  ].find(name => !ENV_NAME.test(name));
  if (invalid !== undefined) {
    throw new InputError(
      `Environment variable name '${invalid.slice(
        0,
        64,
      )}' is not accepted by Vertex AI (a C identifier: letters, digits and _)`,
    );
  }
  return Object.entries(env).map(([name, value]) => ({ name, value }));
}

/** `gs://bucket/path` as the container sees it through Cloud Storage FUSE: `/gcs/bucket/path`. */
function toGcsFusePath(uri: string): string {
  return `${GCS_FUSE_ROOT}/${uri.slice('gs://'.length)}`;
}

type Timestamp = protos.google.protobuf.ITimestamp | null | undefined;

/** Oldest first: by create time, then by name, so every caller orders alike. */
function byAge(a: CustomJob, b: CustomJob): number {
  return (
    seconds(a.createTime) - seconds(b.createTime) ||
    (a.name ?? '').localeCompare(b.name ?? '')
  );
}

function seconds(time: Timestamp): number {
  return Number(time?.seconds ?? 0) + (time?.nanos ?? 0) / 1e9;
}

function toDate(time: Timestamp): Date | undefined {
  return time ? new Date(seconds(time) * 1000) : undefined;
}
