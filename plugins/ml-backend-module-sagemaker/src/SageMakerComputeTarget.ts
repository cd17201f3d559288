import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateTrainingJobCommand,
  CreateTrainingJobCommandInput,
  DescribeTrainingJobCommand,
  DescribeTrainingJobCommandOutput,
  SageMakerClient,
  StopTrainingJobCommand,
  TrainingInstanceType,
} from '@aws-sdk/client-sagemaker';
import { LoggerService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import {
  ComputeTarget,
  DispatchRequest,
  ExternalJobStatus,
  jobEnvironment,
  withSecretReferences,
} from '@ml-portal/plugin-ml-node';
import { createSageMakerClient, errorName, isNotFound } from './aws';
import { SageMakerTargetSettings } from './config';
import { readTrainingJobLogs } from './logs';
import { toTrainingJobName } from './trainingJobName';

/** Where SageMaker mounts the checkpoint directory it syncs with `CheckpointConfig.S3Uri`. */
const SAGEMAKER_CHECKPOINT_DIR = '/opt/ml/checkpoints';
const DEFAULT_MAX_RUNTIME_SECONDS = 86400;
const SPOT_INTERRUPTION_REASON =
  'spot interruption, SageMaker resumes from checkpoint';

/** SageMaker's limits on `Environment` and on the container's entrypoint and arguments. */
const MAX_ENV_ENTRIES = 100;
const MAX_ENV_KEY_LENGTH = 512;
const MAX_ENV_VALUE_LENGTH = 512;
const ENV_KEY = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const MAX_COMMAND_ITEMS = 100;
const MAX_COMMAND_ITEM_LENGTH = 256;
const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** Tag keys that tie a training job to the platform's job, attempt and pool. */
const TAG_JOB_ID = 'ml.platform/job-id';
const TAG_ATTEMPT_ID = 'ml.platform/attempt-id';
const TAG_POOL = 'ml.platform/pool';

/**
 * The `sagemaker` compute target: runs each attempt as one Amazon SageMaker training job
 * named after the attempt's external name (see {@link toTrainingJobName}).
 *
 * - Dispatch is idempotent: when the name is taken (`ResourceInUse`), the existing job is
 *   returned and no second one is created.
 * - Secrets are passed by reference only: a `secretEnv` entry `NAME` becomes the
 *   variable `NAME_SECRET_ARN` holding the Secrets Manager ARN (or name), which the
 *   container resolves with the job's role. Values never leave the secret store.
 * - Spot pools use managed spot training with a checkpoint location; SageMaker itself
 *   restarts interrupted jobs from `/opt/ml/checkpoints`, so an interruption is reported
 *   as `running`, and only a job that ran out of spot wait time as `preempted`.
 * - Logs are read from CloudWatch Logs (`/aws/sagemaker/TrainingJobs`, one stream per
 *   instance), merged in time order.
 *
 * Credentials come from the AWS SDK's default chain.
 *
 * @public
 */
export class SageMakerComputeTarget implements ComputeTarget {
  readonly id = 'sagemaker';

  private constructor(
    private readonly client: SageMakerClient,
    private readonly logsClient: CloudWatchLogsClient,
    private readonly settings: SageMakerTargetSettings,
    private readonly logger?: LoggerService,
  ) {}

  /**
   * Builds the target; `client` and `logsClient` replace the SageMaker and CloudWatch Logs
   * clients built from `settings` (tests).
   */
  static create(options: {
    settings: SageMakerTargetSettings;
    client?: SageMakerClient;
    logsClient?: CloudWatchLogsClient;
    logger?: LoggerService;
  }): SageMakerComputeTarget {
    const { settings } = options;
    const client = options.client ?? createSageMakerClient(settings);
    const logsClient =
      options.logsClient ??
      new CloudWatchLogsClient({
        region: settings.region,
        endpoint: settings.logsEndpoint,
      });
    return new SageMakerComputeTarget(
      client,
      logsClient,
      settings,
      options.logger,
    );
  }

  /** The CreateTrainingJob request of an attempt; throws `InputError` when SageMaker could not accept it. */
  buildCreateTrainingJobInput(
    request: DispatchRequest,
  ): CreateTrainingJobCommandInput {
    const { pool, resources } = request;
    const name = toTrainingJobName(request.externalName);
    if (!pool.instanceType) {
      throw new InputError(
        `Pool '${pool.name}' has no instanceType; the sagemaker target needs one, e.g. ml.g5.xlarge`,
      );
    }
    if (AWS_REGION.test(pool.region) && pool.region !== this.settings.region) {
      throw new InputError(
        `Pool '${pool.name}' is in region ${pool.region}, but the sagemaker target runs jobs in ${this.settings.region}`,
      );
    }
    if (!request.image) {
      throw new InputError(
        'The sagemaker target needs a training image (an ECR image URI)',
      );
    }

    const maxRuntime = Math.ceil(
      request.maxRuntimeSeconds ?? DEFAULT_MAX_RUNTIME_SECONDS,
    );
    if (!(maxRuntime >= 1)) {
      throw new InputError('maxRuntimeSeconds must be positive');
    }
    const checkpointUri =
      request.checkpoint?.uri ??
      (pool.spot ? `${this.settings.checkpointS3Prefix}/${name}` : undefined);
    if (checkpointUri !== undefined && !checkpointUri.startsWith('s3://')) {
      throw new InputError(
        `The sagemaker target needs an s3:// checkpoint location, got '${checkpointUri}'`,
      );
    }

    const [entrypoint, ...args] = request.command;
    validateCommand(request.command);

    return {
      TrainingJobName: name,
      RoleArn: this.settings.roleArn,
      AlgorithmSpecification: {
        TrainingImage: request.image,
        TrainingInputMode: 'File',
        ...(entrypoint !== undefined && { ContainerEntrypoint: [entrypoint] }),
        ...(args.length > 0 && { ContainerArguments: args }),
      },
      OutputDataConfig: { S3OutputPath: this.settings.outputS3Uri },
      ResourceConfig: {
        // Passed through: SageMaker validates it and knows types newer than this SDK.
        InstanceType: pool.instanceType as TrainingInstanceType,
        InstanceCount: Math.max(
          1,
          Math.ceil(resources.gpus / Math.max(1, pool.gpusPerNode)),
        ),
        VolumeSizeInGB: this.settings.volumeSizeGb,
      },
      StoppingCondition: {
        MaxRuntimeInSeconds: maxRuntime,
        ...(pool.spot && {
          MaxWaitTimeInSeconds: Math.max(
            maxRuntime,
            Math.ceil(maxRuntime * this.settings.spotMaxWaitFactor),
          ),
        }),
      },
      EnableManagedSpotTraining: pool.spot,
      ...(checkpointUri !== undefined && {
        CheckpointConfig: {
          S3Uri: checkpointUri,
          LocalPath: SAGEMAKER_CHECKPOINT_DIR,
        },
      }),
      Environment: buildEnvironment(request, checkpointUri),
      Tags: [
        { Key: TAG_JOB_ID, Value: request.jobId },
        { Key: TAG_ATTEMPT_ID, Value: request.attemptId },
        { Key: TAG_POOL, Value: pool.name },
      ],
    };
  }

  async dispatch(request: DispatchRequest): Promise<{ externalId: string }> {
    const input = this.buildCreateTrainingJobInput(request);
    const name = input.TrainingJobName!;
    try {
      const output = await this.client.send(
        new CreateTrainingJobCommand(input),
      );
      this.logger?.info(
        `sagemaker target created training job ${name} (${
          input.ResourceConfig?.InstanceCount
        } x ${input.ResourceConfig?.InstanceType}${
          request.pool.spot ? ', spot' : ''
        })`,
      );
      return { externalId: output.TrainingJobArn ?? name };
    } catch (error) {
      if (errorName(error) !== 'ResourceInUse') {
        throw error;
      }
      // The name is taken: a replayed dispatch. Return the job that exists.
      const existing = await this.describe(name);
      if (!existing) {
        throw error;
      }
      this.logger?.info(
        `sagemaker target found existing training job ${name}; not creating another`,
      );
      return { externalId: existing.TrainingJobArn ?? name };
    }
  }

  async status(externalName: string): Promise<ExternalJobStatus> {
    const job = await this.describe(toTrainingJobName(externalName));
    if (!job) {
      return { state: 'not-found', reason: 'no such SageMaker training job' };
    }
    return toExternalJobStatus(job);
  }

  async cancel(externalName: string): Promise<void> {
    const name = toTrainingJobName(externalName);
    try {
      await this.client.send(
        new StopTrainingJobCommand({ TrainingJobName: name }),
      );
      this.logger?.info(`sagemaker target stopping training job ${name}`);
    } catch (error) {
      if (errorName(error) !== 'ValidationException') {
        throw error;
      }
      // SageMaker refuses to stop a job that is missing or no longer in progress.
      const job = await this.describe(name);
      if (job && job.TrainingJobStatus === 'InProgress') {
        throw error;
      }
    }
  }

  /**
   * The last `tailLines` (default 500, at most 10,000) lines of the training job's
   * CloudWatch logs, merged in time order across its instances and prefixed with the
   * instance (`[algo-2] `) when there are several; '' while it has none.
   */
  async logs(
    externalName: string,
    options?: { tailLines?: number },
  ): Promise<string> {
    return readTrainingJobLogs(
      this.logsClient,
      toTrainingJobName(externalName),
      options?.tailLines,
    );
  }

  /** Releases the clients' sockets. */
  destroy(): void {
    this.client.destroy();
    this.logsClient.destroy();
  }

  private async describe(
    name: string,
  ): Promise<DescribeTrainingJobCommandOutput | undefined> {
    try {
      return await this.client.send(
        new DescribeTrainingJobCommand({ TrainingJobName: name }),
      );
    } catch (error) {
      if (isNotFound(error)) {
        return undefined;
      }
      throw error;
    }
  }
}

/** Maps a DescribeTrainingJob answer to the platform's view of the attempt. */
function toExternalJobStatus(
  job: DescribeTrainingJobCommandOutput,
): ExternalJobStatus {
  const transitions = job.SecondaryStatusTransitions ?? [];
  const lastMessage = transitions[transitions.length - 1]?.StatusMessage;
  const base = {
    startedAt: job.TrainingStartTime,
    finishedAt: job.TrainingEndTime,
    billableSeconds: job.BillableTimeInSeconds,
    instanceType: job.ResourceConfig?.InstanceType,
  };
  const reason = job.FailureReason ?? lastMessage;
  const secondary = job.SecondaryStatus;

  switch (job.TrainingJobStatus) {
    case 'Completed':
      return { ...base, state: 'succeeded', reason };
    case 'Failed':
      return { ...base, state: 'failed', reason: reason ?? 'Failed' };
    case 'Stopped':
      if (secondary === 'MaxWaitTimeExceeded') {
        // Spot capacity did not come back within MaxWaitTimeInSeconds: a preemption the
        // platform may resume from the checkpoint, not an application failure.
        return {
          ...base,
          state: 'preempted',
          reason: `MaxWaitTimeExceeded: ${
            reason ?? 'no spot capacity within the maximum wait time'
          }`,
        };
      }
      if (secondary === 'MaxRuntimeExceeded') {
        return {
          ...base,
          state: 'failed',
          reason: `MaxRuntimeExceeded: ${
            reason ?? 'the job ran longer than its maximum runtime'
          }`,
        };
      }
      return { ...base, state: 'failed', reason: reason ?? 'Stopped' };
    case 'Stopping':
      return {
        ...base,
        state: 'running',
        reason: reason ?? 'SageMaker is stopping the job',
      };
    case 'Deleting':
      return {
        ...base,
        state: 'failed',
        reason: 'SageMaker is deleting the job',
      };
    case 'InProgress':
    default:
      switch (secondary) {
        case 'Interrupted':
        case 'Restarting':
          return {
            ...base,
            state: 'running',
            reason: SPOT_INTERRUPTION_REASON,
          };
        case 'Training':
        case 'Uploading':
        case 'Updating':
          return { ...base, state: 'running', reason };
        default:
          // Starting, Pending, LaunchingMLInstances, PreparingTrainingStack,
          // Downloading, DownloadingTrainingImage: waiting for capacity or setting up.
          return { ...base, state: 'pending', reason: reason ?? secondary };
      }
  }
}

/**
 * The job's `Environment`: its plain env, the checkpoint location, and one
 * `<NAME>_SECRET_ARN` reference per secret. Enforces SageMaker's limits up front.
 */
function buildEnvironment(
  request: DispatchRequest,
  checkpointUri: string | undefined,
): Record<string, string> {
  // SageMaker syncs its checkpoint directory with the URI (and restores it on resume).
  const env = withSecretReferences(
    jobEnvironment(
      request,
      checkpointUri === undefined
        ? undefined
        : { uri: checkpointUri, dir: SAGEMAKER_CHECKPOINT_DIR },
    ),
    request,
    '_SECRET_ARN',
  );

  const keys = Object.keys(env);
  if (keys.length > MAX_ENV_ENTRIES) {
    throw new InputError(
      `SageMaker allows at most ${MAX_ENV_ENTRIES} environment variables; this job has ${keys.length}`,
    );
  }
  for (const key of keys) {
    if (key.length > MAX_ENV_KEY_LENGTH || !ENV_KEY.test(key)) {
      throw new InputError(
        `Environment variable name '${key.slice(
          0,
          64,
        )}' is not accepted by SageMaker (letters, digits and _, at most ${MAX_ENV_KEY_LENGTH} characters)`,
      );
    }
    if (env[key].length > MAX_ENV_VALUE_LENGTH) {
      throw new InputError(
        `Environment variable '${key}' is ${env[key].length} characters long; SageMaker allows at most ${MAX_ENV_VALUE_LENGTH}`,
      );
    }
  }
  return env;
}

function validateCommand(command: string[]): void {
  if (command.length > MAX_COMMAND_ITEMS) {
    throw new InputError(
      `SageMaker allows at most ${MAX_COMMAND_ITEMS} container arguments; the command has ${command.length}`,
    );
  }
  const long = command.findIndex(item => item.length > MAX_COMMAND_ITEM_LENGTH);
  if (long >= 0) {
    throw new InputError(
      `Command item ${long} is ${command[long].length} characters long; SageMaker allows at most ${MAX_COMMAND_ITEM_LENGTH}`,
    );
  }
}
