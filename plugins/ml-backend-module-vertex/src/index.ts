/**
 * The `vertex` compute and serving targets of the ml backend plugin: training attempts
 * as Vertex AI custom jobs, endpoints as Vertex AI endpoints with deployed models.
 *
 * @packageDocumentation
 */
export { mlModuleVertexTarget as default } from './module';
export { mlModuleVertexServingTarget } from './servingModule';
export { VertexComputeTarget } from './VertexComputeTarget';
export { VertexServingTarget, toVertexEndpointId } from './VertexServingTarget';
export { readVertexTargetSettings } from './config';
export type { VertexApiEndpoint, VertexTargetSettings } from './config';
export { readVertexServingSettings } from './servingConfig';
export type { VertexServingSettings } from './servingConfig';
export { toVertexLabelValue } from './labels';
