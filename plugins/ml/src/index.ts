/**
 * The ML Platform frontend plugin.
 *
 * @packageDocumentation
 */
export { mlPlugin as default } from './plugin';
export { COST_IMPORT_FORMATS, mlApiRef, MlClient } from './api/MlApi';
export type {
  MlApi,
  ComputeTargetSummary,
  CostImportFormat,
} from './api/MlApi';
export { rootRouteRef } from './routes';
