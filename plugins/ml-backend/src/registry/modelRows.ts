/**
 * Registry rows read into models and versions, with their tags, aliases and latest
 * versions in a few batched queries (never one per row).
 */
import { ModelVersion, Tag } from '@ml-portal/plugin-ml-common';
import { chunks } from '../database/chunks';
import {
  Db,
  ModelRow,
  optional,
  versionQuery,
  VersionRow,
} from './registryTables';
import { OwnedVersion, StoredModel } from './RegistryStore';

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    groups.set(k, [...(groups.get(k) ?? []), item]);
  }
  return groups;
}

/** The rows `fetch` finds for `ids`, a chunk of ids per query (SQLite caps IN lists). @internal */
export async function inBatches<T>(
  ids: string[],
  fetch: (batch: string[]) => Promise<T[]>,
): Promise<T[]> {
  const rows: T[] = [];
  for (const batch of chunks(ids)) rows.push(...(await fetch(batch)));
  return rows;
}

/** {@link inBatches}, grouped by the id each row belongs to. */
async function groupedInBatches<T>(
  ids: string[],
  fetch: (batch: string[]) => Promise<T[]>,
  idOf: (row: T) => string,
): Promise<Map<string, T[]>> {
  return groupBy(await inBatches(ids, fetch), idOf);
}

/** The tags of each of `ids` (versions' or models'), by key. */
async function tagsByOwner<Column extends 'version_id' | 'model_id'>(
  db: Db,
  table: 'ml_model_version_tags' | 'ml_registered_model_tags',
  column: Column,
  ids: string[],
): Promise<Map<string, Tag[]>> {
  type Row = Record<Column, string> & Tag;
  const rows = await inBatches<Row>(ids, batch =>
    db(table).whereIn(column, batch).orderBy('key'),
  );
  const tags = new Map<string, Tag[]>();
  for (const [id, owned] of groupBy(rows, row => row[column])) {
    tags.set(
      id,
      owned.map(({ key, value }) => ({ key, value })),
    );
  }
  return tags;
}

/** The highest version of each model in each stage. @internal */
export async function latestVersionRows(
  db: Db,
  modelIds: string[],
): Promise<VersionRow[]> {
  return inBatches(modelIds, batch => {
    const latest = db('ml_model_versions')
      .whereIn('model_id', batch)
      .groupBy('model_id', 'stage')
      .select('model_id', 'stage', db.raw('max(version) as version'));
    return versionQuery(db)
      .join(latest.as('l'), function onLatest() {
        this.on('l.model_id', '=', 'v.model_id')
          .andOn('l.stage', '=', 'v.stage')
          .andOn('l.version', '=', 'v.version');
      })
      .orderBy('v.version', 'desc');
  });
}

/** @internal */
export async function hydrateVersions(
  db: Db,
  rows: VersionRow[],
): Promise<ModelVersion[]> {
  const ids = rows.map(row => row.version_id);
  const tagsOf = await tagsByOwner(
    db,
    'ml_model_version_tags',
    'version_id',
    ids,
  );
  const aliasesOf = await groupedInBatches<{
    version_id: string;
    alias: string;
  }>(
    ids,
    batch =>
      db('ml_model_aliases')
        .whereIn('version_id', batch)
        .orderBy('alias')
        .select('version_id', 'alias'),
    a => a.version_id,
  );
  return rows.map(row => ({
    id: row.version_id,
    name: row.name,
    version: String(row.version),
    creationTimestamp: Number(row.creation_time),
    lastUpdatedTimestamp: Number(row.last_updated_time),
    description: optional(row.description),
    userId: optional(row.user_id),
    currentStage: row.stage,
    source: row.source,
    runId: optional(row.run_id),
    experimentId: optional(row.experiment_id),
    modelId: optional(row.logged_model_id),
    status: row.status,
    statusMessage: optional(row.status_message),
    tags: tagsOf.get(row.version_id) ?? [],
    aliases: (aliasesOf.get(row.version_id) ?? []).map(a => a.alias),
  }));
}

/** @internal */
export async function hydrateModels(
  db: Db,
  rows: ModelRow[],
): Promise<StoredModel[]> {
  const ids = rows.map(row => row.model_id);
  const tagsOf = await tagsByOwner(
    db,
    'ml_registered_model_tags',
    'model_id',
    ids,
  );
  const aliasesOf = await groupedInBatches<{
    model_id: string;
    alias: string;
    version: number;
  }>(
    ids,
    batch =>
      db('ml_model_aliases as a')
        .join('ml_model_versions as v', 'v.version_id', 'a.version_id')
        .whereIn('a.model_id', batch)
        .orderBy('a.alias')
        .select('a.model_id', 'a.alias', 'v.version'),
    a => a.model_id,
  );
  const latestRows = await latestVersionRows(db, ids);
  const latest = await hydrateVersions(db, latestRows);
  const latestOf = groupBy(
    latest.map((version, i) => ({
      version,
      modelId: latestRows[i].model_id,
    })),
    v => v.modelId,
  );
  return rows.map(row => ({
    modelId: row.model_id,
    name: row.name,
    owner: row.owner,
    creationTimestamp: Number(row.creation_time),
    lastUpdatedTimestamp: Number(row.last_updated_time),
    description: optional(row.description),
    tags: tagsOf.get(row.model_id) ?? [],
    aliases: (aliasesOf.get(row.model_id) ?? []).map(a => ({
      alias: a.alias,
      version: String(a.version),
    })),
    latestVersions: (latestOf.get(row.model_id) ?? []).map(v => v.version),
  }));
}

/** Versions with their model's owner, as the rows joined it. @internal */
export async function hydrateOwnedVersions(
  db: Db,
  rows: VersionRow[],
): Promise<OwnedVersion[]> {
  const versions = await hydrateVersions(db, rows);
  return versions.map((version, i) => ({ ...version, owner: rows[i].owner }));
}

/** @internal */
export async function versionsWhere(
  db: Db,
  where: Record<string, string | number>,
): Promise<ModelVersion[]> {
  const rows: VersionRow[] = await versionQuery(db).where(where);
  return hydrateVersions(db, rows);
}
