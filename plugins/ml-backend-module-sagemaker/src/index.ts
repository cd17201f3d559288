/**
 * The `sagemaker` compute and serving targets of the ml backend plugin: training
 * attempts as Amazon SageMaker training jobs, endpoints as SageMaker endpoints, batch
 * scoring as SageMaker batch transform jobs.
 *
 * @packageDocumentation
 */
export {
  mlModuleSageMakerTarget as default,
  mlModuleSageMakerServingTarget,
} from './module';
export { SageMakerComputeTarget } from './SageMakerComputeTarget';
export { SageMakerServingTarget } from './SageMakerServingTarget';
export {
  readSageMakerServingSettings,
  readSageMakerTargetSettings,
} from './config';
export type {
  SageMakerDataCaptureSettings,
  SageMakerServingSettings,
  SageMakerTargetSettings,
} from './config';
export { toTrainingJobName } from './trainingJobName';
