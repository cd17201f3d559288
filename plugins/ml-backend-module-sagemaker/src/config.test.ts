import { ConfigReader } from '@backstage/config';
import { readSageMakerTargetSettings } from './config';

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
