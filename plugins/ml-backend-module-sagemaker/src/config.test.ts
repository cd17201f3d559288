import { ConfigReader } from '@backstage/config';
import {
  readSageMakerServingSettings,
  readSageMakerTargetSettings,
} from './config';

const minimal = {
  region: 'eu-central-1',
  roleArn: 'arn:aws:iam::123456789012:role/ml-training',
  outputS3Uri: 's3://ml-output',
};

function read(sagemaker?: object) {
  return readSageMakerTargetSettings(
    new ConfigReader(sagemaker ? { ml: { targets: { sagemaker } } } : {}),
  );
}

describe('readSageMakerTargetSettings', () => {
  it('is undefined without config', () => {
    expect(read()).toBeUndefined();
  });

  it('fills defaults', () => {
    expect(read(minimal)).toEqual({
      ...minimal,
      checkpointS3Prefix: 's3://ml-output/checkpoints',
      volumeSizeGb: 50,
      spotMaxWaitFactor: 2,
      endpoint: undefined,
      logsEndpoint: undefined,
    });
  });

  it('reads the SageMaker and CloudWatch Logs endpoints', () => {
    expect(
      read({
        ...minimal,
        endpoint:
          'https://vpce-1.api.sagemaker.eu-central-1.vpce.amazonaws.com',
        logsEndpoint: 'https://vpce-2.logs.eu-central-1.vpce.amazonaws.com',
      }),
    ).toMatchObject({
      endpoint: 'https://vpce-1.api.sagemaker.eu-central-1.vpce.amazonaws.com',
      logsEndpoint: 'https://vpce-2.logs.eu-central-1.vpce.amazonaws.com',
    });
  });

  it.each([
    [{ roleArn: 'ml-training' }, 'roleArn must be an IAM role ARN'],
    [{ outputS3Uri: 'https://bucket' }, 'outputS3Uri must be an s3://'],
    [{ checkpointS3Prefix: '/tmp' }, 'checkpointS3Prefix must be an s3://'],
    [{ volumeSizeGb: 0 }, 'volumeSizeGb must be a positive integer'],
    [{ spotMaxWaitFactor: 0.5 }, 'spotMaxWaitFactor must be at least 1'],
  ])('refuses %j', (override, message) => {
    expect(() => read({ ...minimal, ...override })).toThrow(message);
  });
});

describe('readSageMakerServingSettings', () => {
  const serving = {
    region: 'us-east-1',
    executionRoleArn: 'arn:aws:iam::123456789012:role/ml-serving',
  };
  const readServing = (sagemaker?: object) =>
    readSageMakerServingSettings(
      new ConfigReader(
        sagemaker ? { ml: { serving: { targets: { sagemaker } } } } : {},
      ),
    );

  it('is undefined without config', () => {
    expect(readServing()).toBeUndefined();
  });

  it('fills defaults', () => {
    expect(readServing(serving)).toEqual({
      ...serving,
      images: {},
      serverless: { memorySizeMb: 2048, maxConcurrency: 20 },
      batchInstanceType: 'ml.m5.large',
      endpoint: undefined,
    });
  });

  it('reads the images per flavor and the serverless and batch settings', () => {
    expect(
      readServing({
        ...serving,
        images: {
          python_function: 'registry.example/pyfunc:2',
          sklearn: 'registry.example/sklearn:1',
        },
        serverless: { memorySizeMb: 6144, maxConcurrency: 200 },
        batchInstanceType: 'ml.c5.xlarge',
      }),
    ).toMatchObject({
      images: {
        python_function: 'registry.example/pyfunc:2',
        sklearn: 'registry.example/sklearn:1',
      },
      serverless: { memorySizeMb: 6144, maxConcurrency: 200 },
      batchInstanceType: 'ml.c5.xlarge',
    });
  });

  it('reads data capture, 20% with a CSV header unless set', () => {
    expect(
      readServing({
        ...serving,
        dataCapture: { s3Uri: 's3://ml-capture/endpoints/' },
      })?.dataCapture,
    ).toEqual({
      s3Uri: 's3://ml-capture/endpoints',
      samplingPercent: 20,
      csvHeader: true,
      s3Endpoint: undefined,
    });
    expect(
      readServing({
        ...serving,
        dataCapture: {
          s3Uri: 's3://ml-capture',
          samplingPercent: 100,
          csvHeader: false,
          s3Endpoint: 'http://127.0.0.1:9000',
        },
      })?.dataCapture,
    ).toEqual({
      s3Uri: 's3://ml-capture',
      samplingPercent: 100,
      csvHeader: false,
      s3Endpoint: 'http://127.0.0.1:9000',
    });
  });

  it.each([
    [
      { executionRoleArn: 'ml-serving' },
      'executionRoleArn must be an IAM role ARN',
    ],
    [{ serverless: { memorySizeMb: 1500 } }, 'serverless.memorySizeMb must be'],
    [{ serverless: { memorySizeMb: 8192 } }, 'serverless.memorySizeMb must be'],
    [
      { serverless: { maxConcurrency: 201 } },
      'serverless.maxConcurrency must be',
    ],
    [{ images: { sklearn: 3 } }, 'images.sklearn'],
    [{ dataCapture: { s3Uri: 'capture' } }, 'dataCapture.s3Uri must be'],
    [
      { dataCapture: { s3Uri: 's3://ml-capture', samplingPercent: 0 } },
      'dataCapture.samplingPercent must be',
    ],
    [
      { dataCapture: { s3Uri: 's3://ml-capture', samplingPercent: 2.5 } },
      'dataCapture.samplingPercent must be',
    ],
  ])('refuses %j', (override, message) => {
    expect(() => readServing({ ...serving, ...override })).toThrow(message);
  });
});
