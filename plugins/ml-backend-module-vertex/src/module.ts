import { createComputeTargetModule } from '@ml-portal/plugin-ml-node';
import { readVertexTargetSettings } from './config';
import { VertexComputeTarget } from './VertexComputeTarget';

/**
 * Adds the `vertex` compute target to the ml backend plugin when `ml.targets.vertex` is
 * configured.
 *
 * @public
 */
export const mlModuleVertexTarget = createComputeTargetModule({
  id: 'vertex',
  readSettings: readVertexTargetSettings,
  create: ({ settings, logger }) =>
    VertexComputeTarget.create({ settings, logger }),
  describe: settings => `project ${settings.project} in ${settings.location}`,
});
