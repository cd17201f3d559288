import { createComputeTargetModule } from '@ml-portal/plugin-ml-node';
import { readKubernetesTargetSettings } from './config';
import { KubernetesComputeTarget } from './KubernetesComputeTarget';

/**
 * Adds the `kubernetes` compute target to the ml backend plugin when
 * `ml.targets.kubernetes` is configured.
 *
 * @public
 */
export const mlModuleKubernetesTarget = createComputeTargetModule({
  id: 'kubernetes',
  // Read here so invalid settings stop the backend at startup.
  readSettings: readKubernetesTargetSettings,
  create: ({ config, logger }) =>
    KubernetesComputeTarget.create({ config, logger }),
  describe: settings => `namespace ${settings.namespace}`,
});
