import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { mlComputeTargetsExtensionPoint } from '@ml-portal/plugin-ml-node';
import { readVertexTargetSettings } from './config';
import { VertexComputeTarget } from './VertexComputeTarget';

/**
 * Adds the `vertex` compute target to the ml backend plugin when `ml.targets.vertex` is
 * configured.
 *
 * @public
 */
export const mlModuleVertexTarget = createBackendModule({
  pluginId: 'ml',
  moduleId: 'vertex-target',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        lifecycle: coreServices.lifecycle,
        targets: mlComputeTargetsExtensionPoint,
      },
      async init({ config, logger, lifecycle, targets }) {
        const settings = readVertexTargetSettings(config);
        if (!settings) {
          logger.info(
            'ml.targets.vertex is not configured; the vertex compute target is not registered',
          );
          return;
        }
        const target = VertexComputeTarget.create({ settings, logger });
        targets.addComputeTarget(target);
        lifecycle.addShutdownHook(() => target.destroy());
        logger.info(
          `vertex compute target registered for project ${settings.project} in ${settings.location}`,
        );
      },
    });
  },
});
