/**
 * The `azureml` compute and serving targets of the ml backend plugin: training attempts
 * as Azure Machine Learning command jobs, endpoints as managed online endpoints.
 *
 * @packageDocumentation
 */
export { mlModuleAzureMlTarget as default } from './module';
export { mlModuleAzureMlServingTarget } from './servingModule';
export { AzureMlComputeTarget } from './AzureMlComputeTarget';
export {
  AzureMlServingTarget,
  toAzureMlOnlineName,
} from './AzureMlServingTarget';
export { readAzureMlTargetSettings } from './config';
export type { AzureMlTargetSettings, AzureMlWorkspace } from './config';
export { readAzureMlServingSettings } from './servingConfig';
export type { AzureMlServingSettings } from './servingConfig';
export { toAzureMlJobName } from './jobName';
export { toCommandLine } from './commandLine';
