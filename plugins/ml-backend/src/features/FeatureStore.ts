import {
  FeatureDataSource,
  FeatureEntity,
  FeatureImportResult,
  FeatureService,
  FeatureView,
  FeatureViewVersion,
} from '@ml-portal/plugin-ml-common';
import { FeastRegistry } from './feastRegistry';

/** A view as stored: what the service needs to judge its freshness comes along. @internal */
export type StoredFeatureView = Omit<FeatureView, 'freshness'> & {
  sloSeconds?: number;
  lastMaterializedAt?: number;
};

/** Filters of the view list; `q` matches names, features, entities, tags, description. @internal */
export type FeatureViewFilter = {
  q?: string;
  project?: string;
  owner?: string;
};

/** Who imported what, for the imports history. @internal */
export type FeatureImportOptions = {
  source: string;
  importedBy?: string;
  /** Owner of views whose Feast owner maps to no group and that have none yet. */
  fallbackOwner: string;
  now: number;
};

/**
 * The feature catalog's storage: Feast objects by project, view versions and the
 * import history.
 *
 * @internal
 */
export interface FeatureStore {
  /**
   * Applies one registry dump atomically: objects upserted, those gone marked removed,
   * a view's version bumped only when its definition changed.
   */
  importRegistry(
    registry: FeastRegistry,
    options: FeatureImportOptions,
  ): Promise<FeatureImportResult>;
  /** Views not removed. */
  listViews(filter: FeatureViewFilter): Promise<StoredFeatureView[]>;
  getView(id: string): Promise<StoredFeatureView | undefined>;
  /** Views by id, removed ones included. */
  getViews(ids: string[]): Promise<StoredFeatureView[]>;
  viewVersions(id: string): Promise<FeatureViewVersion[]>;
  /** Names of the feature services that read the view. */
  servicesServing(project: string, view: string): Promise<string[]>;
  listEntities(project?: string): Promise<FeatureEntity[]>;
  listSources(project?: string): Promise<FeatureDataSource[]>;
  listServices(project?: string): Promise<FeatureService[]>;
  /** Newest first. */
  listImports(limit: number): Promise<FeatureImportResult[]>;
}
