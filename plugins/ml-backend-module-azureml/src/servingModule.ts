import { DefaultAzureCredential } from '@azure/identity';
import { createServingTargetModule } from '@ml-portal/plugin-ml-node';
import { AzureMlServingTarget } from './AzureMlServingTarget';
import { readAzureMlServingSettings } from './servingConfig';

/**
 * Adds the `azureml` serving target to the ml backend plugin when
 * `ml.serving.targets.azureml` is configured. Credentials come from
 * `DefaultAzureCredential`, as for the compute target.
 *
 * @public
 */
export const mlModuleAzureMlServingTarget = createServingTargetModule({
  id: 'azureml',
  readSettings: readAzureMlServingSettings,
  create: ({ settings, logger }) =>
    AzureMlServingTarget.create({
      settings,
      credential: new DefaultAzureCredential(),
      logger,
    }),
  describe: settings =>
    `workspace ${settings.workspace} in resource group ${settings.resourceGroup}`,
});
