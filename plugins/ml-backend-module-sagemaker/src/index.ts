/**
 * The `sagemaker` compute target of the ml backend plugin: training attempts as
 * Amazon SageMaker training jobs.
 *
 * @packageDocumentation
 */
export { mlModuleSageMakerTarget as default } from './module';
export { SageMakerComputeTarget } from './SageMakerComputeTarget';
export { readSageMakerTargetSettings } from './config';
export type { SageMakerTargetSettings } from './config';
export { toTrainingJobName } from './trainingJobName';
