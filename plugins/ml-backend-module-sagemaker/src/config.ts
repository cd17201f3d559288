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

  const roleArn = iamRoleArn(section.getString('roleArn'), key('roleArn'));
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

/**
 * Settings of the `sagemaker` serving target, read from `ml.serving.targets.sagemaker`.
 *
 * @public
 */
export type SageMakerServingSettings = {
  region: string;
  /** The IAM role SageMaker assumes to run the models (`ExecutionRoleArn`). */
  executionRoleArn: string;
  /** Model server image per MLmodel flavor, for models that name no image. */
  images: Record<string, string>;
  serverless: {
    /** `ServerlessConfig.MemorySizeInMB`: 1024 to 6144, in steps of 1024. */
    memorySizeMb: number;
    /** The most concurrent invocations one serverless endpoint gets (1-200). */
    maxConcurrency: number;
  };
  /** Instance type of batch transform jobs that ask for none. */
  batchInstanceType: string;
  /** SageMaker API endpoint; the region's when absent. */
  endpoint?: string;
  /** CloudWatch API endpoint, where endpoints' metrics are read; the region's when absent. */
  metricsEndpoint?: string;
  /** Data capture of real-time endpoints, where configured. */
  dataCapture?: SageMakerDataCaptureSettings;
};

/**
 * Where and how much of real-time endpoints' traffic SageMaker captures, read from
 * `ml.serving.targets.sagemaker.dataCapture`.
 *
 * @public
 */
export type SageMakerDataCaptureSettings = {
  /** `DestinationS3Uri`, without a trailing slash. */
  s3Uri: string;
  /** `InitialSamplingPercentage`: the percent of requests captured, 1-100. */
  samplingPercent: number;
  /** Whether captured CSV requests start with a header row (MLflow's scoring server reads one). */
  csvHeader: boolean;
  /** S3 API endpoint where the capture files are read (path-style); the region's when absent. */
  s3Endpoint?: string;
};

/**
 * Reads `ml.serving.targets.sagemaker`; `undefined` when the section is absent. Throws
 * on invalid settings, so a misconfigured target stops the backend at startup.
 *
 * @public
 */
export function readSageMakerServingSettings(
  config: Config,
): SageMakerServingSettings | undefined {
  const section = config.getOptionalConfig('ml.serving.targets.sagemaker');
  if (!section) {
    return undefined;
  }
  const key = (name: string) => `ml.serving.targets.sagemaker.${name}`;

  const images: Record<string, string> = {};
  const imagesSection = section.getOptionalConfig('images');
  for (const flavor of imagesSection?.keys() ?? []) {
    images[flavor] = imagesSection!.getString(flavor);
  }

  const memorySizeMb =
    section.getOptionalNumber('serverless.memorySizeMb') ?? 2048;
  if (
    !Number.isInteger(memorySizeMb / 1024) ||
    memorySizeMb < 1024 ||
    memorySizeMb > 6144
  ) {
    throw new Error(
      `${key(
        'serverless.memorySizeMb',
      )} must be 1024, 2048, 3072, 4096, 5120 or 6144`,
    );
  }
  const maxConcurrency =
    section.getOptionalNumber('serverless.maxConcurrency') ?? 20;
  if (
    !Number.isInteger(maxConcurrency) ||
    maxConcurrency < 1 ||
    maxConcurrency > 200
  ) {
    throw new Error(
      `${key('serverless.maxConcurrency')} must be an integer from 1 to 200`,
    );
  }

  return {
    region: section.getString('region'),
    executionRoleArn: iamRoleArn(
      section.getString('executionRoleArn'),
      key('executionRoleArn'),
    ),
    images,
    serverless: { memorySizeMb, maxConcurrency },
    batchInstanceType:
      section.getOptionalString('batchInstanceType') ?? 'ml.m5.large',
    endpoint: section.getOptionalString('endpoint'),
    metricsEndpoint: section.getOptionalString('metricsEndpoint'),
    dataCapture: readDataCapture(section, key),
  };
}

function readDataCapture(
  section: Config,
  key: (name: string) => string,
): SageMakerDataCaptureSettings | undefined {
  const capture = section.getOptionalConfig('dataCapture');
  if (!capture) return undefined;
  const samplingPercent = capture.getOptionalNumber('samplingPercent') ?? 20;
  if (
    !Number.isInteger(samplingPercent) ||
    samplingPercent < 1 ||
    samplingPercent > 100
  ) {
    throw new Error(
      `${key('dataCapture.samplingPercent')} must be an integer from 1 to 100`,
    );
  }
  return {
    s3Uri: s3Uri(capture.getString('s3Uri'), key('dataCapture.s3Uri')),
    samplingPercent,
    csvHeader: capture.getOptionalBoolean('csvHeader') ?? true,
    s3Endpoint: capture.getOptionalString('s3Endpoint'),
  };
}

function iamRoleArn(value: string, key: string): string {
  if (!ROLE_ARN.test(value)) {
    throw new Error(
      `${key} must be an IAM role ARN (arn:aws:iam::<account>:role/<name>), got '${value}'`,
    );
  }
  return value;
}

function s3Uri(value: string, key: string): string {
  if (!S3_URI.test(value)) {
    throw new Error(`${key} must be an s3://bucket/prefix URI, got '${value}'`);
  }
  return value.replace(/\/+$/, '');
}
