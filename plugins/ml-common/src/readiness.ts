/**
 * The production-readiness scorecard as the portal API and pages speak it (the routes
 * are described in the ml backend's `src/schema/openapi.yaml`): per model, checks
 * computed from what the platform holds (its datasets, runs, jobs, gates, endpoints,
 * monitoring and budget), each passing, failing or unknown with the fact behind it.
 */
import type { components } from './generated/openapi';

type Schemas = components['schemas'];

/** @public */
export type ReadinessCheckId = Schemas['ReadinessCheckId'];

/** One check: `{ id, title, status, fact, fix, fixUrl? }`. @public */
export type ReadinessCheck = Schemas['ReadinessCheck'];

/** @public */
export type ReadinessStatus = ReadinessCheck['status'];

/** A model's scorecard. @public */
export type ModelReadiness = Schemas['ModelReadiness'];

/** `GET /api/ml/readiness`. @public */
export type ReadinessOverview = Schemas['ReadinessOverview'];

/**
 * Annotation on a model's catalog entity with its readiness score as `passed/total`,
 * e.g. `ml.platform/readiness: 7/10`, as of the catalog's last refresh.
 *
 * @public
 */
export const ML_READINESS_ANNOTATION = 'ml.platform/readiness';
