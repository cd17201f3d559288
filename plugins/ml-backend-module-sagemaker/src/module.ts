import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { mlComputeTargetsExtensionPoint } from '@ml-portal/plugin-ml-node';
import { readSageMakerTargetSettings } from './config';
import { SageMakerComputeTarget } from './SageMakerComputeTarget';

/**
 * Adds the `sagemaker` compute target to the ml backend plugin when
 * `ml.targets.sagemaker` is configured.
 *
 * @public
 */
export const mlModuleSageMakerTarget = createBackendModule({
  pluginId: 'ml',
  moduleId: 'sagemaker-target',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        lifecycle: coreServices.lifecycle,
        targets: mlComputeTargetsExtensionPoint,
      },
      async init({ config, logger, lifecycle, targets }) {
        const settings = readSageMakerTargetSettings(config);
        if (!settings) {
          logger.info(
            'ml.targets.sagemaker is not configured; the sagemaker compute target is not registered',
          );
          return;
        }
        const target = SageMakerComputeTarget.create({ settings, logger });
        targets.addComputeTarget(target);
        lifecycle.addShutdownHook(() => target.destroy());
        logger.info(
          `sagemaker compute target registered for region ${settings.region}`,
        );
      },
    });
  },
});
