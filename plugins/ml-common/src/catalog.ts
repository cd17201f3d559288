/**
 * Annotation on a catalog entity naming the registered model it serves or produces,
 * e.g. `ml.platform/model: churn-classifier`.
 *
 * @public
 */
export const ML_MODEL_ANNOTATION = 'ml.platform/model';

/** The catalog `Resource` types of ML assets. @public */
export type MlAssetType = 'ml-model' | 'feature-view' | 'dataset';

/**
 * An ML asset as the catalog publishes it: `GET /api/ml/catalog/assets` →
 * `{ assets: MlCatalogAsset[] }`. The ml backend chooses entity names (valid, unique
 * across types) so that `dependsOn` can name them; the catalog module turns each into a
 * `Resource` entity in namespace `default`.
 *
 * @public
 */
export type MlCatalogAsset = {
  type: MlAssetType;
  /** Entity name, e.g. `model-churn-classifier`, `feature-view-driver-stats`. */
  entityName: string;
  /** The asset's own name, e.g. `churn-classifier`, `driver_stats`. */
  title: string;
  description?: string;
  /** Backstage group entity ref. */
  owner: string;
  /** Path of the asset's page relative to the ML page, e.g. `models/churn-classifier`. */
  path: string;
  tags: string[];
  /** Entity names of the assets it was made from (lineage upstream), e.g. a model's datasets and feature views. */
  dependsOn: string[];
  /** Extra annotations, e.g. `ml.platform/model`. */
  annotations: Record<string, string>;
};
