import {
  createComputeTargetModule,
  createServingTargetModule,
} from '@ml-portal/plugin-ml-node';
import {
  readSageMakerServingSettings,
  readSageMakerTargetSettings,
} from './config';
import { SageMakerComputeTarget } from './SageMakerComputeTarget';
import { SageMakerServingTarget } from './SageMakerServingTarget';

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

/**
 * Adds the `sagemaker` serving target to the ml backend plugin when
 * `ml.serving.targets.sagemaker` is configured.
 *
 * @public
 */
export const mlModuleSageMakerServingTarget = createServingTargetModule({
  id: 'sagemaker',
  readSettings: readSageMakerServingSettings,
  create: ({ settings, logger }) =>
    SageMakerServingTarget.create({ settings, logger }),
  describe: settings => `region ${settings.region}`,
});
