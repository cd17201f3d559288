import { DefaultAzureCredential } from '@azure/identity';
import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { mlComputeTargetsExtensionPoint } from '@ml-portal/plugin-ml-node';
import { AzureMlComputeTarget } from './AzureMlComputeTarget';
import { readAzureMlTargetSettings } from './config';

/**
 * Adds the `azureml` compute target to the ml backend plugin when `ml.targets.azureml`
 * is configured. Credentials come from `DefaultAzureCredential`.
 *
 * @public
 */
export const mlModuleAzureMlTarget = createBackendModule({
  pluginId: 'ml',
  moduleId: 'azureml-target',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        targets: mlComputeTargetsExtensionPoint,
      },
      async init({ config, logger, targets }) {
        const settings = readAzureMlTargetSettings(config);
        if (!settings) {
          logger.info(
            'ml.targets.azureml is not configured; the azureml compute target is not registered',
          );
          return;
        }
        const target = AzureMlComputeTarget.create({
          settings,
          credential: new DefaultAzureCredential(),
          logger,
        });
        targets.addComputeTarget(target);
        logger.info(
          `azureml compute target registered for workspace ${settings.workspace} in resource group ${settings.resourceGroup}`,
        );
      },
    });
  },
});
