import { Config } from '@backstage/config';

/**
 * Settings of the `sagemaker` compute target, read from `ml.targets.sagemaker`.
 *
 * @public
 */
export type SageMakerTargetSettings = {
  region: string;
  /** The IAM role SageMaker assumes to run training jobs. */
  roleArn: string;
  /** `OutputDataConfig.S3OutputPath`, without a trailing slash. */
  outputS3Uri: string;
  /** Checkpoint prefix of spot jobs that bring no checkpoint location, without a trailing slash. */
  checkpointS3Prefix: string;
  volumeSizeGb: number;
  /** `MaxWaitTimeInSeconds` of spot jobs, as a multiple of their maximum runtime. */
  spotMaxWaitFactor: number;
  /** SageMaker API endpoint; the region's when absent. */
  endpoint?: string;
  /** CloudWatch Logs API endpoint, where training jobs' logs are read; the region's when absent. */
  logsEndpoint?: string;
};

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/;
const S3_URI = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/;

/**
 * Reads `ml.targets.sagemaker`; `undefined` when the section is absent. Throws on
 * invalid settings, so a misconfigured target stops the backend at startup rather than
 * failing every dispatch.
 *
 * @public
 */
export function readSageMakerTargetSettings(
  config: Config,
): SageMakerTargetSettings | undefined {
  const section = config.getOptionalConfig('ml.targets.sagemaker');
  if (!section) {
    return undefined;
  }
  const key = (name: string) => `ml.targets.sagemaker.${name}`;

  const roleArn = section.getString('roleArn');
  if (!ROLE_ARN.test(roleArn)) {
    throw new Error(
      `${key(
        'roleArn',
      )} must be an IAM role ARN (arn:aws:iam::<account>:role/<name>), got '${roleArn}'`,
    );
  }
  const outputS3Uri = s3Uri(
    section.getString('outputS3Uri'),
    key('outputS3Uri'),
  );
  const checkpointS3Prefix = s3Uri(
    section.getOptionalString('checkpointS3Prefix') ??
      `${outputS3Uri}/checkpoints`,
    key('checkpointS3Prefix'),
  );

  const volumeSizeGb = section.getOptionalNumber('volumeSizeGb') ?? 50;
  if (!Number.isInteger(volumeSizeGb) || volumeSizeGb < 1) {
    throw new Error(`${key('volumeSizeGb')} must be a positive integer`);
  }
  const spotMaxWaitFactor = section.getOptionalNumber('spotMaxWaitFactor') ?? 2;
  if (!Number.isFinite(spotMaxWaitFactor) || spotMaxWaitFactor < 1) {
    throw new Error(`${key('spotMaxWaitFactor')} must be at least 1`);
  }

  return {
    region: section.getString('region'),
    roleArn,
    outputS3Uri,
    checkpointS3Prefix,
    volumeSizeGb,
    spotMaxWaitFactor,
    endpoint: section.getOptionalString('endpoint'),
    logsEndpoint: section.getOptionalString('logsEndpoint'),
  };
}

function s3Uri(value: string, key: string): string {
  if (!S3_URI.test(value)) {
    throw new Error(`${key} must be an s3://bucket/prefix URI, got '${value}'`);
  }
  return value.replace(/\/+$/, '');
}
