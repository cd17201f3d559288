import { createComputeTargetModule } from '@ml-portal/plugin-ml-node';
import { readSageMakerTargetSettings } from './config';
import { SageMakerComputeTarget } from './SageMakerComputeTarget';

/**
 * Adds the `sagemaker` compute target to the ml backend plugin when
 * `ml.targets.sagemaker` is configured.
 *
 * @public
 */
export const mlModuleSageMakerTarget = createComputeTargetModule({
  id: 'sagemaker',
  readSettings: readSageMakerTargetSettings,
  create: ({ settings, logger }) =>
    SageMakerComputeTarget.create({ settings, logger }),
  describe: settings => `region ${settings.region}`,
});
