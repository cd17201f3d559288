import {
  sampleDispatchRequest,
  startComputeTargetModule,
  stoppedTargetModule,
} from '@ml-portal/plugin-ml-node/testUtils';
import { useFakeAzureMlServerWithManagedIdentity } from './__testUtils__/fakeAzureMlServer';
import { mlModuleAzureMlTarget } from './module';

describe('mlModuleAzureMlTarget', () => {
  const server = useFakeAzureMlServerWithManagedIdentity();

  it('registers the azureml target from config, which talks to the configured workspace with the default credential', async () => {
    server().addCompute('a10-lowpri', { vmPriority: 'LowPriority' });
    const { targets, logger, stop } = await startComputeTargetModule(
      mlModuleAzureMlTarget,
      {
        ml: {
          targets: {
            azureml: {
              subscriptionId: '00000000-1111-2222-3333-444444444444',
              resourceGroup: 'ml-rg',
              workspace: 'ml-ws',
              experimentName: 'llm-finetune',
              checkpointDatastore: 'checkpoints',
              endpoint: server().endpoint,
            },
          },
        },
      },
    );

    expect(targets.map(t => t.id)).toEqual(['azureml']);
    expect(logger.info).toHaveBeenCalledWith(
      'azureml compute target registered for workspace ml-ws in resource group ml-rg',
    );
    await targets[0].dispatch(
      sampleDispatchRequest(
        { target: 'azureml', spot: true, instanceType: 'a10-lowpri' },
        { maxRuntimeSeconds: 600, checkpoint: { uri: 'ckpt/job-1' } },
      ),
    );
    expect(server().calls[0]).toMatchObject({ operation: 'GetToken' });
    const put = server().calls.find(c => c.operation === 'PutJob')!;
    expect(put.authorization).toBe('Bearer fake-managed-identity-token');
    expect(put.body!.properties).toMatchObject({
      experimentName: 'llm-finetune',
      computeId: expect.stringMatching(
        /\/workspaces\/ml-ws\/computes\/a10-lowpri$/,
      ),
      limits: { timeout: 'PT10M' },
      outputs: {
        checkpoints: {
          uri: 'azureml://datastores/checkpoints/paths/ckpt/job-1',
        },
      },
    });
    expect((await targets[0].status('attempt-1')).state).toBe('pending');
    await stop();
  });

  it('registers nothing and says so when not configured', async () => {
    expect(
      await stoppedTargetModule(
        startComputeTargetModule(mlModuleAzureMlTarget, {}),
      ),
    ).toEqual({
      targets: [],
      info: [expect.stringContaining('ml.targets.azureml is not configured')],
    });
  });

  it('stops the backend at startup on invalid settings', async () => {
    await expect(
      startComputeTargetModule(mlModuleAzureMlTarget, {
        ml: {
          targets: {
            azureml: {
              subscriptionId: 'not-a-guid',
              resourceGroup: 'ml-rg',
              workspace: 'ml-ws',
            },
          },
        },
      }),
    ).rejects.toThrow(
      'ml.targets.azureml.subscriptionId must be a subscription id',
    );
  });
});
