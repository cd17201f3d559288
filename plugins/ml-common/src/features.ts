/**
 * The feature catalog, imported from Feast registries (`feast registry-dump` JSON).
 * Feast objects are keyed by project and name; a feature view's lineage node id is
 * `<project>/<name>`. The shapes are the OpenAPI document's (the ml backend's
 * `src/schema/openapi.yaml`), where each field is described.
 */
import type { components } from './generated/openapi';

type Schemas = components['schemas'];

/** @public */
export type FeatureEntity = Schemas['FeatureEntity'];

/** @public */
export type FeatureDataSource = Schemas['FeatureDataSource'];

/** @public */
export type Feature = Schemas['Feature'];

/** @public */
export type FeatureFreshness = Schemas['FeatureFreshness'];

/** @public */
export type FeatureView = Schemas['FeatureView'];

/** @public */
export type FeatureViewVersion = Schemas['FeatureViewVersion'];

/** @public */
export type FeatureService = Schemas['FeatureService'];

/** A feature view's page. @public */
export type FeatureViewDetails = Schemas['FeatureViewDetails'];

/**
 * What an import did to the feature views (`<project>/<name>` each) of the projects in
 * the dump; a re-import of the same registry changes nothing.
 *
 * @public
 */
export type FeatureImportResult = Schemas['FeatureImportResult'];
