import type { components } from './generated/openapi';
import { sha256Hex, utf16Bytes } from './sha256';

/**
 * Annotation on a catalog entity naming the registered model it serves or produces,
 * e.g. `ml.platform/model: churn-classifier`.
 *
 * @public
 */
export const ML_MODEL_ANNOTATION = 'ml.platform/model';

/** The catalog `Resource` types of ML assets. @public */
export type MlAssetType = MlCatalogAsset['type'];

/**
 * Annotation on every entity the catalog module publishes for an ML asset: the asset's
 * exact name (a model's registered name, a feature view's `project/name` id, a dataset's
 * or an endpoint's name), which the entity's name is derived from by {@link assetEntityName}. The entity's
 * `metadata.title` holds it too.
 *
 * @public
 */
export const ML_ASSET_NAME_ANNOTATION = 'ml.platform/asset-name';

/**
 * Annotation on a published training profile (`spec.type: ml-training-profile`): its
 * current version, e.g. `ml.platform/profile-version: 3`.
 *
 * @public
 */
export const ML_PROFILE_VERSION_ANNOTATION = 'ml.platform/profile-version';

/**
 * Annotations on a published serving endpoint (`spec.type: ml-endpoint`), beside
 * `ml.platform/model`: the model versions it serves (comma-separated, ascending), its
 * serving target, its kind and its status as the ml backend last saw them.
 *
 * @public
 */
export const ML_ENDPOINT_ANNOTATIONS = {
  modelVersions: 'ml.platform/model-versions',
  servingTarget: 'ml.platform/serving-target',
  kind: 'ml.platform/endpoint-kind',
  status: 'ml.platform/endpoint-status',
} as const;

/** The catalog's limit on entity names. */
const MAX_ENTITY_NAME = 63;

/** Hex digits of the identity hash in entity names: 64 bits, beyond any search for a match. */
const HASH_DIGITS = 16;

/**
 * Asset names that are an entity name's tail as they are: lowercase letters and digits,
 * single `-`, `_` or `.` between them. Never two separators in a row, so never the `--`
 * that marks a hashed name.
 */
const PLAIN_NAME = /^[a-z0-9]+(?:[-_.][a-z0-9]+)*$/;

const PREFIXES: Record<MlAssetType, string> = {
  'ml-model': 'model',
  'feature-view': 'feature-view',
  dataset: 'dataset',
  'ml-endpoint': 'endpoint',
  'ml-training-profile': 'training-profile',
};

/**
 * The catalog entity name of an ML asset, unique to its type and exact name and a
 * function of those alone, so no other asset, present or future, can ever have it:
 *
 * - `<prefix>-<name>` when the name is already a valid lowercase entity name
 *   (`[a-z0-9]` words joined by single `-`, `_` or `.`) and fits in 63 characters: the
 *   name is there exactly, so no other name gives it;
 * - otherwise `<slug>--<hash>`: the start of `<prefix>-<name>` with every run of other
 *   characters turned into one `-` and lowercased, readable but not unique, then `--` and
 *   16 hex digits of SHA-256 over the type and the exact name (its UTF-16 code units, so
 *   case, whitespace, Unicode forms and even lone surrogates tell names apart). Plain
 *   names never hold `--`, so the two forms never meet.
 *
 * The prefix is `model`, `feature-view`, `dataset`, `endpoint` or `training-profile`, so types never share
 * names either.
 * The ml backend names the `Resource` entities it publishes and their `dependsOn` with
 * it, the catalog module checks each published name against it, and finds a model's
 * entity from an `ml.platform/model` annotation with it.
 *
 * @public
 */
export function assetEntityName(type: MlAssetType, name: string): string {
  const plain = `${PREFIXES[type]}-${name}`;
  if (PLAIN_NAME.test(name) && plain.length <= MAX_ENTITY_NAME) return plain;
  const slug = plain
    .replace(/[^A-Za-z0-9]+/g, '-')
    .toLowerCase()
    .slice(0, MAX_ENTITY_NAME - HASH_DIGITS - 2)
    .replace(/-+$/, '');
  const hash = sha256Hex(utf16Bytes(`${type}\u0000${name}`));
  return `${slug}--${hash.slice(0, HASH_DIGITS)}`;
}

/**
 * An ML asset as the catalog publishes it: `GET /api/ml/catalog/assets` →
 * `{ assets: MlCatalogAsset[] }`. The ml backend names the entities with
 * {@link assetEntityName} (valid, unique across types and names) so that `dependsOn`
 * can name them; the catalog module turns each into a `Resource` entity in namespace
 * `default`. The shape is the OpenAPI document's, where each field is described.
 *
 * @public
 */
export type MlCatalogAsset = components['schemas']['MlCatalogAsset'];
