import { InputError, NotFoundError } from '@backstage/errors';
import {
  FeatureDataSource,
  FeatureEntity,
  FeatureImportResult,
  FeatureService,
  FeatureView,
  FeatureViewDetails,
  mlFeatureImportPermission,
  mlFeatureViewReadPermission,
} from '@ml-portal/plugin-ml-common';
import { AccessControl } from '../shared/AccessControl';
import { Caller } from '../shared/caller';
import { LineageNodeDescriber, LineageReader } from '../shared/lineage';
import {
  FeatureStore,
  FeatureViewFilter,
  StoredFeatureView,
} from './FeatureStore';
import { parseFeastRegistry } from './feastRegistry';
import { freshnessOf } from './freshness';
import { FeatureOwnerMapping } from './owners';

/** The part of lineage the catalog reads: the graph downstream of a view. @internal */
export type FeatureLineage = LineageReader;

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
  private readonly store: FeatureStore;
  private readonly owners: FeatureOwnerMapping;
  private readonly lineage?: FeatureLineage;
  private readonly now: () => number;
  private readonly access?: AccessControl;

  constructor(options: {
    store: FeatureStore;
    owners?: FeatureOwnerMapping;
    lineage?: FeatureLineage;
    now?: () => number;
    /** Permission checks for callers; scheduled imports and tools need none. */
    access?: AccessControl;
  }) {
    this.store = options.store;
    this.access = options.access;
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
    await this.requireAccess().authorize(caller, mlFeatureImportPermission);
    return this.importRegistry(registry, {
      source,
      owner: caller.owner,
      userId: caller.userId,
    });
  }

  /** Views not removed; `stale` keeps those past their SLO. */
  async listViews(
    caller: Caller,
    filter: FeatureViewFilter & { stale?: boolean },
  ): Promise<FeatureView[]> {
    const views = (
      await this.readable(caller, await this.store.listViews(filter))
    ).map(view => this.withFreshness(view));
    return filter.stale === undefined
      ? views
      : views.filter(v => (v.freshness.status === 'stale') === filter.stale);
  }

  /** A view's page: versions, the services serving it and what used it (lineage). */
  async getView(
    caller: Caller,
    project: string,
    name: string,
  ): Promise<FeatureViewDetails> {
    const id = `${project}/${name}`;
    const view = await this.store.getView(id);
    if (!view) throw new NotFoundError(`No feature view '${id}'`);
    await this.requireAccess().authorize(caller, mlFeatureViewReadPermission, {
      owner: view.owner,
      describe: `feature view '${id}'`,
    });
    const [versions, services, usedBy] = await Promise.all([
      this.store.viewVersions(id),
      this.store.servicesServing(project, name),
      this.usedBy(caller, id),
    ]);
    return { ...this.withFreshness(view), versions, services, usedBy };
  }

  async listEntities(
    caller: Caller,
    project?: string,
  ): Promise<FeatureEntity[]> {
    return this.readable(caller, await this.store.listEntities(project));
  }

  async listSources(
    caller: Caller,
    project?: string,
  ): Promise<FeatureDataSource[]> {
    return this.readable(caller, await this.store.listSources(project));
  }

  async listServices(
    caller: Caller,
    project?: string,
  ): Promise<FeatureService[]> {
    return this.readable(caller, await this.store.listServices(project));
  }

  /** What the caller may read; rows without an owner are the project's, open to readers. */
  private async readable<T extends { owner?: string }>(
    caller: Caller,
    rows: T[],
  ): Promise<T[]> {
    const allowed = new Set(
      await this.requireAccess().filter(
        caller,
        mlFeatureViewReadPermission,
        rows.filter(row => row.owner !== undefined),
        row => row.owner!,
      ),
    );
    return rows.filter(row => row.owner === undefined || allowed.has(row));
  }

  private requireAccess(): AccessControl {
    if (!this.access) {
      throw new Error(
        'The feature catalog serves callers only with access control',
      );
    }
    return this.access;
  }

  /** Recent imports, each naming only the views the caller may read. */
  async listImports(
    caller: Caller,
    limit = 100,
  ): Promise<FeatureImportResult[]> {
    const imports = await this.store.listImports(limit);
    const named = new Set(
      imports.flatMap(i => [...i.added, ...i.changed, ...i.removed]),
    );
    const readable = new Set(
      (await this.readable(caller, await this.store.getViews([...named]))).map(
        view => view.id,
      ),
    );
    const keep = (ids: string[]) => ids.filter(id => readable.has(id));
    return imports.map(i => ({
      ...i,
      added: keep(i.added),
      changed: keep(i.changed),
      removed: keep(i.removed),
    }));
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
  private async usedBy(
    caller: Caller,
    id: string,
  ): Promise<FeatureViewDetails['usedBy']> {
    if (!this.lineage) return [];
    try {
      const graph = await this.lineage.graphFor(caller, {
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
