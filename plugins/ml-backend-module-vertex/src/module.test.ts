import {
  sampleDispatchRequest,
  startComputeTargetModule,
  stoppedTargetModule,
} from '@ml-portal/plugin-ml-node/testUtils';
import { useFakeVertexServer } from './__testUtils__/fakeVertexServer';
import { mlModuleVertexTarget } from './module';

describe('mlModuleVertexTarget', () => {
  const server = useFakeVertexServer();

  it('registers the vertex target from config, which talks to the configured endpoint', async () => {
    const { targets, logger, stop } = await startComputeTargetModule(
      mlModuleVertexTarget,
      {
        ml: {
          targets: {
            vertex: {
              project: 'ml-training-prod',
              location: 'europe-west4',
              baseOutputDirectory: 'gs://ml-output/jobs/',
              serviceAccount:
                'ml-training@ml-training-prod.iam.gserviceaccount.com',
              apiEndpoint: server().endpoint,
            },
          },
        },
      },
    );

    expect(targets.map(t => t.id)).toEqual(['vertex']);
    expect(logger.info).toHaveBeenCalledWith(
      'vertex compute target registered for project ml-training-prod in europe-west4',
    );
    const { externalId } = await targets[0].dispatch(
      sampleDispatchRequest(
        {
          target: 'vertex',
          spot: true,
          gpuType: 'T4',
          instanceType: 'n1-standard-8',
        },
        { maxRuntimeSeconds: 1000 },
      ),
    );
    expect(externalId).toMatch(
      /^projects\/ml-training-prod\/locations\/europe-west4\/customJobs\/\d+$/,
    );
    const { body } = server().calls.find(
      c => c.operation === 'CreateCustomJob',
    )!;
    expect(body.jobSpec).toMatchObject({
      baseOutputDirectory: { outputUriPrefix: 'gs://ml-output/jobs/attempt-1' },
      serviceAccount: 'ml-training@ml-training-prod.iam.gserviceaccount.com',
      scheduling: { timeout: '1000s', restartJobOnWorkerRestart: true },
    });
    expect(body.jobSpec.workerPoolSpecs[0].machineSpec).toMatchObject({
      machineType: 'n1-standard-8',
      acceleratorCount: 1,
    });
    expect(await targets[0].status('attempt-1')).toMatchObject({
      state: 'pending',
      instanceType: 'n1-standard-8',
    });
    await stop();
  });

  it('registers nothing and says so when not configured', async () => {
    expect(
      await stoppedTargetModule(
        startComputeTargetModule(mlModuleVertexTarget, {}),
      ),
    ).toEqual({
      targets: [],
      info: [expect.stringContaining('ml.targets.vertex is not configured')],
    });
  });

  it('refuses to start with invalid settings', async () => {
    await expect(
      startComputeTargetModule(mlModuleVertexTarget, {
        ml: {
          targets: {
            vertex: {
              project: 'ml-training-prod',
              location: 'europe-west4',
              baseOutputDirectory: 's3://ml-output',
            },
          },
        },
      }),
    ).rejects.toThrow('ml.targets.vertex.baseOutputDirectory must be a gs://');
  });
});
