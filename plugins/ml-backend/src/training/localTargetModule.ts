import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { mlComputeTargetsExtensionPoint } from '@ml-portal/plugin-ml-node';
import { LocalComputeTarget } from './LocalComputeTarget';

/**
 * Adds the `local` compute target (jobs run on the backend's host) through the
 * compute-target extension point, as the cloud targets' modules do, when
 * `ml.training.local.enabled` is true: single-machine installs and demos only.
 *
 * @public
 */
export const mlModuleLocalComputeTarget = createBackendModule({
  pluginId: 'ml',
  moduleId: 'local-target',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        targets: mlComputeTargetsExtensionPoint,
      },
      async init({ config, logger, targets }) {
        if (!config.getOptionalBoolean('ml.training.local.enabled')) return;
        targets.addComputeTarget(
          await LocalComputeTarget.create({ config, logger }),
        );
      },
    });
  },
});
