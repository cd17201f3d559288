import { createHash } from 'node:crypto';
import {
  AmlCompute,
  AzureMachineLearningWorkspaces,
  CommandJob,
  JobBase,
} from '@azure/arm-machinelearning';
import { TokenCredential } from '@azure/core-auth';
import { LoggerService } from '@backstage/backend-plugin-api';
import { ForwardedError, InputError } from '@backstage/errors';
import {
  ComputeTarget,
  DispatchRequest,
  ExternalJobStatus,
  GpuPool,
  jobEnvironment,
} from '@ml-portal/plugin-ml-node';
import { toCommandLine } from './commandLine';
import { AzureMlTargetSettings, isLoopbackHttp } from './config';
import { toAzureMlJobName } from './jobName';

/** Anonymous environments wrapping a job's image are versions of this environment. */
const IMAGE_ENVIRONMENT = 'ml-portal-image';
/** The output binding that mounts the checkpoint location read-write. */
const CHECKPOINT_OUTPUT = 'checkpoints';
const PREEMPTED_REASON = 'low-priority nodes preempted';

const ENV_KEY = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** A Key Vault secret identifier, optionally with its version. */
const KEY_VAULT_SECRET_ID =
  /^https:\/\/[a-z0-9-]{3,24}\.vault\.(azure\.net|azure\.cn|usgovcloudapi\.net|microsoftazure\.de)\/secrets\/[a-z0-9-]{1,127}(\/[0-9a-f]{32})?$/i;
/** A compute name that is safe to put into an ARM id. */
const COMPUTE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,254}$/;
/** Locations Azure ML can mount as a `uri_folder` output. */
const AZURE_STORAGE_URI =
  /^(azureml:\/\/|https:\/\/[a-z0-9]+\.(blob|dfs)\.core\.[a-z.]+\/|abfss?:\/\/|wasbs?:\/\/)/i;
/** Hosts of Azure ML's regional APIs (run history), public and sovereign clouds. */
const AZUREML_API_HOST = /\.api\.(azureml\.ms|ml\.azure\.us|ml\.azure\.cn)$/;
/** ARM error codes of a 404 that means the workspace, not the job, is missing. */
const PARENT_NOT_FOUND = new Set([
  'SubscriptionNotFound',
  'ResourceGroupNotFound',
  'ParentResourceNotFound',
  'WorkspaceNotFound',
]);
const ENDED = new Set(['Completed', 'Failed', 'Canceled', 'CancelRequested']);
/** Statuses whose run details add something: start and end times, the error. */
const WITH_RUN_DETAILS = new Set([
  'Running',
  'Finalizing',
  'NotResponding',
  'Completed',
  'Failed',
  'Canceled',
]);
const RUN_DETAILS_TIMEOUT_MS = 30_000;

/** Tag keys that tie an Azure ML job to the platform's job, attempt and pool. */
const TAG_JOB_ID = 'ml.platform/job-id';
const TAG_ATTEMPT_ID = 'ml.platform/attempt-id';
const TAG_POOL = 'ml.platform/pool';

/** What run history reports about a job's run (`runs/{name}/details`), as far as read here. */
type RunDetails = {
  startTimeUtc?: string;
  endTimeUtc?: string;
  error?: { error?: RunError };
};
type RunError = { code?: string; message?: string; innerError?: RunError };

/** A job to create, with what must exist before it can be. */
type JobPlan = {
  name: string;
  job: JobBase;
  cluster: string;
  /** The anonymous environment that wraps the job's image, when it brings one. */
  environment?: { version: string; image: string };
};

/**
 * The `azureml` compute target: runs each attempt as one Azure Machine Learning command
 * job named after the attempt's external name (see {@link toAzureMlJobName}), on the
 * compute cluster the pool's `instanceType` names, one node per attempt.
 *
 * - Dispatch is idempotent: job names are chosen by the caller, so dispatch reads the
 *   job first and returns it when it exists (a replayed dispatch), and reads it again
 *   when creating fails, in case a concurrent dispatch won.
 * - Images: a command job needs an environment, so a job's image is wrapped in an
 *   anonymous environment version (`ml-portal-image`, version = hash of the image),
 *   registered before the job. Jobs without an image use the configured `environment`.
 * - Spot: on a compute cluster, low priority is the cluster's VM priority; a job cannot
 *   choose it (`queueSettings.jobTier` is for serverless compute and not in this API
 *   version). Dispatch therefore checks that spot pools name `LowPriority` clusters and
 *   other pools `Dedicated` ones.
 * - Secrets are passed by reference only: a `secretEnv` entry `NAME` becomes the
 *   variable `NAME_SECRET_ID` holding the Key Vault secret identifier, which the
 *   entrypoint resolves with the cluster's managed identity. Values never leave Key Vault.
 * - Checkpoints are an output binding mounted read-write (`CHECKPOINT_DIR`, exported by
 *   the command line) over `CHECKPOINT_URI`; relative locations are paths in the
 *   configured datastore.
 * - Status comes from the job resource; start and end times and the error come from the
 *   run's details in run history (best effort). A run that failed with Azure ML's
 *   `PreemptionError` is reported as `preempted`.
 *
 * The credential is used for Azure Resource Manager and run history alike.
 *
 * @public
 */
export class AzureMlComputeTarget implements ComputeTarget {
  readonly id = 'azureml';
  private readonly workspaceId: string;
  /** Clusters whose VM priority matched a pool, as `<cluster>:<spot>` (priorities never change). */
  private readonly checkedClusters = new Set<string>();
  private readonly registeredEnvironments = new Set<string>();

  private constructor(
    private readonly client: AzureMachineLearningWorkspaces,
    private readonly credential: TokenCredential,
    private readonly settings: AzureMlTargetSettings,
    /** Outputs of jobs being created, by job name, for {@link restoreJobOutputs}. */
    private readonly outputsByJob: Map<string, CommandJob['outputs']>,
    private readonly logger?: LoggerService,
  ) {
    const { subscriptionId, resourceGroup, workspace } = settings;
    this.workspaceId = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${workspace}`;
  }

  /**
   * Builds the target and its client. The token is sent over TLS only, except to an
   * `http://` loopback endpoint (local fakes): the SDK's bearer policy refuses any
   * non-https URL, even with `allowInsecureConnection`, so for such an endpoint it is
   * replaced by one that refuses any URL but a loopback one. The client also gets
   * {@link restoreJobOutputs}.
   */
  static create(options: {
    settings: AzureMlTargetSettings;
    credential: TokenCredential;
    logger?: LoggerService;
  }): AzureMlComputeTarget {
    const { settings, credential } = options;
    const loopback = isLoopbackHttp(settings.endpoint);
    const client = new AzureMachineLearningWorkspaces(
      credential,
      settings.subscriptionId,
      {
        $host: settings.endpoint,
        endpoint: settings.endpoint,
        allowInsecureConnection: loopback,
      },
    );
    if (loopback) {
      client.pipeline.removePolicy({ name: 'bearerTokenAuthenticationPolicy' });
      client.pipeline.addPolicy(
        {
          name: 'loopbackBearerTokenPolicy',
          async sendRequest(request, next) {
            if (!isLoopbackHttp(request.url)) {
              throw new Error(
                `Refusing to send a token to ${request.url}: only loopback URLs may be plain http`,
              );
            }
            request.headers.set(
              'authorization',
              `Bearer ${await tokenOf(credential, settings)}`,
            );
            return next(request);
          },
        },
        { phase: 'Sign' },
      );
    }
    const outputsByJob = new Map<string, CommandJob['outputs']>();
    client.pipeline.addPolicy(restoreJobOutputs(outputsByJob), {
      afterPhase: 'Serialize',
    });
    return new AzureMlComputeTarget(
      client,
      credential,
      settings,
      outputsByJob,
      options.logger,
    );
  }

  /** The job an attempt becomes; throws `InputError` when Azure ML could not accept it. */
  private planJob(request: DispatchRequest): JobPlan {
    const { pool, resources } = request;
    const name = toAzureMlJobName(request.externalName);
    const cluster = clusterOf(pool);
    if (resources.gpus > Math.max(1, pool.gpusPerNode)) {
      throw new InputError(
        `The azureml target runs a job on one node; pool '${pool.name}' has ${pool.gpusPerNode} GPUs per node, the job asks for ${resources.gpus}`,
      );
    }
    let environment: JobPlan['environment'];
    let environmentId: string;
    if (request.image) {
      environment = {
        image: request.image,
        version: createHash('sha256')
          .update(request.image)
          .digest('hex')
          .slice(0, 32),
      };
      environmentId = `${this.workspaceId}/environments/${IMAGE_ENVIRONMENT}/versions/${environment.version}`;
    } else if (this.settings.environment) {
      environmentId = this.settings.environment;
    } else {
      throw new InputError(
        'The azureml target needs an image, or ml.targets.azureml.environment for jobs without one',
      );
    }
    const maxRuntime =
      request.maxRuntimeSeconds === undefined
        ? undefined
        : Math.ceil(request.maxRuntimeSeconds);
    if (maxRuntime !== undefined && !(maxRuntime >= 1)) {
      throw new InputError('maxRuntimeSeconds must be positive');
    }
    const checkpointUri =
      request.checkpoint && this.checkpointUri(request.checkpoint.uri);

    let command = toCommandLine(request.command);
    if (checkpointUri !== undefined) {
      // Only the command line can name where Azure ML mounts an output.
      command = `export CHECKPOINT_DIR="\${{outputs.${CHECKPOINT_OUTPUT}}}" && ${command}`;
    }

    const properties: CommandJob = {
      jobType: 'Command',
      displayName: `${request.jobId} ${request.attemptId}`,
      experimentName: this.settings.experimentName,
      computeId: `${this.workspaceId}/computes/${cluster}`,
      environmentId,
      command,
      environmentVariables: buildEnvironment(request, checkpointUri),
      resources: { instanceCount: 1 },
      ...(maxRuntime !== undefined && {
        limits: { jobLimitsType: 'Command', timeout: isoDuration(maxRuntime) },
      }),
      ...(checkpointUri !== undefined && {
        outputs: {
          [CHECKPOINT_OUTPUT]: {
            jobOutputType: 'uri_folder',
            mode: 'ReadWriteMount',
            uri: checkpointUri,
            description: 'Checkpoints, shared by all attempts of the job',
          },
        },
      }),
      tags: {
        [TAG_JOB_ID]: request.jobId,
        [TAG_ATTEMPT_ID]: request.attemptId,
        [TAG_POOL]: pool.name,
      },
    };
    return { name, job: { properties }, cluster, environment };
  }

  async dispatch(request: DispatchRequest): Promise<{ externalId: string }> {
    const plan = this.planJob(request);
    const { name } = plan;
    const existing = await this.getJob(name);
    if (existing) {
      return this.replayed(existing, request);
    }
    await this.checkCluster(request.pool, plan.cluster);
    if (plan.environment) {
      await this.registerImageEnvironment(plan.environment);
    }
    try {
      this.outputsByJob.set(name, (plan.job.properties as CommandJob).outputs);
      const created = await this.client.jobs
        .createOrUpdate(
          this.settings.resourceGroup,
          this.settings.workspace,
          name,
          plan.job,
        )
        .finally(() => this.outputsByJob.delete(name));
      this.logger?.info(
        `azureml target created job ${name} on cluster ${plan.cluster}${
          request.pool.spot ? ' (low priority)' : ''
        }`,
      );
      return { externalId: created.id ?? name };
    } catch (error) {
      // A concurrent dispatch of the same attempt may have created it first.
      const raced = await this.getJob(name).catch(() => undefined);
      if (raced) {
        return this.replayed(raced, request);
      }
      throw this.azureError(`create job ${name}`, error);
    }
  }

  async status(externalName: string): Promise<ExternalJobStatus> {
    const name = toAzureMlJobName(externalName);
    const job = await this.getJob(name);
    if (!job) {
      return { state: 'not-found', reason: 'no such Azure ML job' };
    }
    const status = job.properties.status ?? 'Unknown';
    const run = WITH_RUN_DETAILS.has(status)
      ? await this.runDetails(job, name)
      : undefined;
    return toExternalJobStatus(job, status, run);
  }

  /**
   * Asks Azure ML to cancel the job and returns once it accepted; the job passes through
   * `CancelRequested` to `Canceled` on its own, which `status` reports. Cancelling a
   * job that is missing or has ended does nothing.
   */
  async cancel(externalName: string): Promise<void> {
    const name = toAzureMlJobName(externalName);
    try {
      // Sends the request and polls its Location once; the poller is not awaited.
      await this.client.jobs.beginCancel(
        this.settings.resourceGroup,
        this.settings.workspace,
        name,
      );
      this.logger?.info(`azureml target cancelling job ${name}`);
    } catch (error) {
      if (isJobMissing(error)) {
        return;
      }
      const job = await this.getJob(name);
      if (job && !ENDED.has(job.properties.status ?? '')) {
        throw this.azureError(`cancel job ${name}`, error);
      }
    }
  }

  // logs: not implemented. Azure ML keeps a job's output as files in the workspace's
  // artifact store (user_logs/std_log.txt), reached through run history and storage
  // SAS links rather than one call; the studio link is in the job's `Studio` service.

  private replayed(job: JobBase, request: DispatchRequest) {
    const owner = job.properties.tags?.[TAG_ATTEMPT_ID];
    if (owner && owner !== request.attemptId) {
      throw new Error(
        `Azure ML job ${job.name} belongs to attempt ${owner}, not ${request.attemptId}`,
      );
    }
    this.logger?.info(
      `azureml target found existing job ${job.name}; not creating another`,
    );
    return { externalId: job.id ?? job.name ?? request.externalName };
  }

  private async getJob(name: string): Promise<JobBase | undefined> {
    try {
      return await this.client.jobs.get(
        this.settings.resourceGroup,
        this.settings.workspace,
        name,
      );
    } catch (error) {
      if (isJobMissing(error)) {
        return undefined;
      }
      throw this.azureError(`read job ${name}`, error);
    }
  }

  /** Checks once per cluster that it exists and that its VM priority matches the pool. */
  private async checkCluster(pool: GpuPool, cluster: string): Promise<void> {
    const key = `${cluster}:${pool.spot}`;
    if (this.checkedClusters.has(key)) {
      return;
    }
    let compute;
    try {
      compute = await this.client.computeOperations.get(
        this.settings.resourceGroup,
        this.settings.workspace,
        cluster,
      );
    } catch (error) {
      if (isJobMissing(error)) {
        throw new InputError(
          `Pool '${pool.name}' names compute cluster '${cluster}', which workspace ${this.settings.workspace} does not have`,
        );
      }
      throw this.azureError(`read compute ${cluster}`, error);
    }
    const properties = compute.properties;
    const priority =
      properties?.computeType === 'AmlCompute'
        ? (properties as AmlCompute).properties?.vmPriority ?? 'Dedicated'
        : undefined;
    if (pool.spot && priority !== 'LowPriority') {
      throw new InputError(
        `Pool '${
          pool.name
        }' is spot, but compute '${cluster}' does not run low-priority VMs (${
          priority ?? properties?.computeType
        }); spot pools need an AmlCompute cluster with vmPriority LowPriority`,
      );
    }
    if (!pool.spot && priority === 'LowPriority') {
      throw new InputError(
        `Pool '${pool.name}' is not spot, but compute cluster '${cluster}' runs low-priority VMs, which Azure may preempt`,
      );
    }
    this.checkedClusters.add(key);
  }

  /** Registers the anonymous environment of an image (idempotent: same image, same version). */
  private async registerImageEnvironment(environment: {
    version: string;
    image: string;
  }): Promise<void> {
    const { version, image } = environment;
    if (this.registeredEnvironments.has(version)) {
      return;
    }
    try {
      await this.client.environmentVersions.createOrUpdate(
        this.settings.resourceGroup,
        this.settings.workspace,
        IMAGE_ENVIRONMENT,
        version,
        { properties: { image, isAnonymous: true, osType: 'Linux' } },
      );
    } catch (error) {
      throw this.azureError(
        `register an environment for image ${image}`,
        error,
      );
    }
    this.registeredEnvironments.add(version);
  }

  /**
   * The run's details from run history, whose host the job's `Tracking` service names;
   * `undefined`, with a warning, when they cannot be read: the job's status stands.
   */
  private async runDetails(
    job: JobBase,
    name: string,
  ): Promise<RunDetails | undefined> {
    const base = this.runHistoryBase(
      job.properties.services?.Tracking?.endpoint,
    );
    if (!base) {
      return undefined;
    }
    const url = `${base}/history/v1.0${
      this.workspaceId
    }/runs/${encodeURIComponent(name)}/details`;
    try {
      const token = await tokenOf(this.credential, this.settings);
      const response = await fetch(url, {
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
        },
        signal: AbortSignal.timeout(RUN_DETAILS_TIMEOUT_MS),
      });
      if (!response.ok) {
        throw new Error(
          `${response.status} ${(await response.text()).slice(0, 200)}`,
        );
      }
      return (await response.json()) as RunDetails;
    } catch (error) {
      this.logger?.warn(
        `azureml target could not read the run details of job ${name}, reporting its status without times or error: ${error}`,
      );
      return undefined;
    }
  }

  /**
   * `https://<host>` of the `azureml://<host>/mlflow/...` tracking endpoint, when the
   * host is an Azure ML API host (or, with a loopback endpoint, a loopback one, over
   * http): the token is never sent anywhere else.
   */
  private runHistoryBase(tracking: string | undefined): string | undefined {
    const match = /^azureml:\/\/([^/?#]+)/.exec(tracking ?? '');
    if (!match) {
      return undefined;
    }
    const host = match[1];
    if (AZUREML_API_HOST.test(host)) {
      return `https://${host}`;
    }
    const loopback = `http://${host}`;
    return isLoopbackHttp(this.settings.endpoint) && isLoopbackHttp(loopback)
      ? loopback
      : undefined;
  }

  /** The checkpoint location as a URI Azure ML mounts; relative paths are in the datastore. */
  private checkpointUri(uri: string): string {
    if (AZURE_STORAGE_URI.test(uri)) {
      return uri;
    }
    const path = uri.replace(/^(\.\/)+/, '');
    if (
      !/^[a-z][a-z0-9+.-]*:/i.test(uri) &&
      !uri.startsWith('/') &&
      path !== '' &&
      !path.split('/').includes('..')
    ) {
      return `azureml://datastores/${this.settings.checkpointDatastore}/paths/${path}`;
    }
    throw new InputError(
      `The azureml target needs a checkpoint location in Azure storage (azureml://, https://<account>.blob.core.windows.net/..., abfss://) or a path relative to datastore ${this.settings.checkpointDatastore}, got '${uri}'`,
    );
  }

  private azureError(action: string, error: unknown): Error {
    const { statusCode, code } = error as {
      statusCode?: number;
      code?: string;
    };
    const detail = [statusCode, code].filter(Boolean).join(' ');
    return new ForwardedError(
      `Azure ML could not ${action} in workspace ${this.settings.workspace}${
        detail ? ` (${detail})` : ''
      }`,
      error,
    );
  }
}

/**
 * Works around a bug of `@azure/arm-machinelearning` 2.1.1 (Azure/azure-sdk-for-js#29328):
 * its serializer looks up `uri_folder` outputs as `JobOutput.uri_folder` but registers
 * them as `AssetJobOutput.uri_folder`, so it sends them without `uri` and `mode`, and
 * Azure ML would write the checkpoints to a default location. After serialization, this
 * policy puts back the outputs the target built into the PUT of the job being created.
 */
function restoreJobOutputs(
  outputsByJob: Map<string, CommandJob['outputs']>,
): Parameters<AzureMachineLearningWorkspaces['pipeline']['addPolicy']>[0] {
  return {
    name: 'restoreJobOutputs',
    async sendRequest(request, next) {
      const name = /\/jobs\/([^/]+)$/.exec(new URL(request.url).pathname)?.[1];
      const outputs =
        request.method === 'PUT' && name
          ? outputsByJob.get(decodeURIComponent(name))
          : undefined;
      if (outputs && typeof request.body === 'string') {
        const body = JSON.parse(request.body);
        body.properties.outputs = outputs;
        request.body = JSON.stringify(body);
      }
      return next(request);
    },
  };
}

/** Maps a job and its run's details to the platform's view of the attempt. */
function toExternalJobStatus(
  job: JobBase,
  status: string,
  run: RunDetails | undefined,
): ExternalJobStatus {
  const computeId = job.properties.computeId;
  const base = {
    startedAt: date(run?.startTimeUtc),
    finishedAt: date(run?.endTimeUtc),
    instanceType: computeId?.slice(computeId.lastIndexOf('/') + 1),
  };
  const error = run?.error?.error;

  switch (status) {
    case 'Completed':
      return { ...base, state: 'succeeded' };
    case 'Failed': {
      if (error && isPreemption(error)) {
        // Azure ML gave up on the run after its low-priority nodes were reclaimed: the
        // platform may resume it from its checkpoint.
        return {
          ...base,
          state: 'preempted',
          reason: `${PREEMPTED_REASON}: ${error.message ?? error.code}`,
        };
      }
      const studio = job.properties.services?.Studio?.endpoint;
      return {
        ...base,
        state: 'failed',
        reason:
          error?.message ??
          `Azure ML reports the job Failed${studio ? `; see ${studio}` : ''}`,
      };
    }
    case 'CancelRequested':
    case 'Canceled':
      return { ...base, state: 'failed', reason: 'cancelled' };
    case 'Running':
    case 'Finalizing':
      return { ...base, state: 'running' };
    case 'NotResponding':
      // Azure ML lost the job's heartbeat; the job may recover, so it is not failed.
      return {
        ...base,
        state: 'running',
        reason: 'NotResponding: Azure ML gets no heartbeat from the job',
      };
    default:
      // NotStarted, Starting, Provisioning, Preparing, Queued (waiting for nodes or
      // setting up), Paused, Unknown: not running yet.
      return { ...base, state: 'pending', reason: status };
  }
}

/** Azure ML fails a run whose nodes were preempted with `PreemptionError: Nodes of this job got pre-empted...`. */
function isPreemption(error: RunError): boolean {
  for (let e: RunError | undefined = error; e; e = e.innerError) {
    if (/PreemptionError|\bpre-?empted\b/i.test(`${e.code} ${e.message}`)) {
      return true;
    }
  }
  return false;
}

/**
 * The job's environment variables: its plain env, the checkpoint location, and one
 * `<NAME>_SECRET_ID` Key Vault reference per secret.
 */
function buildEnvironment(
  request: DispatchRequest,
  checkpointUri: string | undefined,
): Record<string, string> {
  // CHECKPOINT_DIR is the mounted output, exported by the command line.
  const env = jobEnvironment(
    request,
    checkpointUri === undefined ? undefined : { uri: checkpointUri },
  );
  for (const { name, secretRef } of request.secretEnv) {
    if (!KEY_VAULT_SECRET_ID.test(secretRef)) {
      throw new InputError(
        `secretEnv ${name}: the azureml target needs a Key Vault secret identifier (https://<vault>.vault.azure.net/secrets/<name>[/<version>]), got '${secretRef}'`,
      );
    }
    const key = `${name}_SECRET_ID`;
    if (name in env || key in env) {
      throw new InputError(
        `Environment variable '${name}' is both a plain variable and a secret reference`,
      );
    }
    env[key] = secretRef;
  }
  for (const key of Object.keys(env)) {
    if (!ENV_KEY.test(key)) {
      throw new InputError(
        `Environment variable name '${key.slice(
          0,
          64,
        )}' is not accepted (letters, digits and _, not starting with a digit)`,
      );
    }
  }
  return env;
}

function clusterOf(pool: GpuPool): string {
  const cluster = pool.instanceType;
  if (!cluster) {
    throw new InputError(
      `Pool '${pool.name}' has no instanceType; the azureml target needs the name of a compute cluster there`,
    );
  }
  if (!COMPUTE_NAME.test(cluster)) {
    throw new InputError(
      `Pool '${pool.name}' has instanceType '${cluster}', which is not an Azure ML compute name`,
    );
  }
  return cluster;
}

/** `seconds` as an ISO-8601 duration, e.g. `PT1H30M`, `P1DT2H`. */
function isoDuration(seconds: number): string {
  const parts: Array<[number, string]> = [
    [Math.floor(seconds / 86400), 'D'],
    [Math.floor((seconds % 86400) / 3600), 'H'],
    [Math.floor((seconds % 3600) / 60), 'M'],
    [seconds % 60, 'S'],
  ];
  const text = ([value, unit]: [number, string]) =>
    value ? `${value}${unit}` : '';
  const time = parts.slice(1).map(text).join('');
  return `P${text(parts[0])}${time ? `T${time}` : ''}`;
}

/** A token for Azure Resource Manager, whose audience run history accepts too. */
async function tokenOf(
  credential: TokenCredential,
  settings: AzureMlTargetSettings,
): Promise<string> {
  const token = await credential.getToken(`${settings.endpoint}/.default`);
  if (!token) {
    throw new Error('The Azure credential returned no token');
  }
  return token.token;
}

function date(value: string | undefined): Date | undefined {
  return value ? new Date(value) : undefined;
}

/** A 404 about the job (or compute) itself, not about the workspace holding it. */
function isJobMissing(error: unknown): boolean {
  const { statusCode, code } = error as { statusCode?: number; code?: string };
  return statusCode === 404 && !PARENT_NOT_FOUND.has(code ?? '');
}
