import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  CreateTransformJobCommand,
  DataCaptureConfig,
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointCommandOutput,
  DescribeEndpointConfigCommand,
  DescribeEndpointConfigCommandOutput,
  DescribeTransformJobCommand,
  DescribeTransformJobCommandOutput,
  DesiredWeightAndCapacity,
  ListEndpointConfigsCommand,
  ProductionVariant,
  SageMakerClient,
  TransformInstanceType,
  UpdateEndpointCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
} from '@aws-sdk/client-sagemaker';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { S3Client } from '@aws-sdk/client-s3';
import { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError, InputError } from '@backstage/errors';
import {
  BatchScoringRequest,
  EndpointSpec,
  EndpointStatus,
  ExternalJobStatus,
  ServingCaptureSource,
  ServingMetricsSource,
  ServingTarget,
} from '@ml-portal/plugin-ml-node';
import {
  createCloudWatchClient,
  createS3Client,
  createSageMakerClient,
  isAlreadyExisting,
  isNotFound,
  toSageMakerName,
} from './aws';
import { s3CaptureSource } from './capture';
import { SageMakerServingSettings } from './config';
import {
  endpointConfigPrefix,
  EndpointPlan,
  isEndpointConfigOf,
  planEndpoint,
  planBatchModel,
  PlannedModel,
} from './endpointPlan';
import { cloudWatchMetricsSource } from './metrics';
import { toEndpointStatus, toTransformJobStatus } from './servingStatus';

/** Statuses in which SageMaker accepts UpdateEndpoint. */
const UPDATABLE = ['InService', 'Failed'];

/**
 * The `sagemaker` serving target: each endpoint is a SageMaker real-time or serverless
 * endpoint whose production variants are the spec's deployments, and batch scoring runs
 * as SageMaker batch transform jobs.
 *
 * `apply` compares the spec with what SageMaker holds and makes the cheapest change:
 * - no endpoint: models, an endpoint config and `CreateEndpoint`;
 * - other variants (models, instance type, serverless settings): a new endpoint config,
 *   named after a hash of its variants since configs are immutable, and `UpdateEndpoint`;
 * - only weights or instance counts (a canary's traffic shift):
 *   `UpdateEndpointWeightsAndCapacities`, no new config;
 * - nothing: no call that changes anything.
 * While SageMaker is still creating or updating the endpoint it refuses changes: `apply`
 * then throws `ConflictError`, to be retried, unless the spec is what is being rolled out.
 *
 * Credentials come from the AWS SDK's default chain. Autoscaling (Application Auto
 * Scaling) is not set up: a real-time variant runs `minReplicas` instances.
 *
 * @public
 */
export class SageMakerServingTarget implements ServingTarget {
  readonly id = 'sagemaker';

  private constructor(
    private readonly client: SageMakerClient,
    private readonly cloudWatch: CloudWatchClient,
    private readonly settings: SageMakerServingSettings,
    private readonly logger?: LoggerService,
    private readonly s3?: S3Client,
  ) {}

  /**
   * Builds the target; `client`, `cloudWatch` and `s3` replace the ones built from
   * `settings` (tests). An S3 client is built only where data capture is configured.
   */
  static create(options: {
    settings: SageMakerServingSettings;
    client?: SageMakerClient;
    cloudWatch?: CloudWatchClient;
    s3?: S3Client;
    logger?: LoggerService;
  }): SageMakerServingTarget {
    const { settings } = options;
    return new SageMakerServingTarget(
      options.client ?? createSageMakerClient(settings),
      options.cloudWatch ?? createCloudWatchClient(settings),
      settings,
      options.logger,
      settings.dataCapture &&
        (options.s3 ??
          createS3Client({
            region: settings.region,
            s3Endpoint: settings.dataCapture.s3Endpoint,
          })),
    );
  }

  /** The variant's CloudWatch metrics: a variant is a deployment, named as `apply` names it. */
  async metricsSource(
    endpointName: string,
    deploymentName: string,
  ): Promise<ServingMetricsSource> {
    return cloudWatchMetricsSource({
      client: this.cloudWatch,
      endpointName: toSageMakerName(endpointName),
      variantName: toSageMakerName(deploymentName),
    });
  }

  /**
   * The variant's data capture files, where capture is configured; serverless endpoints
   * capture nothing, so their source finds no files.
   */
  async captureSource(
    endpointName: string,
    deploymentName: string,
  ): Promise<ServingCaptureSource | undefined> {
    const capture = this.settings.dataCapture;
    if (!capture || !this.s3) return undefined;
    return s3CaptureSource({
      client: this.s3,
      capture,
      endpointName: toSageMakerName(endpointName),
      variantName: toSageMakerName(deploymentName),
    });
  }

  async apply(spec: EndpointSpec): Promise<void> {
    const plan = planEndpoint(spec, this.settings);
    const { endpointName } = plan;
    const endpoint = await this.describeEndpoint(endpointName);
    if (!endpoint) {
      await this.createModels(plan.models);
      await this.createEndpointConfig(plan);
      try {
        await this.client.send(
          new CreateEndpointCommand({
            EndpointName: endpointName,
            EndpointConfigName: plan.endpointConfigName,
            Tags: plan.tags,
          }),
        );
      } catch (error) {
        // Another apply of the endpoint created it meanwhile: the next apply reconciles.
        if (!isAlreadyExisting(error)) throw error;
      }
      this.logger?.info(
        `sagemaker serving target creating endpoint ${endpointName} with ${plan.endpointConfigName}`,
      );
      return;
    }

    // While an update rolls out, the endpoint is headed for the pending config.
    const pending = endpoint.PendingDeploymentSummary;
    const liveConfigName =
      pending?.EndpointConfigName ?? endpoint.EndpointConfigName;
    const liveConfig = liveConfigName
      ? await this.describeEndpointConfig(liveConfigName)
      : undefined;

    if (
      liveConfig &&
      sameVariants(liveConfig, plan.variants) &&
      sameCapture(liveConfig, plan)
    ) {
      const changes = weightAndCapacityChanges(
        plan.variants,
        pending?.ProductionVariants ?? endpoint.ProductionVariants ?? [],
        liveConfig,
      );
      if (changes.length === 0) {
        if (endpoint.EndpointStatus === 'InService' && !pending) {
          await this.deleteSupersededConfigs(endpointName, liveConfig);
        }
        return;
      }
      assertStatus(endpoint, ['InService']);
      await this.client.send(
        new UpdateEndpointWeightsAndCapacitiesCommand({
          EndpointName: endpointName,
          DesiredWeightsAndCapacities: changes,
        }),
      );
      this.logger?.info(
        `sagemaker serving target shifting endpoint ${endpointName} to ${changes
          .map(c => `${c.VariantName} ${c.DesiredWeight}`)
          .join(', ')}`,
      );
      return;
    }

    assertStatus(endpoint, UPDATABLE);
    if (
      endpoint.EndpointStatus === 'InService' &&
      endpoint.FailureReason &&
      (await this.describeEndpointConfig(plan.endpointConfigName))
    ) {
      // SageMaker rolled this very config back (a failed update leaves the endpoint in
      // service with the reason): rolling it out again would fail the same way.
      throw new ConflictError(
        `SageMaker rolled back the update of endpoint ${endpointName} to ${plan.endpointConfigName}: ${endpoint.FailureReason}; change the spec to try again`,
      );
    }
    // Models the endpoint serves exist: a model's name says what it holds.
    const serving = new Set(
      (liveConfig?.ProductionVariants ?? []).map(v => v.ModelName),
    );
    await this.createModels(plan.models.filter(m => !serving.has(m.ModelName)));
    await this.createEndpointConfig(plan);
    await this.client.send(
      new UpdateEndpointCommand({
        EndpointName: endpointName,
        EndpointConfigName: plan.endpointConfigName,
      }),
    );
    this.logger?.info(
      `sagemaker serving target updating endpoint ${endpointName} to ${plan.endpointConfigName}`,
    );
  }

  async status(endpointName: string): Promise<EndpointStatus> {
    const name = toSageMakerName(endpointName);
    const endpoint = await this.describeEndpoint(name);
    if (!endpoint) {
      return {
        state: 'not-found',
        reason: 'no such SageMaker endpoint',
        deployments: [],
      };
    }
    return toEndpointStatus(endpoint, this.invocationUrl(name));
  }

  /**
   * Deletes the endpoint, then every endpoint config `apply` made for it and the models
   * they use. SageMaker lets configs and models go as soon as the endpoint is deleting.
   */
  async remove(endpointName: string): Promise<void> {
    const name = toSageMakerName(endpointName);
    const endpoint = await this.describeEndpoint(name);
    if (endpoint) {
      await this.ignoreMissing(
        this.client.send(new DeleteEndpointCommand({ EndpointName: name })),
      );
    }
    const removed = await this.deleteEndpointConfigs(
      await this.listEndpointConfigs(name),
      new Set(),
    );
    if (endpoint || removed.configs > 0) {
      this.logger?.info(
        `sagemaker serving target removed endpoint ${name} (${removed.configs} endpoint configs, ${removed.models} models)`,
      );
    }
  }

  /**
   * Starts a batch transform job named after `externalName`; a job of that name that
   * exists already is returned instead of starting another.
   */
  async startBatch(
    request: BatchScoringRequest,
  ): Promise<{ externalId: string }> {
    const name = toSageMakerName(request.externalName);
    const existing = await this.describeTransformJob(name);
    if (existing) {
      return { externalId: existing.TransformJobArn ?? name };
    }
    for (const [field, uri] of [
      ['inputUri', request.inputUri],
      ['outputUri', request.outputUri],
    ]) {
      if (!uri.startsWith('s3://')) {
        throw new InputError(
          `The sagemaker serving target needs an s3:// ${field}, got '${uri}'`,
        );
      }
    }
    const instanceCount = request.instanceCount ?? 1;
    if (!Number.isInteger(instanceCount) || instanceCount < 1) {
      throw new InputError('instanceCount must be a positive integer');
    }
    const planned = planBatchModel(request.model, this.settings);
    await this.createModels([planned]);
    try {
      const output = await this.client.send(
        new CreateTransformJobCommand({
          TransformJobName: name,
          ModelName: planned.ModelName,
          TransformInput: {
            DataSource: {
              S3DataSource: { S3DataType: 'S3Prefix', S3Uri: request.inputUri },
            },
            ...(request.contentType && { ContentType: request.contentType }),
          },
          TransformOutput: { S3OutputPath: request.outputUri },
          TransformResources: {
            // Passed through: SageMaker validates it and knows types newer than this SDK.
            InstanceType: (request.instanceType ??
              this.settings.batchInstanceType) as TransformInstanceType,
            InstanceCount: instanceCount,
          },
          Tags: planned.Tags,
        }),
      );
      this.logger?.info(
        `sagemaker serving target started transform job ${name} with ${planned.ModelName}`,
      );
      return { externalId: output.TransformJobArn ?? name };
    } catch (error) {
      if (!isAlreadyExisting(error)) throw error;
      // A replayed start raced this one: return the job it started.
      const job = await this.describeTransformJob(name);
      if (!job) throw error;
      return { externalId: job.TransformJobArn ?? name };
    }
  }

  async batchStatus(externalName: string): Promise<ExternalJobStatus> {
    const job = await this.describeTransformJob(toSageMakerName(externalName));
    if (!job) {
      return { state: 'not-found', reason: 'no such SageMaker transform job' };
    }
    return toTransformJobStatus(job);
  }

  /** Releases the client's sockets. */
  destroy(): void {
    this.client.destroy();
    this.s3?.destroy();
  }

  /** Where clients invoke the endpoint (SageMaker's runtime API, SigV4-signed). */
  private invocationUrl(endpointName: string): string {
    const domain = this.settings.region.startsWith('cn-')
      ? 'amazonaws.com.cn'
      : 'amazonaws.com';
    return `https://runtime.sagemaker.${this.settings.region}.${domain}/endpoints/${endpointName}/invocations`;
  }

  /** Creates the models that do not exist yet; a model's name says what it holds. */
  private async createModels(models: PlannedModel[]): Promise<void> {
    for (const model of models) {
      try {
        await this.client.send(
          new CreateModelCommand({
            ModelName: model.ModelName,
            PrimaryContainer: model.PrimaryContainer,
            ExecutionRoleArn: this.settings.executionRoleArn,
            Tags: model.Tags,
          }),
        );
      } catch (error) {
        if (!isAlreadyExisting(error)) throw error;
      }
    }
  }

  private async createEndpointConfig(plan: EndpointPlan): Promise<void> {
    try {
      await this.client.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: plan.endpointConfigName,
          ProductionVariants: plan.variants,
          ...(plan.dataCapture && { DataCaptureConfig: plan.dataCapture }),
          Tags: plan.tags,
        }),
      );
    } catch (error) {
      // The name is a hash of the variants: an existing config holds the same ones.
      if (!isAlreadyExisting(error)) throw error;
    }
  }

  /**
   * Deletes the endpoint configs of earlier rollouts and the models only they used, once
   * the endpoint serves the current one: SageMaker needs a config while it rolls it out
   * or back, never after.
   */
  private async deleteSupersededConfigs(
    endpointName: string,
    current: DescribeEndpointConfigCommandOutput,
  ): Promise<void> {
    const superseded = (await this.listEndpointConfigs(endpointName)).filter(
      name => name !== current.EndpointConfigName,
    );
    if (superseded.length === 0) return;
    const removed = await this.deleteEndpointConfigs(
      superseded,
      new Set((current.ProductionVariants ?? []).map(v => v.ModelName!)),
    );
    this.logger?.info(
      `sagemaker serving target deleted ${removed.configs} superseded endpoint configs and ${removed.models} models of endpoint ${endpointName}`,
    );
  }

  /** Deletes endpoint configs and the models they use, but for `keepModels`; missing is fine. */
  private async deleteEndpointConfigs(
    configNames: string[],
    keepModels: Set<string>,
  ): Promise<{ configs: number; models: number }> {
    const modelNames = new Set<string>();
    for (const configName of configNames) {
      const config = await this.describeEndpointConfig(configName);
      for (const { ModelName } of config?.ProductionVariants ?? []) {
        if (ModelName && !keepModels.has(ModelName)) modelNames.add(ModelName);
      }
      await this.ignoreMissing(
        this.client.send(
          new DeleteEndpointConfigCommand({ EndpointConfigName: configName }),
        ),
      );
    }
    for (const modelName of modelNames) {
      await this.ignoreMissing(
        this.client.send(new DeleteModelCommand({ ModelName: modelName })),
      );
    }
    return { configs: configNames.length, models: modelNames.size };
  }

  /** Names of the endpoint configs `apply` made for the endpoint. */
  private async listEndpointConfigs(endpointName: string): Promise<string[]> {
    const names: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListEndpointConfigsCommand({
          NameContains: endpointConfigPrefix(endpointName),
          MaxResults: 100,
          NextToken,
        }),
      );
      for (const config of page.EndpointConfigs ?? []) {
        const configName = config.EndpointConfigName;
        if (configName && isEndpointConfigOf(configName, endpointName)) {
          names.push(configName);
        }
      }
      NextToken = page.NextToken;
    } while (NextToken);
    return names;
  }

  private describeEndpoint(
    name: string,
  ): Promise<DescribeEndpointCommandOutput | undefined> {
    return this.orUndefined(
      this.client.send(new DescribeEndpointCommand({ EndpointName: name })),
    );
  }

  private describeEndpointConfig(
    name: string,
  ): Promise<DescribeEndpointConfigCommandOutput | undefined> {
    return this.orUndefined(
      this.client.send(
        new DescribeEndpointConfigCommand({ EndpointConfigName: name }),
      ),
    );
  }

  private describeTransformJob(
    name: string,
  ): Promise<DescribeTransformJobCommandOutput | undefined> {
    return this.orUndefined(
      this.client.send(
        new DescribeTransformJobCommand({ TransformJobName: name }),
      ),
    );
  }

  private async orUndefined<T>(call: Promise<T>): Promise<T | undefined> {
    try {
      return await call;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  private async ignoreMissing(call: Promise<unknown>): Promise<void> {
    await this.orUndefined(call);
  }
}

/** True when the config holds the planned variants, weights and instance counts aside. */
function sameVariants(
  config: DescribeEndpointConfigCommandOutput,
  planned: ProductionVariant[],
): boolean {
  const shape = (variants: ProductionVariant[]) =>
    JSON.stringify(
      variants
        .map(v => [
          v.VariantName,
          v.ModelName,
          v.InstanceType ?? null,
          v.ServerlessConfig?.MemorySizeInMB ?? null,
          v.ServerlessConfig?.MaxConcurrency ?? null,
        ])
        .sort(),
    );
  return shape(config.ProductionVariants ?? []) === shape(planned);
}

/** True when the config captures as planned: a change of capture needs a new config. */
function sameCapture(
  config: DescribeEndpointConfigCommandOutput,
  plan: EndpointPlan,
): boolean {
  const shape = (capture?: DataCaptureConfig) =>
    !capture || capture.EnableCapture === false
      ? null
      : JSON.stringify([
          capture.DestinationS3Uri?.replace(/\/+$/, ''),
          capture.InitialSamplingPercentage,
        ]);
  return shape(config.DataCaptureConfig) === shape(plan.dataCapture);
}

/**
 * The weights and instance counts to ask for where the endpoint's differ from the plan:
 * every variant's weight (SageMaker's weights are relative), and an instance count only
 * where it changes.
 */
function weightAndCapacityChanges(
  planned: ProductionVariant[],
  live: Array<{
    VariantName: string | undefined;
    DesiredWeight?: number;
    CurrentWeight?: number;
    DesiredInstanceCount?: number;
    CurrentInstanceCount?: number;
  }>,
  config: DescribeEndpointConfigCommandOutput,
): DesiredWeightAndCapacity[] {
  let changed = false;
  const desired = planned.map(variant => {
    const now = live.find(v => v.VariantName === variant.VariantName);
    const configured = config.ProductionVariants?.find(
      v => v.VariantName === variant.VariantName,
    );
    const weight =
      now?.DesiredWeight ??
      now?.CurrentWeight ??
      configured?.InitialVariantWeight;
    const count =
      now?.DesiredInstanceCount ??
      now?.CurrentInstanceCount ??
      configured?.InitialInstanceCount;
    const countChanges =
      variant.InitialInstanceCount !== undefined &&
      variant.InitialInstanceCount !== count;
    changed ||= weight !== variant.InitialVariantWeight || countChanges;
    return {
      VariantName: variant.VariantName!,
      DesiredWeight: variant.InitialVariantWeight,
      ...(countChanges && {
        DesiredInstanceCount: variant.InitialInstanceCount,
      }),
    };
  });
  return changed ? desired : [];
}

function assertStatus(
  endpoint: DescribeEndpointCommandOutput,
  allowed: string[],
): void {
  const status = endpoint.EndpointStatus ?? 'unknown';
  if (!allowed.includes(status) && status === 'Failed') {
    throw new ConflictError(
      `SageMaker endpoint ${endpoint.EndpointName} is Failed (${endpoint.FailureReason}); only a change of its models or instances can fix it, or remove it and apply again`,
    );
  }
  if (!allowed.includes(status)) {
    throw new ConflictError(
      `SageMaker endpoint ${endpoint.EndpointName} is ${status}; it takes changes once it is InService, apply again then`,
    );
  }
}
