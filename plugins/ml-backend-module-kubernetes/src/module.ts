import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { mlComputeTargetsExtensionPoint } from '@ml-portal/plugin-ml-node';
import { KubernetesComputeTarget } from './KubernetesComputeTarget';

/**
 * Adds the `kubernetes` compute target to the ml backend plugin when
 * `ml.targets.kubernetes` is configured.
 *
 * @public
 */
export const mlModuleKubernetesTarget = createBackendModule({
  pluginId: 'ml',
  moduleId: 'kubernetes-target',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        targets: mlComputeTargetsExtensionPoint,
      },
      async init({ config, logger, targets }) {
        if (!config.has('ml.targets.kubernetes')) {
          logger.info(
            'ml.targets.kubernetes is not configured; the kubernetes compute target is not registered',
          );
          return;
        }
        targets.addComputeTarget(
          KubernetesComputeTarget.create({ config, logger }),
        );
      },
    });
  },
});
