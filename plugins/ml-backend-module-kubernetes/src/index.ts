/**
 * The `kubernetes` compute and serving targets of the ml backend plugin: training
 * attempts as `batch/v1` Jobs on GPU node pools (the default export), endpoints as KServe
 * InferenceServices or Deployments with HPAs (`mlModuleKubernetesServingTarget`).
 *
 * @packageDocumentation
 */
export { mlModuleKubernetesTarget as default } from './module';
export { mlModuleKubernetesServingTarget } from './module';
export { KubernetesComputeTarget } from './KubernetesComputeTarget';
export type { KubernetesComputeTargetOptions } from './KubernetesComputeTarget';
export { KubernetesServingTarget } from './KubernetesServingTarget';
export type { KubernetesServingTargetOptions } from './KubernetesServingTarget';
export { loadKubeConfig, readKubernetesTargetSettings } from './config';
export type {
  KubeConfigSource,
  KubernetesClusterSettings,
  KubernetesTargetSettings,
} from './config';
export { readKubernetesServingSettings } from './servingConfig';
export type {
  KubernetesServingFlavor,
  KubernetesServingMode,
  KubernetesServingSettings,
} from './servingConfig';
export {
  toDeploymentResourceName,
  toEndpointResourceName,
  toKubernetesJobName,
  toLabelValue,
} from './names';
