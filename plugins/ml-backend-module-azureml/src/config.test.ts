import { ConfigReader } from '@backstage/config';
import { isLoopbackHttp, readAzureMlTargetSettings } from './config';

const minimal = {
  subscriptionId: '00000000-1111-2222-3333-444444444444',
  resourceGroup: 'ml-rg',
  workspace: 'ml-ws',
};

function read(azureml?: object) {
  return readAzureMlTargetSettings(
    new ConfigReader(azureml ? { ml: { targets: { azureml } } } : {}),
  );
}

describe('readAzureMlTargetSettings', () => {
  it('is undefined without config', () => {
    expect(read()).toBeUndefined();
  });

  it('fills defaults', () => {
    expect(read(minimal)).toEqual({
      ...minimal,
      environment: undefined,
      experimentName: 'ml-portal',
      checkpointDatastore: 'workspaceblobstore',
      endpoint: 'https://management.azure.com',
    });
  });

  it('keeps what is set, without a trailing slash on the endpoint', () => {
    expect(
      read({
        ...minimal,
        resourceGroup: 'ML.Platform_(prod)-rg',
        environment:
          'azureml://registries/azureml/environments/acpt-pytorch/versions/10',
        experimentName: 'llm-finetune',
        checkpointDatastore: 'checkpoints_store',
        endpoint: 'https://management.usgovcloudapi.net/',
      }),
    ).toMatchObject({
      resourceGroup: 'ML.Platform_(prod)-rg',
      environment:
        'azureml://registries/azureml/environments/acpt-pytorch/versions/10',
      experimentName: 'llm-finetune',
      checkpointDatastore: 'checkpoints_store',
      endpoint: 'https://management.usgovcloudapi.net',
    });
    expect(
      read({ ...minimal, endpoint: 'http://127.0.0.1:4000' }),
    ).toMatchObject({
      endpoint: 'http://127.0.0.1:4000',
    });
  });

  it.each([
    [
      { subscriptionId: 'my-subscription' },
      'subscriptionId must be a subscription id (a GUID)',
    ],
    [
      { resourceGroup: 'ml-rg.' },
      'resourceGroup must be a resource group name',
    ],
    [{ resourceGroup: 'ml/rg' }, 'resourceGroup must be a resource group name'],
    [{ workspace: 'ws' }, 'workspace must be an Azure ML workspace name'],
    [{ workspace: 'ml ws' }, 'workspace must be an Azure ML workspace name'],
    [
      { environment: 'pytorch:3' },
      'environment must be an Azure ML environment',
    ],
    [
      { experimentName: '-bad' },
      'experimentName must be an Azure ML experiment name',
    ],
    [
      { checkpointDatastore: 'my-store' },
      'checkpointDatastore must be an Azure ML datastore name',
    ],
    [{ endpoint: 'management.azure.com' }, 'endpoint must be a URL'],
    [
      { endpoint: 'http://management.azure.com' },
      'endpoint must be an https URL (http only on localhost)',
    ],
    [
      { endpoint: 'https://management.azure.com?x=1' },
      'endpoint must be a plain base URL',
    ],
  ])('refuses %j', (override, message) => {
    expect(() => read({ ...minimal, ...override })).toThrow(
      `ml.targets.azureml.${message}`,
    );
  });

  it('requires the workspace coordinates', () => {
    expect(() => read({ subscriptionId: minimal.subscriptionId })).toThrow(
      /resourceGroup/,
    );
  });
});

describe('isLoopbackHttp', () => {
  it.each([
    ['http://127.0.0.1:8080/x', true],
    ['http://localhost', true],
    ['http://[::1]:3000', true],
    ['https://127.0.0.1', false],
    ['http://127.0.0.1.example.com', false],
    ['http://10.0.0.1', false],
    ['not a url', false],
  ])('%s is %s', (url, expected) => {
    expect(isLoopbackHttp(url)).toBe(expected);
  });
});
