import {
  createComputeTargetModule,
  createServingTargetModule,
} from '@ml-portal/plugin-ml-node';
import { readKubernetesTargetSettings } from './config';
import { KubernetesComputeTarget } from './KubernetesComputeTarget';
import { KubernetesServingTarget } from './KubernetesServingTarget';
import { readKubernetesServingSettings } from './servingConfig';

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

/**
 * Adds the `kubernetes` serving target to the ml backend plugin when
 * `ml.serving.targets.kubernetes` is configured: endpoints as KServe InferenceServices,
 * or as Deployments, a Service and HPAs where KServe is not installed.
 *
 * @public
 */
export const mlModuleKubernetesServingTarget = createServingTargetModule({
  id: 'kubernetes',
  // Read here so invalid settings stop the backend at startup.
  readSettings: readKubernetesServingSettings,
  create: ({ settings, logger }) =>
    KubernetesServingTarget.create({ settings, logger }),
  describe: settings =>
    `namespace ${settings.namespace}, mode ${settings.mode}`,
});
