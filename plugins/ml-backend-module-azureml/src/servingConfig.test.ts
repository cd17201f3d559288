import { ConfigReader } from '@backstage/config';
import { readAzureMlServingSettings } from './servingConfig';

type ConfigData = ConstructorParameters<typeof ConfigReader>[0];

const workspace = {
  subscriptionId: '00000000-1111-2222-3333-444444444444',
  resourceGroup: 'ml-rg',
  workspace: 'ml-ws',
};
const read = (azureml: ConfigData) =>
  readAzureMlServingSettings(
    new ConfigReader({ ml: { serving: { targets: { azureml } } } }),
  );

describe('readAzureMlServingSettings', () => {
  it('is undefined when the section is absent', () => {
    expect(readAzureMlServingSettings(new ConfigReader({}))).toBeUndefined();
  });

  it('reads the workspace as the compute target does, and the environments per flavor', () => {
    expect(
      read({
        ...workspace,
        environments: { portal_logistic: 'azureml:portal-logistic-serving:2' },
      }),
    ).toEqual({
      ...workspace,
      endpoint: 'https://management.azure.com',
      environments: { portal_logistic: 'azureml:portal-logistic-serving:2' },
      instanceType: undefined,
    });
  });

  it.each([
    [{ ...workspace, subscriptionId: 'sub' }, /subscriptionId must be/],
    [
      { ...workspace, endpoint: 'http://arm.example' },
      /endpoint must be an https URL/,
    ],
    [
      { ...workspace, environments: { pyfunc: 'docker.io/x' } },
      /environments\.pyfunc must be an Azure ML environment/,
    ],
    [
      { ...workspace, environments: { 'Bad-Flavor': 'azureml:e:1' } },
      /keyed by MLmodel flavor names/,
    ],
    [
      { ...workspace, instanceType: 'n1-standard-4' },
      /instanceType must be an Azure VM size/,
    ],
  ])('refuses invalid settings %#', (azureml, message) => {
    expect(() => read(azureml)).toThrow(message);
  });
});
