import { startServingTargetModule } from '@ml-portal/plugin-ml-node/testUtils';
import {
  FakeVertexServer,
  startFakeVertexServer,
  useFakeApplicationDefaultCredentials,
} from './__testUtils__/fakeVertexServer';
import { mlModuleVertexServingTarget } from './servingModule';

describe('mlModuleVertexServingTarget', () => {
  let adc: ReturnType<typeof useFakeApplicationDefaultCredentials>;
  let server: FakeVertexServer;

  beforeEach(async () => {
    adc = useFakeApplicationDefaultCredentials();
    server = await startFakeVertexServer();
  });

  afterEach(async () => {
    await server.close();
    adc.restore();
  });

  it('registers the vertex serving target from config, which talks to the configured endpoint', async () => {
    const { targets, logger, stop } = await startServingTargetModule(
      mlModuleVertexServingTarget,
      {
        ml: {
          serving: {
            targets: {
              vertex: {
                project: 'ml-serving-prod',
                location: 'europe-west4',
                apiEndpoint: server.endpoint,
                machineType: 'n1-standard-2',
                images: {
                  python_function:
                    'europe-docker.pkg.dev/ml-serving-prod/serving/mlflow-pyfunc:2.17',
                },
              },
            },
          },
        },
      },
    );

    expect(targets.map(t => t.id)).toEqual(['vertex']);
    expect(logger.info).toHaveBeenCalledWith(
      'vertex serving target registered for project ml-serving-prod in europe-west4',
    );
    await targets[0].apply({
      name: 'churn',
      kind: 'real-time',
      owner: 'group:default/growth',
      gpus: 0,
      scaling: { minReplicas: 1, maxReplicas: 1, targetConcurrency: 4 },
      deployments: [
        {
          name: 'churn-v1',
          weight: 100,
          model: {
            name: 'churn',
            version: '1',
            artifactUri: 'gs://ml-models/churn/1',
          },
        },
      ],
    });
    const deploy = server.calls.find(c => c.operation === 'DeployModel')!;
    expect(deploy.path).toBe(
      '/v1/projects/ml-serving-prod/locations/europe-west4/endpoints/churn:deployModel',
    );
    expect(deploy.body.deployedModel.dedicatedResources.machineSpec).toEqual({
      machineType: 'n1-standard-2',
    });
    expect(await targets[0].status('churn')).toMatchObject({ state: 'ready' });
    await stop();
  });

  it('registers nothing and says so when not configured', async () => {
    const { targets, logger, stop } = await startServingTargetModule(
      mlModuleVertexServingTarget,
      // The compute target's section does not configure serving.
      { ml: { targets: { vertex: { project: 'ml-training-prod' } } } },
    );

    expect(targets).toEqual([]);
    expect(logger.info).toHaveBeenCalledTimes(1);
    expect(logger.info).toHaveBeenCalledWith(
      expect.stringContaining('ml.serving.targets.vertex is not configured'),
    );
    await stop();
  });

  it('refuses to start with invalid settings', async () => {
    await expect(
      startServingTargetModule(mlModuleVertexServingTarget, {
        ml: {
          serving: {
            targets: {
              vertex: {
                project: 'ml-serving-prod',
                location: 'europe-west4',
                images: { python_function: 'not an image' },
              },
            },
          },
        },
      }),
    ).rejects.toThrow(
      "ml.serving.targets.vertex.images.python_function must be a container image reference with a tag or digest, got 'not an image'",
    );
  });
});
