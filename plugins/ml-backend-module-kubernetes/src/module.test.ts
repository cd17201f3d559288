import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import {
  ComputeTarget,
  mlComputeTargetsExtensionPoint,
} from '@ml-portal/plugin-ml-node';
import { FakeKubeApiServer } from './__testUtils__/fakeKubeApiServer';
import { mlModuleKubernetesTarget } from './module';

describe('mlModuleKubernetesTarget', () => {
  let fake: FakeKubeApiServer;

  beforeEach(async () => {
    fake = await FakeKubeApiServer.start();
  });

  afterEach(() => fake.close());

  it('registers the kubernetes target from config, which talks to the configured cluster', async () => {
    const kubeconfigPath = join(
      mkdtempSync(join(tmpdir(), 'kubeconfig-')),
      'config',
    );
    writeFileSync(kubeconfigPath, fake.kubeConfig().exportConfig());
    const added: ComputeTarget[] = [];

    const backend = await startTestBackend({
      extensionPoints: [
        [
          mlComputeTargetsExtensionPoint,
          { addComputeTarget: (...targets) => added.push(...targets) },
        ],
      ],
      features: [
        mlModuleKubernetesTarget,
        mockServices.rootConfig.factory({
          data: {
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
        }),
      ],
    });

    expect(added.map(t => t.id)).toEqual(['kubernetes']);
    await added[0].dispatch({
      externalName: 'ml-attempt-1',
      jobId: 'job-1',
      attemptId: 'attempt-1',
      pool: {
        name: 'on-demand',
        target: 'kubernetes',
        region: 'eu-west-1',
        gpuType: 'L4',
        gpusPerNode: 4,
        spot: false,
        labels: { pool: 'l4' },
        taints: [],
        compliance: [],
      },
      image: 'registry.example/train:1',
      command: ['train'],
      env: {},
      secretEnv: [],
      resources: { gpus: 1 },
    });
    const job = fake.jobs.get('ml-attempt-1')!;
    expect(job.spec.ttlSecondsAfterFinished).toBe(120);
    expect(job.spec.template.spec.imagePullSecrets).toEqual([
      { name: 'registry' },
    ]);
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
        mlModuleKubernetesTarget,
        logger.factory,
        mockServices.rootConfig.factory({ data: {} }),
      ],
    });

    expect(added).toEqual([]);
    expect(logger.info).toHaveBeenCalledTimes(1);
    expect(logger.info).toHaveBeenCalledWith(
      expect.stringContaining('ml.targets.kubernetes is not configured'),
    );
  });

  it('stops the backend at startup when the settings are invalid', async () => {
    await expect(
      startTestBackend({
        extensionPoints: [
          [mlComputeTargetsExtensionPoint, { addComputeTarget: () => {} }],
        ],
        features: [
          mlModuleKubernetesTarget,
          mockServices.rootConfig.factory({
            data: { ml: { targets: { kubernetes: { namespace: 'Bad NS' } } } },
          }),
        ],
      }),
    ).rejects.toThrow('must be a Kubernetes namespace name');
  });
});
