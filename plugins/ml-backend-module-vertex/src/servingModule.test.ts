import {
  sampleEndpointSpec,
  sampleServingDeployment,
  startServingTargetModule,
  stoppedTargetModule,
} from '@ml-portal/plugin-ml-node/testUtils';
import { useFakeVertexServer } from './__testUtils__/fakeVertexServer';
import { vertexServingConfig } from './__testUtils__/servingConfig';
import { mlModuleVertexServingTarget } from './servingModule';

describe('mlModuleVertexServingTarget', () => {
  const server = useFakeVertexServer();

  it('registers the vertex serving target from config, which talks to the configured endpoint', async () => {
    const { targets, logger, stop } = await startServingTargetModule(
      mlModuleVertexServingTarget,
      vertexServingConfig({
        apiEndpoint: server().endpoint,
        machineType: 'n1-standard-2',
        images: {
          python_function:
            'europe-docker.pkg.dev/ml-serving-prod/serving/mlflow-pyfunc:2.17',
        },
      }),
    );

    expect(targets.map(t => t.id)).toEqual(['vertex']);
    expect(logger.info).toHaveBeenCalledWith(
      'vertex serving target registered for project ml-serving-prod in europe-west4',
    );
    await targets[0].apply(
      sampleEndpointSpec({
        deployments: [
          sampleServingDeployment('1', 100, {
            artifactUri: 'gs://ml-models/fraud/1',
          }),
        ],
      }),
    );
    const deploy = server().calls.find(c => c.operation === 'DeployModel')!;
    expect(deploy.path).toBe(
      '/v1/projects/ml-serving-prod/locations/europe-west4/endpoints/fraud-scorer:deployModel',
    );
    expect(deploy.body.deployedModel.dedicatedResources.machineSpec).toEqual({
      machineType: 'n1-standard-2',
    });
    expect(await targets[0].status('fraud-scorer')).toMatchObject({
      state: 'ready',
    });
    await stop();
  });

  it('registers nothing and says so when not configured', async () => {
    expect(
      await stoppedTargetModule(
        startServingTargetModule(
          mlModuleVertexServingTarget,
          // The compute target's section does not configure serving.
          { ml: { targets: { vertex: { project: 'ml-training-prod' } } } },
        ),
      ),
    ).toEqual({
      targets: [],
      info: [
        expect.stringContaining('ml.serving.targets.vertex is not configured'),
      ],
    });
  });

  it('refuses to start with invalid settings', async () => {
    await expect(
      startServingTargetModule(
        mlModuleVertexServingTarget,
        vertexServingConfig({ images: { python_function: 'not an image' } }),
      ),
    ).rejects.toThrow(
      "ml.serving.targets.vertex.images.python_function must be a container image reference with a tag or digest, got 'not an image'",
    );
  });
});
