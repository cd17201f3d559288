/**
 * The `vertex` compute target of the ml backend plugin: training attempts as Vertex AI
 * custom jobs.
 *
 * @packageDocumentation
 */
export { mlModuleVertexTarget as default } from './module';
export { VertexComputeTarget } from './VertexComputeTarget';
export { readVertexTargetSettings } from './config';
export type { VertexApiEndpoint, VertexTargetSettings } from './config';
export { toVertexLabelValue } from './labels';
