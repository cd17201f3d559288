import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import {
  ComputeTarget,
  mlComputeTargetsExtensionPoint,
} from '@ml-portal/plugin-ml-node';
import {
  FakeSageMakerServer,
  startFakeSageMakerServer,
} from './__testUtils__/fakeSageMakerServer';
import { mlModuleSageMakerTarget } from './module';

describe('mlModuleSageMakerTarget', () => {
  const savedEnv = { ...process.env };
  let server: FakeSageMakerServer;

  beforeEach(async () => {
    server = await startFakeSageMakerServer();
    // Static fake credentials for the SDK's default chain, in this test only.
    process.env.AWS_ACCESS_KEY_ID = 'AKIDFAKE';
    process.env.AWS_SECRET_ACCESS_KEY = 'fake-secret';
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
  });

  afterEach(async () => {
    process.env = { ...savedEnv };
    await server.close();
  });

  it('registers the sagemaker target from config, which talks to the configured endpoint', async () => {
    const added: ComputeTarget[] = [];
    const backend = await startTestBackend({
      extensionPoints: [
        [
          mlComputeTargetsExtensionPoint,
          { addComputeTarget: (...targets) => added.push(...targets) },
        ],
      ],
      features: [
        mlModuleSageMakerTarget,
        mockServices.rootConfig.factory({
          data: {
            ml: {
              targets: {
                sagemaker: {
                  region: 'us-east-1',
                  roleArn: 'arn:aws:iam::123456789012:role/ml-training',
                  outputS3Uri: 's3://ml-output/jobs/',
                  volumeSizeGb: 200,
                  spotMaxWaitFactor: 1.5,
                  endpoint: server.endpoint,
                },
              },
            },
          },
        }),
      ],
    });

    expect(added.map(t => t.id)).toEqual(['sagemaker']);
    await added[0].dispatch({
      externalName: 'attempt-1',
      jobId: 'job-1',
      attemptId: 'attempt-1',
      pool: {
        name: 'spot',
        target: 'sagemaker',
        region: 'us-east-1',
        gpuType: 'A10G',
        gpusPerNode: 1,
        spot: true,
        labels: {},
        taints: [],
        instanceType: 'ml.g5.xlarge',
        compliance: [],
      },
      image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/train:1',
      command: ['train'],
      env: {},
      secretEnv: [],
      resources: { gpus: 1 },
      maxRuntimeSeconds: 1000,
    });
    const { body } = server.calls[0];
    expect(body.OutputDataConfig).toEqual({
      S3OutputPath: 's3://ml-output/jobs',
    });
    expect(body.ResourceConfig.VolumeSizeInGB).toBe(200);
    expect(body.StoppingCondition).toEqual({
      MaxRuntimeInSeconds: 1000,
      MaxWaitTimeInSeconds: 1500,
    });
    expect(body.CheckpointConfig.S3Uri).toBe(
      's3://ml-output/jobs/checkpoints/attempt-1',
    );
    await backend.stop();
  });

  it('registers nothing and says so when not configured', async () => {
    const added: ComputeTarget[] = [];
    const logger = mockServices.logger.mock();
    await startTestBackend({
      extensionPoints: [
        [
          mlComputeTargetsExtensionPoint,
          { addComputeTarget: (...targets) => added.push(...targets) },
        ],
      ],
      features: [
        mlModuleSageMakerTarget,
        logger.factory,
        mockServices.rootConfig.factory({ data: {} }),
      ],
    });

    expect(added).toEqual([]);
    expect(logger.info).toHaveBeenCalledTimes(1);
    expect(logger.info).toHaveBeenCalledWith(
      expect.stringContaining('ml.targets.sagemaker is not configured'),
    );
  });
});
