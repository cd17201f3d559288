import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { toPlatformName } from '@ml-portal/plugin-ml-node';

/**
 * The SageMaker client of a target's settings. Credentials are never configured: the
 * AWS SDK's default chain finds them (environment, shared profile, web identity,
 * container or instance role).
 *
 * @internal
 */
export function createSageMakerClient(settings: {
  region: string;
  endpoint?: string;
}): SageMakerClient {
  return new SageMakerClient({
    region: settings.region,
    endpoint: settings.endpoint,
  });
}

/**
 * The CloudWatch client of the serving target's settings, where endpoints' metrics are
 * read; credentials from the default chain too.
 *
 * @internal
 */
export function createCloudWatchClient(settings: {
  region: string;
  metricsEndpoint?: string;
}): CloudWatchClient {
  return new CloudWatchClient({
    region: settings.region,
    endpoint: settings.metricsEndpoint,
  });
}

/**
 * The S3 client that reads endpoints' data capture files; path-style where an endpoint
 * is configured (S3-compatible services and the tests' fake), credentials from the
 * default chain.
 *
 * @internal
 */
export function createS3Client(settings: {
  region: string;
  s3Endpoint?: string;
}): S3Client {
  return new S3Client({
    region: settings.region,
    endpoint: settings.s3Endpoint,
    forcePathStyle: Boolean(settings.s3Endpoint),
  });
}

/**
 * A name SageMaker accepts for its jobs, models, endpoints, endpoint configs and
 * variants (`^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$`): unchanged when it already does, else
 * normalised with a hash of the original (see `toPlatformName`).
 *
 * @internal
 */
export function toSageMakerName(name: string): string {
  return toPlatformName(name, {
    valid: /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/,
    allowed: /a-zA-Z0-9/,
    maxLength: 63,
  });
}

/** @internal */
export function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

/**
 * SageMaker answers a Describe or Delete of something missing with a
 * `ValidationException` ("Requested resource not found.", "Could not find endpoint …",
 * "Could not find model …").
 *
 * @internal
 */
export function isNotFound(error: unknown): boolean {
  const name = errorName(error);
  return (
    name === 'ResourceNotFound' ||
    (name === 'ValidationException' &&
      /not found|could not find/i.test((error as Error).message))
  );
}

/**
 * SageMaker answers the creation of a model, endpoint config or endpoint whose name is
 * taken with `ValidationException: Cannot create already existing …`, and of a job with
 * `ResourceInUse`.
 *
 * @internal
 */
export function isAlreadyExisting(error: unknown): boolean {
  const name = errorName(error);
  return (
    name === 'ResourceInUse' ||
    (name === 'ValidationException' &&
      /already existing/i.test((error as Error).message))
  );
}
