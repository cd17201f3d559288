/**
 * Monitoring as the portal API and pages speak it; the routes are described in the ml
 * backend's `src/schema/openapi.yaml`. Every endpoint has SLOs (p95 latency, error rate
 * over a window) and drift of its live inputs and predictions against the feature
 * profile its model was trained with; a breach or drift opens an alert to its owner.
 */
import type { components } from './generated/openapi';

type Schemas = components['schemas'];

/** @public */
export type DriftThresholds = Schemas['DriftThresholds'];
/** @public */
export type MonitoringSettings = Schemas['MonitoringSettings'];
/** @public */
export type FeatureDrift = Schemas['FeatureDrift'];
/** @public */
export type DriftHistogram = Schemas['DriftHistogram'];
/** @public */
export type DriftWindow = Schemas['DriftWindow'];
/** @public */
export type MonitoringAlert = Schemas['MonitoringAlert'];
/** @public */
export type EndpointMonitoring = Schemas['EndpointMonitoring'];
/** @public */
export type MonitoredEndpoint = Schemas['MonitoredEndpoint'];
/** @public */
export type EndpointSamples = Schemas['EndpointSamples'];
