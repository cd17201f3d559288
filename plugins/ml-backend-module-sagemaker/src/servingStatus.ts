import {
  DescribeEndpointCommandOutput,
  DescribeTransformJobCommandOutput,
  ProductionVariantSummary,
} from '@aws-sdk/client-sagemaker';
import { EndpointStatus, ExternalJobStatus } from '@ml-portal/plugin-ml-node';

type DeploymentStatus = EndpointStatus['deployments'][number];

/**
 * Maps a DescribeEndpoint answer to the platform's view of the endpoint.
 *
 * @internal
 */
export function toEndpointStatus(
  endpoint: DescribeEndpointCommandOutput,
  url: string,
): EndpointStatus {
  const status = endpoint.EndpointStatus;
  const reason = endpoint.FailureReason;
  const failed = status === 'Failed' || status === 'UpdateRollbackFailed';
  const deployments: DeploymentStatus[] = (
    endpoint.ProductionVariants ?? []
  ).map(variant => toDeploymentStatus(variant, failed, reason));
  // Variants of an update still rolling out are starting.
  for (const variant of endpoint.PendingDeploymentSummary?.ProductionVariants ??
    []) {
    if (!deployments.some(d => d.name === variant.VariantName)) {
      deployments.push({
        name: variant.VariantName ?? '',
        state: 'starting',
        reason: variantMessage(variant),
      });
    }
  }

  switch (status) {
    case 'InService':
      // After a failed update SageMaker rolls back and keeps serving; the reason stays.
      return { state: 'ready', reason, url, deployments };
    case 'Failed':
    case 'UpdateRollbackFailed':
      return {
        state: 'failed',
        reason: reason ?? `SageMaker endpoint is ${status}`,
        url,
        deployments,
      };
    default:
      // Creating, Updating, SystemUpdating, RollingBack, OutOfService, Deleting.
      return {
        state: 'updating',
        reason: reason ?? `SageMaker endpoint is ${status}`,
        url,
        deployments,
      };
  }
}

function toDeploymentStatus(
  variant: ProductionVariantSummary,
  endpointFailed: boolean,
  endpointReason: string | undefined,
): DeploymentStatus {
  const name = variant.VariantName ?? '';
  const replicas = variant.CurrentInstanceCount;
  if (endpointFailed) {
    return { name, state: 'failed', reason: endpointReason, replicas };
  }
  // A variant lists the steps still under way (Creating, Updating, ActivatingTraffic, …).
  if (variant.VariantStatus?.length) {
    return {
      name,
      state: 'starting',
      reason: variantMessage(variant),
      replicas,
    };
  }
  return { name, state: 'ready', replicas };
}

function variantMessage(variant: {
  VariantStatus?: Array<{ Status?: string; StatusMessage?: string }>;
}): string | undefined {
  const step = variant.VariantStatus?.[0];
  if (!step) return undefined;
  return step.StatusMessage
    ? `${step.Status}: ${step.StatusMessage}`
    : step.Status;
}

/**
 * Maps a DescribeTransformJob answer to the platform's view of the batch job.
 *
 * @internal
 */
export function toTransformJobStatus(
  job: DescribeTransformJobCommandOutput,
): ExternalJobStatus {
  const base = {
    startedAt: job.TransformStartTime,
    finishedAt: job.TransformEndTime,
    instanceType: job.TransformResources?.InstanceType,
  };
  switch (job.TransformJobStatus) {
    case 'Completed':
      return { ...base, state: 'succeeded' };
    case 'Failed':
      return {
        ...base,
        state: 'failed',
        reason: job.FailureReason ?? 'Failed',
      };
    case 'Stopped':
      return {
        ...base,
        state: 'failed',
        reason: job.FailureReason ?? 'Stopped',
      };
    case 'Stopping':
      return {
        ...base,
        state: 'running',
        reason: 'SageMaker is stopping the transform job',
      };
    case 'InProgress':
    default:
      return { ...base, state: 'running' };
  }
}
