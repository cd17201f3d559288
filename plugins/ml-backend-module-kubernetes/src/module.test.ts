import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  sampleDispatchRequest,
  sampleEndpointSpec,
  startComputeTargetModule,
  startServingTargetModule,
  stoppedTargetModule,
} from '@ml-portal/plugin-ml-node/testUtils';
import { FakeKubeApiServer } from './__testUtils__/fakeKubeApiServer';
import {
  mlModuleKubernetesServingTarget,
  mlModuleKubernetesTarget,
} from './module';

let fake: FakeKubeApiServer;
let kubeconfigPath: string;

beforeEach(async () => {
  fake = await FakeKubeApiServer.start();
  kubeconfigPath = join(mkdtempSync(join(tmpdir(), 'kubeconfig-')), 'config');
  writeFileSync(kubeconfigPath, fake.kubeConfig().exportConfig());
});

afterEach(() => fake.close());

describe('mlModuleKubernetesTarget', () => {
  it('registers the kubernetes target from config, which talks to the configured cluster', async () => {
    const { targets, stop } = await startComputeTargetModule(
      mlModuleKubernetesTarget,
      {
        ml: {
          targets: {
            kubernetes: {
              namespace: 'ml',
              kubeconfigPath,
              ttlSecondsAfterFinished: 120,
              imagePullSecrets: ['registry'],
            },
          },
        },
      },
    );

    expect(targets.map(t => t.id)).toEqual(['kubernetes']);
    await targets[0].dispatch(
      sampleDispatchRequest(
        { target: 'kubernetes', labels: { pool: 'l4' } },
        { externalName: 'ml-attempt-1' },
      ),
    );
    const job = fake.jobs.get('ml-attempt-1')!;
    expect(job.spec.ttlSecondsAfterFinished).toBe(120);
    expect(job.spec.template.spec.imagePullSecrets).toEqual([
      { name: 'registry' },
    ]);
    await stop();
  });

  it('registers nothing and says so when not configured', async () => {
    expect(
      await stoppedTargetModule(
        startComputeTargetModule(mlModuleKubernetesTarget, {}),
      ),
    ).toEqual({
      targets: [],
      info: [
        expect.stringContaining('ml.targets.kubernetes is not configured'),
      ],
    });
  });

  it('stops the backend at startup when the settings are invalid', async () => {
    await expect(
      startComputeTargetModule(mlModuleKubernetesTarget, {
        ml: { targets: { kubernetes: { namespace: 'Bad NS' } } },
      }),
    ).rejects.toThrow('must be a Kubernetes namespace name');
  });
});

describe('mlModuleKubernetesServingTarget', () => {
  it('registers the kubernetes serving target from config, which serves on the configured cluster', async () => {
    const { targets, logger, stop } = await startServingTargetModule(
      mlModuleKubernetesServingTarget,
      {
        ml: {
          serving: {
            targets: {
              kubernetes: { namespace: 'ml', kubeconfigPath, mode: 'kserve' },
            },
          },
        },
      },
    );

    expect(targets.map(t => t.id)).toEqual(['kubernetes']);
    expect(logger.info).toHaveBeenCalledWith(
      'kubernetes serving target registered for namespace ml, mode kserve',
    );
    await targets[0].apply(sampleEndpointSpec());
    const isvc = fake.objects.inferenceservices.get('fraud-scorer')!;
    expect(isvc.spec.predictor.model.storageUri).toBe('s3://ml-models/fraud/1');
    await stop();
  });

  it('registers nothing and says so when not configured', async () => {
    expect(
      await stoppedTargetModule(
        startServingTargetModule(
          mlModuleKubernetesServingTarget,
          // The compute target's section does not configure serving.
          {
            ml: {
              targets: { kubernetes: { namespace: 'ml', kubeconfigPath } },
            },
          },
        ),
      ),
    ).toEqual({
      targets: [],
      info: [
        expect.stringContaining(
          'ml.serving.targets.kubernetes is not configured',
        ),
      ],
    });
  });

  it.each([
    [{ namespace: 'ml', mode: 'istio' }, 'mode must be one of kserve'],
    [{ namespace: 'Serving!' }, 'must be a Kubernetes namespace name'],
  ])('stops the backend at startup on %o', async (kubernetes, message) => {
    await expect(
      startServingTargetModule(mlModuleKubernetesServingTarget, {
        ml: { serving: { targets: { kubernetes } } },
      }),
    ).rejects.toThrow(message);
  });
});
