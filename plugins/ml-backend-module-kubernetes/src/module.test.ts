import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  sampleDispatchRequest,
  startComputeTargetModule,
} from '@ml-portal/plugin-ml-node/testUtils';
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
    const { targets, logger } = await startComputeTargetModule(
      mlModuleKubernetesTarget,
      {},
    );

    expect(targets).toEqual([]);
    expect(logger.info).toHaveBeenCalledTimes(1);
    expect(logger.info).toHaveBeenCalledWith(
      expect.stringContaining('ml.targets.kubernetes is not configured'),
    );
  });

  it('stops the backend at startup when the settings are invalid', async () => {
    await expect(
      startComputeTargetModule(mlModuleKubernetesTarget, {
        ml: { targets: { kubernetes: { namespace: 'Bad NS' } } },
      }),
    ).rejects.toThrow('must be a Kubernetes namespace name');
  });
});
