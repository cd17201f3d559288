import {
  sampleDispatchRequest,
  sampleEndpointSpec,
  sampleServingDeployment,
  startComputeTargetModule,
  startServingTargetModule,
  stoppedTargetModule,
} from '@ml-portal/plugin-ml-node/testUtils';
import {
  FakeCloudWatchLogsServer,
  startFakeCloudWatchLogsServer,
} from './__testUtils__/fakeCloudWatchLogsServer';
import {
  FakeSageMakerServer,
  startFakeSageMakerServer,
} from './__testUtils__/fakeSageMakerServer';
import {
  mlModuleSageMakerServingTarget,
  mlModuleSageMakerTarget,
} from './module';

const savedEnv = { ...process.env };
let server: FakeSageMakerServer;

beforeEach(async () => {
  server = await startFakeSageMakerServer();
  // Static fake credentials for the SDK's default chain, in these tests only.
  process.env.AWS_ACCESS_KEY_ID = 'AKIDFAKE';
  process.env.AWS_SECRET_ACCESS_KEY = 'fake-secret';
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
});

afterEach(async () => {
  process.env = { ...savedEnv };
  await server.close();
});

describe('mlModuleSageMakerTarget', () => {
  let logsServer: FakeCloudWatchLogsServer;

  beforeEach(async () => {
    logsServer = await startFakeCloudWatchLogsServer();
  });

  afterEach(() => logsServer.close());

  it('registers the sagemaker target from config, which talks to the configured endpoints', async () => {
    const { targets, stop } = await startComputeTargetModule(
      mlModuleSageMakerTarget,
      {
        ml: {
          targets: {
            sagemaker: {
              region: 'us-east-1',
              roleArn: 'arn:aws:iam::123456789012:role/ml-training',
              outputS3Uri: 's3://ml-output/jobs/',
              volumeSizeGb: 200,
              spotMaxWaitFactor: 1.5,
              endpoint: server.endpoint,
              logsEndpoint: logsServer.endpoint,
            },
          },
        },
      },
    );

    expect(targets.map(t => t.id)).toEqual(['sagemaker']);
    await targets[0].dispatch(
      sampleDispatchRequest(
        { target: 'sagemaker', spot: true, instanceType: 'ml.g5.xlarge' },
        { maxRuntimeSeconds: 1000 },
      ),
    );
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

    logsServer.append(
      '/aws/sagemaker/TrainingJobs',
      `${body.TrainingJobName}/algo-1-1735732800`,
      'Training started',
    );
    expect(await targets[0].logs!(body.TrainingJobName)).toBe(
      'Training started',
    );
    expect(logsServer.calls[0].authorization).toContain(
      '/us-east-1/logs/aws4_request',
    );
    await stop();
  });

  it('registers nothing and says so when not configured', async () => {
    expect(
      await stoppedTargetModule(
        startComputeTargetModule(mlModuleSageMakerTarget, {}),
      ),
    ).toEqual({
      targets: [],
      info: [expect.stringContaining('ml.targets.sagemaker is not configured')],
    });
  });
});

describe('mlModuleSageMakerServingTarget', () => {
  it('registers the sagemaker serving target from config, which talks to the configured endpoint', async () => {
    const { targets, logger, stop } = await startServingTargetModule(
      mlModuleSageMakerServingTarget,
      {
        ml: {
          serving: {
            targets: {
              sagemaker: {
                region: 'eu-west-1',
                executionRoleArn: 'arn:aws:iam::123456789012:role/ml-serving',
                images: { python_function: 'registry.example/pyfunc:2' },
                serverless: { memorySizeMb: 4096 },
                endpoint: server.endpoint,
              },
            },
          },
        },
      },
    );

    expect(targets.map(t => t.id)).toEqual(['sagemaker']);
    expect(logger.info).toHaveBeenCalledWith(
      'sagemaker serving target registered for region eu-west-1',
    );
    await targets[0].apply(
      sampleEndpointSpec({
        kind: 'serverless',
        scaling: { minReplicas: 0, maxReplicas: 1, targetConcurrency: 4 },
        deployments: [
          sampleServingDeployment('1', 100, {
            artifactUri: 's3://ml-models/fraud/1/model',
          }),
        ],
      }),
    );
    const [model, config] = server.calls.filter(c =>
      c.operation.startsWith('Create'),
    );
    expect(model.body.PrimaryContainer.Image).toBe('registry.example/pyfunc:2');
    expect(model.authorization).toContain('/eu-west-1/sagemaker/aws4_request');
    expect(config.body.ProductionVariants[0].ServerlessConfig).toEqual({
      MemorySizeInMB: 4096,
      MaxConcurrency: 4,
    });
    expect((await targets[0].status('fraud-scorer')).url).toBe(
      'https://runtime.sagemaker.eu-west-1.amazonaws.com/endpoints/fraud-scorer/invocations',
    );
    await stop();
  });

  it('registers nothing and says so when not configured', async () => {
    expect(
      await stoppedTargetModule(
        startServingTargetModule(mlModuleSageMakerServingTarget, {}),
      ),
    ).toEqual({
      targets: [],
      info: [
        'ml.serving.targets.sagemaker is not configured; the sagemaker serving target is not registered',
      ],
    });
  });

  it('stops the backend at startup when the settings are invalid', async () => {
    await expect(
      startServingTargetModule(mlModuleSageMakerServingTarget, {
        ml: {
          serving: {
            targets: {
              sagemaker: {
                region: 'us-east-1',
                executionRoleArn: 'ml-serving',
              },
            },
          },
        },
      }),
    ).rejects.toThrow(/executionRoleArn must be an IAM role ARN/);
  });
});
