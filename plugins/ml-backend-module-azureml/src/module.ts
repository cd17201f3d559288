import { DefaultAzureCredential } from '@azure/identity';
import { createComputeTargetModule } from '@ml-portal/plugin-ml-node';
import { AzureMlComputeTarget } from './AzureMlComputeTarget';
import { readAzureMlTargetSettings } from './config';

/**
 * Adds the `azureml` compute target to the ml backend plugin when `ml.targets.azureml`
 * is configured. Credentials come from `DefaultAzureCredential`.
 *
 * @public
 */
export const mlModuleAzureMlTarget = createComputeTargetModule({
  id: 'azureml',
  readSettings: readAzureMlTargetSettings,
  create: ({ settings, logger }) =>
    AzureMlComputeTarget.create({
      settings,
      credential: new DefaultAzureCredential(),
      logger,
    }),
  describe: settings =>
    `workspace ${settings.workspace} in resource group ${settings.resourceGroup}`,
});
