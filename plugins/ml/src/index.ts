/**
 * The ML Platform frontend plugin.
 *
 * @packageDocumentation
 */
export { mlPlugin as default } from './plugin';
export { mlApiRef, MlClient } from './api/MlApi';
export type { MlApi, ComputeTargetSummary } from './api/MlApi';
export { rootRouteRef } from './routes';
