import { createServingTargetModule } from '@ml-portal/plugin-ml-node';
import { readVertexServingSettings } from './servingConfig';
import { VertexServingTarget } from './VertexServingTarget';

/**
 * Adds the `vertex` serving target to the ml backend plugin when
 * `ml.serving.targets.vertex` is configured.
 *
 * @public
 */
export const mlModuleVertexServingTarget = createServingTargetModule({
  id: 'vertex',
  readSettings: readVertexServingSettings,
  create: ({ settings, logger }) =>
    VertexServingTarget.create({ settings, logger }),
  describe: settings => `project ${settings.project} in ${settings.location}`,
});
