/**
 * The feature catalog, imported from Feast registries (`feast registry-dump` JSON).
 * Feast objects are keyed by project and name; a feature view's lineage node id is
 * `<project>/<name>`.
 */
import { Tag } from './tracking';

/** @public */
export type FeatureEntity = {
  project: string;
  name: string;
  joinKeys: string[];
  valueType?: string;
  description?: string;
  owner?: string;
  tags: Tag[];
  updatedAt: number;
};

/** @public */
export type FeatureDataSource = {
  project: string;
  name: string;
  /** Feast's source type, e.g. `BATCH_FILE`, `BATCH_BIGQUERY`, `STREAM_KAFKA`, `PUSH_SOURCE`. */
  type: string;
  /** Path, table or topic the source reads. */
  location?: string;
  timestampField?: string;
  description?: string;
  owner?: string;
  tags: Tag[];
  updatedAt: number;
};

/** @public */
export type Feature = {
  name: string;
  /** Feast value type, e.g. `FLOAT`, `INT64`, `STRING`. */
  valueType: string;
  description?: string;
  tags: Tag[];
};

/** @public */
export type FeatureFreshness = {
  status: 'fresh' | 'stale' | 'unknown';
  lastMaterializedAt?: number;
  /** The allowed age: the view's SLO tag or, without one, its TTL. */
  sloSeconds?: number;
  ageSeconds?: number;
};

/** @public */
export type FeatureView = {
  /** `<project>/<name>`: the lineage node id. */
  id: string;
  project: string;
  name: string;
  description?: string;
  /** Backstage group entity ref (Feast `owner`/`team` tag mapped, or the importer's group). */
  owner: string;
  entities: string[];
  features: Feature[];
  ttlSeconds?: number;
  online: boolean;
  offline: boolean;
  batchSource?: string;
  streamSource?: string;
  tags: Tag[];
  /** Bumped each time an import changes the view's definition. */
  version: number;
  createdAt: number;
  updatedAt: number;
  freshness: FeatureFreshness;
  /** Feast's kind of view: a (batch) feature view, a stream feature view or an on-demand one. */
  kind?: 'batch' | 'stream' | 'on_demand';
  /** When a later import of its project no longer had it; only a view's own page shows it then. */
  removedAt?: number;
};

/** @public */
export type FeatureViewVersion = {
  version: number;
  importedAt: number;
  /** What changed from the previous version, e.g. `feature trips_7d added`. */
  changes: string[];
};

/** @public */
export type FeatureService = {
  project: string;
  name: string;
  description?: string;
  owner?: string;
  /** The views it serves and, per view, the features it projects. */
  featureViews: Array<{ name: string; features: string[] }>;
  tags: Tag[];
  updatedAt: number;
};

/** A feature view's page. @public */
export type FeatureViewDetails = FeatureView & {
  versions: FeatureViewVersion[];
  services: string[];
  /** Runs and model versions that used the view (from lineage). */
  usedBy: Array<{
    kind: 'run' | 'job' | 'model_version';
    id: string;
    label: string;
    path?: string;
  }>;
};

/**
 * What an import did to the feature views (`<project>/<name>` each) of the projects in
 * the dump; a re-import of the same registry changes nothing.
 *
 * @public
 */
export type FeatureImportResult = {
  id: string;
  source: string;
  importedAt: number;
  projects: string[];
  added: string[];
  changed: string[];
  removed: string[];
  unchanged: number;
  /** What the import skipped or could not map, e.g. an owner that is not a group. */
  warnings?: string[];
};
