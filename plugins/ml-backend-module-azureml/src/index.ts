/**
 * The `azureml` compute target of the ml backend plugin: training attempts as
 * Azure Machine Learning command jobs.
 *
 * @packageDocumentation
 */
export { mlModuleAzureMlTarget as default } from './module';
export { AzureMlComputeTarget } from './AzureMlComputeTarget';
export { readAzureMlTargetSettings } from './config';
export type { AzureMlTargetSettings } from './config';
export { toAzureMlJobName } from './jobName';
export { toCommandLine } from './commandLine';
