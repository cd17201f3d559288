import { startServingTargetModule } from '@ml-portal/plugin-ml-node/testUtils';
import {
  FakeSageMakerServer,
  startFakeSageMakerServer,
} from './__testUtils__/fakeSageMakerServer';
import { mlModuleSageMakerServingTarget } from './module';

describe('mlModuleSageMakerServingTarget', () => {
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
    await targets[0].apply({
      name: 'churn-prod',
      kind: 'serverless',
      owner: 'group:default/ml-team',
      gpus: 0,
      scaling: { minReplicas: 0, maxReplicas: 1, targetConcurrency: 4 },
      deployments: [
        {
          name: 'churn-prod-v1',
          model: {
            name: 'churn',
            version: '1',
            artifactUri: 's3://ml-models/churn/1/model',
          },
          weight: 100,
        },
      ],
    });
    const [model, config] = server.calls.filter(c =>
      c.operation.startsWith('Create'),
    );
    expect(model.body.PrimaryContainer.Image).toBe('registry.example/pyfunc:2');
    expect(model.authorization).toContain('/eu-west-1/sagemaker/aws4_request');
    expect(config.body.ProductionVariants[0].ServerlessConfig).toEqual({
      MemorySizeInMB: 4096,
      MaxConcurrency: 4,
    });
    expect((await targets[0].status('churn-prod')).url).toBe(
      'https://runtime.sagemaker.eu-west-1.amazonaws.com/endpoints/churn-prod/invocations',
    );
    await stop();
  });

  it('registers nothing and says so when not configured', async () => {
    const { targets, logger, stop } = await startServingTargetModule(
      mlModuleSageMakerServingTarget,
      {},
    );

    expect(targets).toEqual([]);
    expect(logger.info).toHaveBeenCalledWith(
      'ml.serving.targets.sagemaker is not configured; the sagemaker serving target is not registered',
    );
    await stop();
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
