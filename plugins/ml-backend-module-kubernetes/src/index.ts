/**
 * The `kubernetes` compute target of the ml backend plugin: training attempts as
 * `batch/v1` Jobs on GPU node pools.
 *
 * @packageDocumentation
 */
export { mlModuleKubernetesTarget as default } from './module';
export { KubernetesComputeTarget } from './KubernetesComputeTarget';
export type { KubernetesComputeTargetOptions } from './KubernetesComputeTarget';
export { loadKubeConfig, readKubernetesTargetSettings } from './config';
export type { KubeConfigSource, KubernetesTargetSettings } from './config';
export { toKubernetesJobName, toLabelValue } from './names';
