import { startServingTargetModule } from '@ml-portal/plugin-ml-node/testUtils';
import {
  FakeAzureMlServer,
  startFakeAzureMlServer,
} from './__testUtils__/fakeAzureMlServer';
import { mlModuleAzureMlServingTarget } from './servingModule';

describe('mlModuleAzureMlServingTarget', () => {
  const savedEnv = { ...process.env };
  let server: FakeAzureMlServer;

  beforeEach(async () => {
    server = await startFakeAzureMlServer();
    // DefaultAzureCredential, in this test only, finds an App Service style managed
    // identity served by the fake.
    process.env.AZURE_TOKEN_CREDENTIALS = 'ManagedIdentityCredential';
    process.env.IDENTITY_ENDPOINT = `${server.endpoint}/msi/token`;
    process.env.IDENTITY_HEADER = 'fake-identity-header';
  });

  afterEach(async () => {
    process.env = { ...savedEnv };
    await server.close();
  });

  it('registers the azureml serving target from config, which talks to the configured workspace with the default credential', async () => {
    const { targets, logger, stop } = await startServingTargetModule(
      mlModuleAzureMlServingTarget,
      {
        ml: {
          serving: {
            targets: {
              azureml: {
                subscriptionId: '00000000-1111-2222-3333-444444444444',
                resourceGroup: 'ml-rg',
                workspace: 'ml-ws',
                instanceType: 'Standard_F4s_v2',
                endpoint: server.endpoint,
              },
            },
          },
        },
      },
    );

    expect(targets.map(t => t.id)).toEqual(['azureml']);
    expect(logger.info).toHaveBeenCalledWith(
      'azureml serving target registered for workspace ml-ws in resource group ml-rg',
    );
    const churn = {
      name: 'churn',
      kind: 'real-time' as const,
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
            artifactUri: 'azureml:churn:1',
          },
        },
      ],
    };
    await targets[0].apply(churn);
    await targets[0].apply(churn);
    expect(server.calls[0]).toMatchObject({ operation: 'GetToken' });
    const deploy = server.calls.find(c => c.operation === 'PutDeployment')!;
    expect(deploy.authorization).toBe('Bearer fake-managed-identity-token');
    expect(deploy.body!.properties).toEqual({
      endpointComputeType: 'Managed',
      model: 'azureml:churn:1',
      instanceType: 'Standard_F4s_v2',
      scaleSettings: { scaleType: 'Default' },
    });
    expect(await targets[0].status('churn')).toMatchObject({
      state: 'ready',
      deployments: [{ name: 'churn-v1', state: 'ready' }],
    });
    await stop();
  });

  it('registers nothing and says so when not configured', async () => {
    const { targets, logger, stop } = await startServingTargetModule(
      mlModuleAzureMlServingTarget,
      // The compute target's section does not configure serving.
      { ml: { targets: { azureml: { workspace: 'ml-ws' } } } },
    );

    expect(targets).toEqual([]);
    expect(logger.info).toHaveBeenCalledTimes(1);
    expect(logger.info).toHaveBeenCalledWith(
      expect.stringContaining('ml.serving.targets.azureml is not configured'),
    );
    await stop();
  });

  it('refuses to start with invalid settings', async () => {
    await expect(
      startServingTargetModule(mlModuleAzureMlServingTarget, {
        ml: {
          serving: {
            targets: {
              azureml: {
                subscriptionId: '00000000-1111-2222-3333-444444444444',
                resourceGroup: 'ml-rg',
                workspace: 'ml-ws',
                instanceType: 'ml.m5.large',
              },
            },
          },
        },
      }),
    ).rejects.toThrow(
      "ml.serving.targets.azureml.instanceType must be an Azure VM size such as Standard_DS3_v2, got 'ml.m5.large'",
    );
  });
});
