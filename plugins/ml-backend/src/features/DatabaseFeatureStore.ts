import { randomUUID } from 'node:crypto';
import {
  FeatureDataSource,
  FeatureEntity,
  FeatureImportResult,
  FeatureService,
  FeatureViewVersion,
} from '@ml-portal/plugin-ml-common';
import { Knex } from 'knex';
import { chunks } from '../database/chunks';
import { FeatureViewDefinition, stableJson, viewChanges } from './changes';
import { FeastFeatureView, FeastRegistry } from './feastRegistry';
import {
  FeatureImportOptions,
  FeatureStore,
  FeatureViewFilter,
  StoredFeatureView,
} from './FeatureStore';

type Row = Record<string, any>;

const json = (value: unknown) => JSON.stringify(value);
const optional = <T>(value: T | null | undefined) => value ?? undefined;
const optionalNumber = (value: unknown) =>
  value === null || value === undefined ? undefined : Number(value);

/** Any lock id, the same in every replica: PostgreSQL serialises imports on it. */
const IMPORT_LOCK_ID = 7_311_006;

/** The Feast object tables other than views, each mapped both ways. */
type ObjectTable<T extends { project: string; name: string }> = {
  table: string;
  toRow: (item: T) => Row;
  fromRow: (row: Row) => T;
};

const ENTITIES: ObjectTable<Omit<FeatureEntity, 'updatedAt'>> = {
  table: 'ml_feature_entities',
  toRow: e => ({
    project: e.project,
    name: e.name,
    join_keys: json(e.joinKeys),
    value_type: e.valueType ?? null,
    description: e.description ?? null,
    owner: e.owner ?? null,
    tags: json(e.tags),
  }),
  fromRow: row => ({
    project: row.project,
    name: row.name,
    joinKeys: JSON.parse(row.join_keys),
    valueType: optional(row.value_type),
    description: optional(row.description),
    owner: optional(row.owner),
    tags: JSON.parse(row.tags),
  }),
};

const SOURCES: ObjectTable<Omit<FeatureDataSource, 'updatedAt'>> = {
  table: 'ml_feature_sources',
  toRow: s => ({
    project: s.project,
    name: s.name,
    type: s.type,
    location: s.location ?? null,
    timestamp_field: s.timestampField ?? null,
    description: s.description ?? null,
    owner: s.owner ?? null,
    tags: json(s.tags),
  }),
  fromRow: row => ({
    project: row.project,
    name: row.name,
    type: row.type,
    location: optional(row.location),
    timestampField: optional(row.timestamp_field),
    description: optional(row.description),
    owner: optional(row.owner),
    tags: JSON.parse(row.tags),
  }),
};

const SERVICES: ObjectTable<Omit<FeatureService, 'updatedAt'>> = {
  table: 'ml_feature_services',
  toRow: s => ({
    project: s.project,
    name: s.name,
    description: s.description ?? null,
    owner: s.owner ?? null,
    feature_views: json(s.featureViews),
    tags: json(s.tags),
  }),
  fromRow: row => ({
    project: row.project,
    name: row.name,
    description: optional(row.description),
    owner: optional(row.owner),
    featureViews: JSON.parse(row.feature_views),
    tags: JSON.parse(row.tags),
  }),
};

const withUpdatedAt =
  <T>(table: ObjectTable<T & { project: string; name: string }>) =>
  (row: Row): T & { updatedAt: number } => ({
    ...table.fromRow(row),
    updatedAt: Number(row.updated_at),
  });

function toView(row: Row): StoredFeatureView {
  return {
    id: row.id,
    project: row.project,
    name: row.name,
    kind: row.kind,
    description: optional(row.description),
    owner: row.owner,
    entities: JSON.parse(row.entities),
    features: JSON.parse(row.features),
    ttlSeconds: optionalNumber(row.ttl_seconds),
    online: Boolean(row.online),
    offline: Boolean(row.offline),
    batchSource: optional(row.batch_source),
    streamSource: optional(row.stream_source),
    tags: JSON.parse(row.tags),
    version: Number(row.version),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    removedAt: optionalNumber(row.removed_at),
    sloSeconds: optionalNumber(row.slo_seconds),
    lastMaterializedAt: optionalNumber(row.last_materialized_at),
  };
}

const definitionOf = (
  view: Omit<FeatureViewDefinition, 'owner' | 'kind'> & {
    kind?: FeatureViewDefinition['kind'];
  },
  owner: string,
): FeatureViewDefinition => ({
  kind: view.kind ?? 'batch',
  description: view.description,
  owner,
  entities: view.entities,
  features: view.features,
  ttlSeconds: view.ttlSeconds,
  online: view.online,
  offline: view.offline,
  batchSource: view.batchSource,
  streamSource: view.streamSource,
  tags: view.tags,
});

const searchTextOf = (view: FeastFeatureView) =>
  [
    view.name,
    view.description ?? '',
    ...view.features.map(f => f.name),
    ...view.entities,
    ...view.tags.map(t => `${t.key}=${t.value}`),
  ]
    .join('\n')
    .toLowerCase();

const likePattern = (text: string) =>
  `%${text.toLowerCase().replace(/[\\%_]/g, c => `\\${c}`)}%`;

const keyOf = (item: { project: string; name: string }) =>
  `${item.project}/${item.name}`;

function importResult(row: Row): FeatureImportResult {
  return {
    id: row.id,
    source: row.source,
    importedAt: Number(row.imported_at),
    projects: JSON.parse(row.projects),
    added: JSON.parse(row.added),
    changed: JSON.parse(row.changed),
    removed: JSON.parse(row.removed),
    unchanged: Number(row.unchanged),
    warnings: JSON.parse(row.warnings),
  };
}

/**
 * The feature catalog's tables. The only features code that touches knex.
 *
 * @internal
 */
/**
 * The feature catalog on the plugin's database (SQLite or PostgreSQL).
 *
 * @internal
 */
export class DatabaseFeatureStore implements FeatureStore {
  private constructor(private readonly db: Knex) {}

  static create(options: { knex: Knex }) {
    return new DatabaseFeatureStore(options.knex);
  }

  /**
   * Applies one registry dump in ONE transaction: for each project it covers, objects
   * are upserted, those no longer in it marked removed; a view's version is bumped,
   * with its change list, only when its definition changed. Imports take turns.
   */
  async importRegistry(
    registry: FeastRegistry,
    options: FeatureImportOptions,
  ): Promise<FeatureImportResult> {
    const { now } = options;
    const projects = registry.projects;
    return this.db.transaction(async trx => {
      if (trx.client.config.client === 'pg') {
        await trx.raw('SELECT pg_advisory_xact_lock(?)', [IMPORT_LOCK_ID]);
      }
      await this.syncObjects(trx, ENTITIES, projects, registry.entities, now);
      await this.syncObjects(trx, SOURCES, projects, registry.dataSources, now);
      await this.syncObjects(
        trx,
        SERVICES,
        projects,
        registry.featureServices,
        now,
      );
      const id = randomUUID();
      const views = await this.syncViews(trx, registry, options, id);
      const result: FeatureImportResult = {
        id,
        source: options.source,
        importedAt: now,
        projects,
        ...views,
        warnings: registry.warnings,
      };
      await trx('ml_feature_imports').insert({
        id,
        source: result.source,
        imported_by: options.importedBy ?? null,
        imported_at: now,
        projects: json(result.projects),
        added: json(result.added),
        changed: json(result.changed),
        removed: json(result.removed),
        unchanged: result.unchanged,
        warnings: json(result.warnings),
      });
      return result;
    });
  }

  /** Upserts a kind of object; `updated_at` moves only when the object changed. */
  private async syncObjects<T extends { project: string; name: string }>(
    trx: Knex.Transaction,
    objects: ObjectTable<T>,
    projects: string[],
    incoming: T[],
    now: number,
  ): Promise<void> {
    const existing = await this.projectRows(trx, objects.table, projects);
    const rows = incoming.map(item => {
      const previous = existing.get(keyOf(item));
      const same =
        previous &&
        previous.removed_at === null &&
        stableJson(objects.fromRow(previous)) === stableJson(item);
      return {
        ...objects.toRow(item),
        updated_at: same ? previous.updated_at : now,
        removed_at: null,
      };
    });
    for (const batch of chunks(rows, 100)) {
      await trx(objects.table)
        .insert(batch)
        .onConflict(['project', 'name'])
        .merge();
    }
    await this.markRemoved(trx, objects.table, existing, incoming, now);
  }

  private async syncViews(
    trx: Knex.Transaction,
    registry: FeastRegistry,
    options: FeatureImportOptions,
    importId: string,
  ) {
    const { now } = options;
    const existing = await this.projectRows(
      trx,
      'ml_feature_views',
      registry.projects,
    );
    const added: string[] = [];
    const changed: string[] = [];
    const versions: Row[] = [];
    const rows = registry.featureViews.map(view => {
      const id = keyOf(view);
      const row = existing.get(id);
      const previous = row && toView(row);
      const owner = view.owner ?? previous?.owner ?? options.fallbackOwner;
      const definition = definitionOf(view, owner);
      const changes = previous
        ? viewChanges(definitionOf(previous, previous.owner), definition)
        : ['created'];
      const version = (previous?.version ?? 0) + (changes.length ? 1 : 0);
      if (!previous || previous.removedAt !== undefined) added.push(id);
      else if (changes.length) changed.push(id);
      if (changes.length) {
        versions.push({
          view_id: id,
          version,
          import_id: importId,
          imported_at: now,
          changes: json(changes),
        });
      }
      return {
        id,
        project: view.project,
        name: view.name,
        kind: view.kind,
        description: view.description ?? null,
        owner,
        tags: json(view.tags),
        entities: json(view.entities),
        features: json(view.features),
        ttl_seconds: view.ttlSeconds ?? null,
        online: view.online,
        offline: view.offline,
        batch_source: view.batchSource ?? null,
        stream_source: view.streamSource ?? null,
        slo_seconds: view.sloSeconds ?? null,
        last_materialized_at: view.lastMaterializedAt ?? null,
        version,
        created_at: previous?.createdAt ?? view.createdAt ?? now,
        updated_at: changes.length ? now : previous!.updatedAt,
        removed_at: null,
        search_text: searchTextOf(view),
      };
    });
    for (const batch of chunks(rows, 50)) {
      await trx('ml_feature_views').insert(batch).onConflict('id').merge();
    }
    for (const batch of chunks(versions, 100)) {
      await trx('ml_feature_view_versions').insert(batch);
    }
    const removed = await this.markRemoved(
      trx,
      'ml_feature_views',
      existing,
      registry.featureViews,
      now,
    );
    return {
      added: added.sort(),
      changed: changed.sort(),
      removed,
      unchanged: rows.length - added.length - changed.length,
    };
  }

  /** The rows of a table in these projects, removed ones included, by `project/name`. */
  private async projectRows(
    trx: Knex.Transaction,
    table: string,
    projects: string[],
  ): Promise<Map<string, Row>> {
    const rows: Row[] = [];
    for (const batch of chunks(projects)) {
      rows.push(...(await trx(table).whereIn('project', batch)));
    }
    return new Map(rows.map(row => [keyOf(row as any), row]));
  }

  /** Marks what the dump no longer has as removed; returns their `project/name`. */
  private async markRemoved(
    trx: Knex.Transaction,
    table: string,
    existing: Map<string, Row>,
    incoming: Array<{ project: string; name: string }>,
    now: number,
  ): Promise<string[]> {
    const present = new Set(incoming.map(keyOf));
    const gone = [...existing.values()].filter(
      row => row.removed_at === null && !present.has(keyOf(row as any)),
    );
    const byProject = new Map<string, string[]>();
    for (const row of gone) {
      byProject.set(row.project, [
        ...(byProject.get(row.project) ?? []),
        row.name,
      ]);
    }
    for (const [project, names] of byProject) {
      for (const batch of chunks(names)) {
        await trx(table)
          .where({ project })
          .whereIn('name', batch)
          .update({ removed_at: now });
      }
    }
    return gone.map(row => keyOf(row as any)).sort();
  }

  /** Views not removed, by project and name. */
  async listViews(filter: FeatureViewFilter): Promise<StoredFeatureView[]> {
    const query = this.db('ml_feature_views')
      .whereNull('removed_at')
      .orderBy('project')
      .orderBy('name');
    if (filter.project) query.where({ project: filter.project });
    if (filter.owner) query.where({ owner: filter.owner });
    if (filter.q) {
      query.whereRaw(`search_text LIKE ? ESCAPE '\\'`, [likePattern(filter.q)]);
    }
    return (await query).map(toView);
  }

  /** A view, also when removed (its page and lineage still name it). */
  async getView(id: string): Promise<StoredFeatureView | undefined> {
    const row = await this.db('ml_feature_views').where({ id }).first();
    return row && toView(row);
  }

  async getViews(ids: string[]): Promise<StoredFeatureView[]> {
    const views: StoredFeatureView[] = [];
    for (const batch of chunks(ids)) {
      views.push(
        ...(await this.db('ml_feature_views').whereIn('id', batch)).map(toView),
      );
    }
    return views;
  }

  /** A view's versions, newest first. */
  async viewVersions(id: string): Promise<FeatureViewVersion[]> {
    const rows: Row[] = await this.db('ml_feature_view_versions')
      .where({ view_id: id })
      .orderBy('version', 'desc');
    return rows.map(row => ({
      version: Number(row.version),
      importedAt: Number(row.imported_at),
      changes: JSON.parse(row.changes),
    }));
  }

  /** Names of the services in the view's project that serve it. */
  async servicesServing(project: string, view: string): Promise<string[]> {
    const services = await this.listServices(project);
    return services
      .filter(service => service.featureViews.some(v => v.name === view))
      .map(service => service.name);
  }

  async listEntities(project?: string): Promise<FeatureEntity[]> {
    return (await this.objectsQuery(ENTITIES.table, project)).map(
      withUpdatedAt(ENTITIES),
    );
  }

  async listSources(project?: string): Promise<FeatureDataSource[]> {
    return (await this.objectsQuery(SOURCES.table, project)).map(
      withUpdatedAt(SOURCES),
    );
  }

  async listServices(project?: string): Promise<FeatureService[]> {
    return (await this.objectsQuery(SERVICES.table, project)).map(
      withUpdatedAt(SERVICES),
    );
  }

  private objectsQuery(table: string, project?: string): Promise<Row[]> {
    const query = this.db(table)
      .whereNull('removed_at')
      .orderBy('project')
      .orderBy('name');
    if (project) query.where({ project });
    return query;
  }

  /** The newest imports first. */
  async listImports(limit: number): Promise<FeatureImportResult[]> {
    const rows: Row[] = await this.db('ml_feature_imports')
      .orderBy('seq', 'desc')
      .limit(limit);
    return rows.map(importResult);
  }
}
