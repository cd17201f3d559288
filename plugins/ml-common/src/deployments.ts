/**
 * Deployments as the portal API and pages speak them; the routes are described in the
 * ml backend's `src/schema/openapi.yaml`. An endpoint serves a registered model's
 * version (pinned, or the one an alias points to) through a serving target; a new
 * version goes out as a canary beside the stable one, and the canary analysis promotes
 * it or rolls it back.
 */
import type { components } from './generated/openapi';

type Schemas = components['schemas'];

/** @public */
export type EndpointKind = Schemas['EndpointKind'];
/** @public */
export type EndpointStatus = Schemas['EndpointStatus'];
/** @public */
export type CanaryPolicy = Schemas['CanaryPolicy'];
/** @public */
export type CreateEndpointRequest = Schemas['CreateEndpointRequest'];
/** @public */
export type DeployRequest = Schemas['DeployRequest'];
/** @public */
export type BatchRunRequest = Schemas['BatchRunRequest'];
/** One model version deployed on an endpoint, with its traffic. @public */
export type EndpointDeployment = Schemas['EndpointDeployment'];
/** @public */
export type VersionWindowStats = Schemas['VersionWindowStats'];
/** @public */
export type CanaryVerdict = Schemas['CanaryVerdict'];
/** @public */
export type Canary = Schemas['Canary'];
/** @public */
export type EndpointStats = Schemas['EndpointStats'];
/** @public */
export type Endpoint = Schemas['Endpoint'];
/** @public */
export type EndpointEvent = Schemas['EndpointEvent'];
/** @public */
export type EndpointDetails = Schemas['EndpointDetails'];
/** @public */
export type EndpointMetrics = Schemas['EndpointMetrics'];
/** @public */
export type EndpointMetricPoint = Schemas['EndpointMetricPoint'];
/** @public */
export type PipelineEndpoint = Schemas['PipelineEndpoint'];
/** @public */
export type PipelineStage = Schemas['PipelineStage'];
/** @public */
export type ModelPipeline = Schemas['ModelPipeline'];
