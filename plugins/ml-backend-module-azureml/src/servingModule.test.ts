import {
  sampleEndpointSpec,
  sampleServingDeployment,
  startServingTargetModule,
  stoppedTargetModule,
} from '@ml-portal/plugin-ml-node/testUtils';
import { useFakeAzureMlServerWithManagedIdentity } from './__testUtils__/fakeAzureMlServer';
import { mlModuleAzureMlServingTarget } from './servingModule';

/** Root config of an azureml serving target of workspace ml-ws in resource group ml-rg. */
const config = (azureml: Record<string, unknown>) => ({
  ml: {
    serving: {
      targets: {
        azureml: {
          subscriptionId: '00000000-1111-2222-3333-444444444444',
          resourceGroup: 'ml-rg',
          workspace: 'ml-ws',
          ...azureml,
        },
      },
    },
  },
});

describe('mlModuleAzureMlServingTarget', () => {
  const server = useFakeAzureMlServerWithManagedIdentity();

  it('registers the azureml serving target from config, which talks to the configured workspace with the default credential', async () => {
    const { targets, logger, stop } = await startServingTargetModule(
      mlModuleAzureMlServingTarget,
      config({ instanceType: 'Standard_F4s_v2', endpoint: server().endpoint }),
    );

    expect(targets.map(t => t.id)).toEqual(['azureml']);
    expect(logger.info).toHaveBeenCalledWith(
      'azureml serving target registered for workspace ml-ws in resource group ml-rg',
    );
    const spec = sampleEndpointSpec({
      deployments: [
        sampleServingDeployment('1', 100, { artifactUri: 'azureml:fraud:1' }),
      ],
    });
    await targets[0].apply(spec);
    await targets[0].apply(spec);
    expect(server().calls[0]).toMatchObject({ operation: 'GetToken' });
    const deploy = server().calls.find(c => c.operation === 'PutDeployment')!;
    expect(deploy.authorization).toBe('Bearer fake-managed-identity-token');
    expect(deploy.body!.properties).toEqual({
      endpointComputeType: 'Managed',
      model: 'azureml:fraud:1',
      instanceType: 'Standard_F4s_v2',
      scaleSettings: { scaleType: 'Default' },
    });
    expect(await targets[0].status('fraud-scorer')).toMatchObject({
      state: 'ready',
      deployments: [{ name: 'fraud-scorer-v1', state: 'ready' }],
    });
    await stop();
  });

  it('registers nothing and says so when not configured', async () => {
    expect(
      await stoppedTargetModule(
        startServingTargetModule(
          mlModuleAzureMlServingTarget,
          // The compute target's section does not configure serving.
          { ml: { targets: { azureml: { workspace: 'ml-ws' } } } },
        ),
      ),
    ).toEqual({
      targets: [],
      info: [
        expect.stringContaining('ml.serving.targets.azureml is not configured'),
      ],
    });
  });

  it('refuses to start with invalid settings', async () => {
    await expect(
      startServingTargetModule(
        mlModuleAzureMlServingTarget,
        config({ instanceType: 'ml.m5.large' }),
      ),
    ).rejects.toThrow(
      "ml.serving.targets.azureml.instanceType must be an Azure VM size such as Standard_DS3_v2, got 'ml.m5.large'",
    );
  });
});
