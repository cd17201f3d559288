import {
  AmlCompute,
  AzureMachineLearningWorkspaces,
  CommandJob,
  JobBase,
} from '@azure/arm-machinelearning';
import { TokenCredential } from '@azure/core-auth';
import { LoggerService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import {
  ComputeTarget,
  DispatchRequest,
  ExternalJobStatus,
  GpuPool,
} from '@ml-portal/plugin-ml-node';
import { AzureMlTargetSettings, isLoopbackHttp } from './config';
import { toAzureMlJobName } from './jobName';
import { IMAGE_ENVIRONMENT, planJob, TAG_ATTEMPT_ID } from './jobSpec';
import { hasRunDetails, RunDetails, toExternalJobStatus } from './jobStatus';
import {
  azureMlError,
  createWorkspaceClient,
  isResourceMissing,
  readOptional,
  tokenOf,
} from './workspaceClient';

/** Hosts of Azure ML's regional APIs (run history), public and sovereign clouds. */
const AZUREML_API_HOST = /\.api\.(azureml\.ms|ml\.azure\.us|ml\.azure\.cn)$/;
const ENDED = new Set(['Completed', 'Failed', 'Canceled', 'CancelRequested']);
const RUN_DETAILS_TIMEOUT_MS = 30_000;

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
    /** Outputs of jobs being created, by job name, for the client to restore (see workspaceClient.ts). */
    private readonly outputsByJob: Map<string, CommandJob['outputs']>,
    private readonly logger?: LoggerService,
  ) {
    const { subscriptionId, resourceGroup, workspace } = settings;
    this.workspaceId = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${workspace}`;
  }

  /** Builds the target and its workspace client (see {@link createWorkspaceClient}). */
  static create(options: {
    settings: AzureMlTargetSettings;
    credential: TokenCredential;
    logger?: LoggerService;
  }): AzureMlComputeTarget {
    const { client, outputsByJob } = createWorkspaceClient(options);
    return new AzureMlComputeTarget(
      client,
      options.credential,
      options.settings,
      outputsByJob,
      options.logger,
    );
  }

  async dispatch(request: DispatchRequest): Promise<{ externalId: string }> {
    const plan = planJob(request, this.workspaceId, this.settings);
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
      throw azureMlError(this.settings.workspace, `create job ${name}`, error);
    }
  }

  async status(externalName: string): Promise<ExternalJobStatus> {
    const name = toAzureMlJobName(externalName);
    const job = await this.getJob(name);
    if (!job) {
      return { state: 'not-found', reason: 'no such Azure ML job' };
    }
    const status = job.properties.status ?? 'Unknown';
    const run = hasRunDetails(status)
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
      if (isResourceMissing(error)) {
        return;
      }
      const job = await this.getJob(name);
      if (job && !ENDED.has(job.properties.status ?? '')) {
        throw azureMlError(
          this.settings.workspace,
          `cancel job ${name}`,
          error,
        );
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

  private getJob(name: string): Promise<JobBase | undefined> {
    return readOptional(this.settings.workspace, `read job ${name}`, () =>
      this.client.jobs.get(
        this.settings.resourceGroup,
        this.settings.workspace,
        name,
      ),
    );
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
      if (isResourceMissing(error)) {
        throw new InputError(
          `Pool '${pool.name}' names compute cluster '${cluster}', which workspace ${this.settings.workspace} does not have`,
        );
      }
      throw azureMlError(
        this.settings.workspace,
        `read compute ${cluster}`,
        error,
      );
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
      throw azureMlError(
        this.settings.workspace,
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
}
