import { createServingTargetModule } from '@ml-portal/plugin-ml-node';
import { readLocalServingSettings } from './config';
import { LocalServingTarget } from './LocalServingTarget';

/**
 * Adds the `local` serving target (one model server process per deployment on the
 * backend's host) when `ml.serving.targets.local` is configured: single-machine
 * installs, demos and tests.
 *
 * @public
 */
export const mlModuleLocalServingTarget = createServingTargetModule({
  id: 'local',
  readSettings: readLocalServingSettings,
  create: ({ settings, logger }) =>
    LocalServingTarget.create({ settings, logger }),
  describe: settings =>
    `flavors ${settings.flavors.map(f => f.flavor).join(', ')} in ${
      settings.workingDirectory
    }`,
});
