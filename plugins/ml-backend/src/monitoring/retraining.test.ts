import { mockCredentials } from '@backstage/backend-test-utils';
import { StoredEndpoint } from '../deployments/DeploymentStore';
import { platformRetraining } from './retraining';

const endpoint = {
  name: 'churn-prod',
  owner: 'group:default/growth',
  modelName: 'churn',
} as StoredEndpoint;

describe('platformRetraining', () => {
  function setup(sourceRun: string | undefined) {
    const retrain = jest.fn(async () => ({ jobId: 'job-7' }));
    const record = jest.fn(async () => {});
    const retraining = platformRetraining({
      sourceRunOf: async (model, version) =>
        model === 'churn' && version === 3 ? sourceRun : undefined,
      retrain,
      lineage: { record },
      credentials: async () => mockCredentials.service('plugin:ml'),
    });
    return { retraining, retrain, record };
  }

  it("trains the version's source run again for the owner group and records the edge", async () => {
    const { retraining, retrain, record } = setup('run-1');
    await expect(
      retraining({
        endpoint,
        version: 3,
        deploymentId: 'dep-1',
        profile: 'gpu-small',
        reason: 'tenure drifted',
      }),
    ).resolves.toEqual({ jobId: 'job-7' });
    expect(retrain).toHaveBeenCalledWith(
      expect.objectContaining({
        kind: 'service',
        userId: 'ml-platform/retraining',
        groups: ['group:default/growth'],
        owner: 'group:default/growth',
      }),
      { runId: 'run-1', profile: 'gpu-small', reason: 'tenure drifted' },
    );
    expect(record).toHaveBeenCalledWith([
      {
        from: { kind: 'deployment', id: 'dep-1' },
        to: { kind: 'job', id: 'job-7' },
        relation: 'retrained_as',
      },
    ]);
  });

  it('refuses a version with no source run, submitting nothing', async () => {
    const { retraining, retrain, record } = setup(undefined);
    await expect(
      retraining({
        endpoint,
        version: 3,
        deploymentId: 'dep-1',
        profile: 'gpu-small',
        reason: 'drift',
      }),
    ).rejects.toThrow('Version 3 of churn has no source run to train again');
    expect(retrain).not.toHaveBeenCalled();
    expect(record).not.toHaveBeenCalled();
  });
});
