import {
  sampleDispatchRequest,
  startComputeTargetModule,
} from '@ml-portal/plugin-ml-node/testUtils';
import {
  FakeCloudWatchLogsServer,
  startFakeCloudWatchLogsServer,
} from './__testUtils__/fakeCloudWatchLogsServer';
import {
  FakeSageMakerServer,
  startFakeSageMakerServer,
} from './__testUtils__/fakeSageMakerServer';
import { mlModuleSageMakerTarget } from './module';

describe('mlModuleSageMakerTarget', () => {
  const savedEnv = { ...process.env };
  let server: FakeSageMakerServer;
  let logsServer: FakeCloudWatchLogsServer;

  beforeEach(async () => {
    server = await startFakeSageMakerServer();
    logsServer = await startFakeCloudWatchLogsServer();
    // Static fake credentials for the SDK's default chain, in this test only.
    process.env.AWS_ACCESS_KEY_ID = 'AKIDFAKE';
    process.env.AWS_SECRET_ACCESS_KEY = 'fake-secret';
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
  });

  afterEach(async () => {
    process.env = { ...savedEnv };
    await server.close();
    await logsServer.close();
  });

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
    const { targets, logger } = await startComputeTargetModule(
      mlModuleSageMakerTarget,
      {},
    );

    expect(targets).toEqual([]);
    expect(logger.info).toHaveBeenCalledTimes(1);
    expect(logger.info).toHaveBeenCalledWith(
      expect.stringContaining('ml.targets.sagemaker is not configured'),
    );
  });
});
