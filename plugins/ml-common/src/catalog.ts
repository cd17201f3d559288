/**
 * Annotation on a catalog entity naming the registered model it serves or produces,
 * e.g. `ml.platform/model: churn-classifier`.
 *
 * @public
 */
export const ML_MODEL_ANNOTATION = 'ml.platform/model';

/** The catalog `Resource` types of ML assets. @public */
export type MlAssetType = 'ml-model' | 'feature-view' | 'dataset';

/** The catalog's limit on entity names. */
const MAX_ENTITY_NAME = 63;

/** FNV-1a 32-bit hash as 8 hex digits: pure JS, since this package also runs in browsers. */
function fnv1aHex(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/**
 * The catalog entity name of an ML asset: `<prefix>-<name>` with every run of characters
 * the catalog refuses turned into one `-`; names too long for the catalog keep their
 * start and get a hash of the whole, so two long names never collide. The ml backend
 * names the `Resource` entities it publishes with it, and the catalog module finds a
 * model's entity from an `ml.platform/model` annotation with it.
 *
 * @public
 */
export function assetEntityName(type: MlAssetType, name: string): string {
  const prefix = {
    'ml-model': 'model',
    'feature-view': 'feature-view',
    dataset: 'dataset',
  }[type];
  const slug = `${prefix}-${name}`
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .toLowerCase();
  if (slug.length <= MAX_ENTITY_NAME) return slug;
  return `${slug.slice(0, MAX_ENTITY_NAME - 9).replace(/-+$/, '')}-${fnv1aHex(
    name,
  )}`;
}

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
