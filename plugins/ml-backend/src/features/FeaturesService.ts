import { PermissionsService } from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import {
  FeatureDataSource,
  FeatureEntity,
  FeatureImportResult,
  FeatureService,
  FeatureView,
  FeatureViewDetails,
  mlFeatureImportPermission,
} from '@ml-portal/plugin-ml-common';
import { Caller } from '../tracking/TrackingService';
import { LineageService } from '../lineage/LineageService';
import { LineageNodeDescriber } from '../lineage/LineageRecorder';
import {
  DatabaseFeatureStore,
  FeatureViewFilter,
  StoredFeatureView,
} from './DatabaseFeatureStore';
import { parseFeastRegistry } from './feastRegistry';
import { freshnessOf } from './freshness';
import { FeatureOwnerMapping } from './owners';

/** The part of lineage the catalog reads: the graph downstream of a view. @internal */
export type FeatureLineage = Pick<LineageService, 'graph'>;

/** Hops from a view to what used it: view → job → run → model version. */
const USAGE_DEPTH = 3;

const USER_KINDS = new Set(['run', 'job', 'model_version']);

/** Where a view's page is, relative to the ML page. @internal */
export const featureViewPath = (project: string, name: string) =>
  `features/views/${encodeURIComponent(project)}/${encodeURIComponent(name)}`;

/**
 * The feature catalog: imports Feast registries, lists and searches what they define,
 * judges freshness and tells which runs, jobs and model versions used a view.
 *
 * @internal
 */
export class FeaturesService {
  private readonly store: DatabaseFeatureStore;
  private readonly owners: FeatureOwnerMapping;
  private readonly lineage?: FeatureLineage;
  private readonly now: () => number;
  private readonly permissions?: PermissionsService;

  constructor(options: {
    store: DatabaseFeatureStore;
    owners?: FeatureOwnerMapping;
    lineage?: FeatureLineage;
    now?: () => number;
    /** Needed to take uploads (`uploadRegistry`); scheduled imports need none. */
    permissions?: PermissionsService;
  }) {
    this.store = options.store;
    this.permissions = options.permissions;
    this.owners = options.owners ?? new Map();
    this.lineage = options.lineage;
    this.now = options.now ?? Date.now;
  }

  /**
   * Imports a `feast registry-dump` (parsed JSON, or its text). Views whose Feast owner
   * maps to no group keep the owner they have, or get the importer's group.
   */
  async importRegistry(
    registry: unknown,
    options: { source: string; owner: string; userId?: string },
  ): Promise<FeatureImportResult> {
    let input = registry;
    if (typeof registry === 'string') {
      try {
        input = JSON.parse(registry.replace(/^\uFEFF/, ''));
      } catch (error) {
        throw new InputError(
          `The registry is not valid JSON: ${(error as Error).message}`,
        );
      }
    }
    const parsed = parseFeastRegistry(input, { owners: this.owners });
    return this.store.importRegistry(parsed, {
      source: options.source,
      importedBy: options.userId,
      fallbackOwner: options.owner,
      now: this.now(),
    });
  }

  /**
   * Imports a registry someone uploaded, if `ml.feature.import` allows them; the views
   * nobody owns yet go to their group.
   */
  async uploadRegistry(
    caller: Caller,
    registry: unknown,
    source: string,
  ): Promise<FeatureImportResult> {
    if (!this.permissions) {
      throw new Error(
        'The feature catalog takes no uploads without permissions',
      );
    }
    const [decision] = await this.permissions.authorize(
      [{ permission: mlFeatureImportPermission }],
      { credentials: caller.credentials },
    );
    if (decision.result !== 'ALLOW') {
      throw new NotAllowedError(
        `${caller.userId ?? 'The caller'} may not import Feast registries`,
      );
    }
    return this.importRegistry(registry, {
      source,
      owner: caller.owner,
      userId: caller.userId,
    });
  }

  /** Views not removed; `stale` keeps those past their SLO. */
  async listViews(
    filter: FeatureViewFilter & { stale?: boolean },
  ): Promise<FeatureView[]> {
    const views = (await this.store.listViews(filter)).map(view =>
      this.withFreshness(view),
    );
    return filter.stale === undefined
      ? views
      : views.filter(v => (v.freshness.status === 'stale') === filter.stale);
  }

  /** A view's page: versions, the services serving it and what used it (lineage). */
  async getView(project: string, name: string): Promise<FeatureViewDetails> {
    const id = `${project}/${name}`;
    const view = await this.store.getView(id);
    if (!view) throw new NotFoundError(`No feature view '${id}'`);
    const [versions, services, usedBy] = await Promise.all([
      this.store.viewVersions(id),
      this.store.servicesServing(project, name),
      this.usedBy(id),
    ]);
    return { ...this.withFreshness(view), versions, services, usedBy };
  }

  listEntities(project?: string): Promise<FeatureEntity[]> {
    return this.store.listEntities(project);
  }

  listSources(project?: string): Promise<FeatureDataSource[]> {
    return this.store.listSources(project);
  }

  listServices(project?: string): Promise<FeatureService[]> {
    return this.store.listServices(project);
  }

  listImports(limit = 100): Promise<FeatureImportResult[]> {
    return this.store.listImports(limit);
  }

  /** How lineage draws `feature_view` nodes, removed views included. */
  readonly describeViews: LineageNodeDescriber = async ids => {
    const views = await this.store.getViews(ids);
    return new Map(
      views.map(view => [
        view.id,
        {
          label: view.id,
          subtitle: [
            `v${view.version}`,
            `${view.features.length} features`,
            ...(view.removedAt !== undefined ? ['removed'] : []),
          ].join(' · '),
          owner: view.owner,
          path: featureViewPath(view.project, view.name),
        },
      ]),
    );
  };

  private withFreshness({
    sloSeconds,
    lastMaterializedAt,
    ...view
  }: StoredFeatureView): FeatureView {
    return {
      ...view,
      freshness: freshnessOf({ sloSeconds, lastMaterializedAt }, this.now()),
    };
  }

  /** Runs, jobs and model versions downstream of the view, as lineage draws them. */
  private async usedBy(id: string): Promise<FeatureViewDetails['usedBy']> {
    if (!this.lineage) return [];
    try {
      const graph = await this.lineage.graph({
        root: { kind: 'feature_view', id },
        direction: 'downstream',
        depth: USAGE_DEPTH,
      });
      return graph.nodes
        .filter(node => USER_KINDS.has(node.kind))
        .map(node => ({
          kind: node.kind as FeatureViewDetails['usedBy'][number]['kind'],
          id: node.id,
          label: node.label,
          path: node.path,
        }));
    } catch (error) {
      // A view no edge names and lineage cannot describe yet: used by nothing.
      if ((error as Error)?.name === NotFoundError.name) return [];
      throw error;
    }
  }
}
