/**
 * Registry rows read into models and versions, with their tags, aliases and latest
 * versions in a few batched queries (never one per row).
 */
import { ModelVersion } from '@ml-portal/plugin-ml-common';
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

/** The highest version of each model in each stage. @internal */
export async function latestVersionRows(
  db: Db,
  modelIds: string[],
): Promise<VersionRow[]> {
  const rows: VersionRow[] = [];
  for (const batch of chunks(modelIds)) {
    const latest = db('ml_model_versions')
      .whereIn('model_id', batch)
      .groupBy('model_id', 'stage')
      .select('model_id', 'stage', db.raw('max(version) as version'));
    rows.push(
      ...(await versionQuery(db)
        .join(latest.as('l'), function onLatest() {
          this.on('l.model_id', '=', 'v.model_id')
            .andOn('l.stage', '=', 'v.stage')
            .andOn('l.version', '=', 'v.version');
        })
        .orderBy('v.version', 'desc')),
    );
  }
  return rows;
}

/** @internal */
export async function hydrateVersions(
  db: Db,
  rows: VersionRow[],
): Promise<ModelVersion[]> {
  const ids = rows.map(row => row.version_id);
  const tags: Array<{ version_id: string; key: string; value: string }> = [];
  const aliases: Array<{ version_id: string; alias: string }> = [];
  for (const batch of chunks(ids)) {
    tags.push(
      ...(await db('ml_model_version_tags')
        .whereIn('version_id', batch)
        .orderBy('key')),
    );
    aliases.push(
      ...(await db('ml_model_aliases')
        .whereIn('version_id', batch)
        .orderBy('alias')
        .select('version_id', 'alias')),
    );
  }
  const tagsOf = groupBy(tags, t => t.version_id);
  const aliasesOf = groupBy(aliases, a => a.version_id);
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
    status: row.status,
    statusMessage: optional(row.status_message),
    tags: (tagsOf.get(row.version_id) ?? []).map(({ key, value }) => ({
      key,
      value,
    })),
    aliases: (aliasesOf.get(row.version_id) ?? []).map(a => a.alias),
  }));
}

/** @internal */
export async function hydrateModels(
  db: Db,
  rows: ModelRow[],
): Promise<StoredModel[]> {
  const ids = rows.map(row => row.model_id);
  const tags: Array<{ model_id: string; key: string; value: string }> = [];
  const aliases: Array<{ model_id: string; alias: string; version: number }> =
    [];
  for (const batch of chunks(ids)) {
    tags.push(
      ...(await db('ml_registered_model_tags')
        .whereIn('model_id', batch)
        .orderBy('key')),
    );
    aliases.push(
      ...(await db('ml_model_aliases as a')
        .join('ml_model_versions as v', 'v.version_id', 'a.version_id')
        .whereIn('a.model_id', batch)
        .orderBy('a.alias')
        .select('a.model_id', 'a.alias', 'v.version')),
    );
  }
  const latestRows = await latestVersionRows(db, ids);
  const latest = await hydrateVersions(db, latestRows);
  const tagsOf = groupBy(tags, t => t.model_id);
  const aliasesOf = groupBy(aliases, a => a.model_id);
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
    tags: (tagsOf.get(row.model_id) ?? []).map(({ key, value }) => ({
      key,
      value,
    })),
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
