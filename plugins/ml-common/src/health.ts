import type { components } from './generated/openapi';

/**
 * State of one dependency of the ml backend.
 *
 * @public
 */
export type MlDependencyHealth = components['schemas']['MlDependencyHealth'];

/**
 * Body of `GET /api/ml/health`. `status` is `ok` only when every dependency is.
 *
 * @public
 */
export type MlHealthResponse = components['schemas']['MlHealthResponse'];
