import { randomUUID } from 'node:crypto';
import { ConflictError } from '@backstage/errors';
import {
  CatalogDataset,
  LineageNodeKind,
  LineageNodeRef,
  LineageRelation,
} from '@ml-portal/plugin-ml-common';
import { Knex } from 'knex';
import { chunks } from '../database/chunks';
import { isUniqueViolation } from '../database/uniqueViolation';
import { LineageFact, NewDataset } from '../shared/lineage';
import { LineageStore, WalkedEdge } from './LineageStore';

type EdgeRow = {
  from_kind: LineageNodeKind;
  from_id: string;
  to_kind: LineageNodeKind;
  to_id: string;
  relation: LineageRelation;
  created_at: number | string;
  depth: number | string;
};

type DatasetRow = {
  id: string;
  name: string;
  digest: string;
  source_type: string;
  source: string;
  schema: string | null;
  owner: string;
  residency: string | null;
  created_at: number | string;
};

const toDataset = (row: DatasetRow): CatalogDataset => ({
  id: row.id,
  name: row.name,
  digest: row.digest,
  sourceType: row.source_type,
  source: row.source,
  schema: row.schema ?? undefined,
  owner: row.owner,
  residency: row.residency ?? undefined,
  createdAt: Number(row.created_at),
});

const toDatasetRow = (dataset: NewDataset, now: number): DatasetRow => ({
  id: randomUUID(),
  name: dataset.name,
  digest: dataset.digest,
  source_type: dataset.sourceType,
  source: dataset.source,
  schema: dataset.schema ?? null,
  owner: dataset.owner,
  residency: dataset.residency ?? null,
  created_at: now,
});

/** Which end of an edge a walk arrives at, per direction. */
const WALK_COLUMNS = {
  downstream: { near: 'from', far: 'to' },
  upstream: { near: 'to', far: 'from' },
} as const;

/**
 * The lineage store on the plugin's database. The only lineage code that touches knex.
 *
 * @internal
 */
export class DatabaseLineageStore implements LineageStore {
  private constructor(private readonly db: Knex) {}

  static create(options: { knex: Knex }) {
    return new DatabaseLineageStore(options.knex);
  }

  /** Inserts the facts' edges, ignoring those already there, in `trx` when given. */
  async recordEdges(facts: LineageFact[], trx?: Knex.Transaction) {
    if (facts.length === 0) return;
    const db = trx ?? this.db;
    const now = Date.now();
    for (const batch of chunks(facts, 80)) {
      await db('ml_lineage_edges')
        .insert(
          batch.map(fact => ({
            from_kind: fact.from.kind,
            from_id: fact.from.id,
            to_kind: fact.to.kind,
            to_id: fact.to.id,
            relation: fact.relation,
            created_at: now,
          })),
        )
        .onConflict(['from_kind', 'from_id', 'to_kind', 'to_id', 'relation'])
        .ignore();
    }
  }

  /**
   * The nodes upstream of each of many nodes of one kind, to a depth: one recursive
   * query per 250 roots that carries each row's root, for lists such as the catalog's
   * (every model version's data) where a walk per root would be a query per version.
   */
  async upstreamOfEach(options: {
    kind: LineageNodeKind;
    ids: string[];
    maxDepth: number;
  }): Promise<Array<{ rootId: string; node: LineageNodeRef }>> {
    const found: Array<{ rootId: string; node: LineageNodeRef }> = [];
    for (const ids of chunks(options.ids)) {
      const result = await this.db.raw(
        `WITH RECURSIVE walk (root_id, from_kind, from_id, depth) AS (
          SELECT e.to_id, e.from_kind, e.from_id, 1
            FROM ml_lineage_edges e
           WHERE e.to_kind = ? AND e.to_id IN (${ids.map(() => '?').join(', ')})
          UNION
          SELECT w.root_id, e.from_kind, e.from_id, w.depth + 1
            FROM walk w
            JOIN ml_lineage_edges e
              ON e.to_kind = w.from_kind AND e.to_id = w.from_id
           WHERE w.depth < ?
        )
        SELECT DISTINCT root_id, from_kind, from_id FROM walk`,
        [options.kind, ...ids, options.maxDepth],
      );
      for (const row of resultRows<{
        root_id: string;
        from_kind: LineageNodeKind;
        from_id: string;
      }>(result)) {
        found.push({
          rootId: row.root_id,
          node: { kind: row.from_kind, id: row.from_id },
        });
      }
    }
    return found;
  }

  /**
   * Walks the edges from `start` in one direction, breadth first, in ONE recursive
   * query; returns each edge with the hop it was met at (an edge reached along paths
   * of different lengths comes once per length). `maxRows` stops the walk early on
   * both databases: they hand a recursive query's rows to the LIMIT as they are made.
   */
  async walk(options: {
    start: LineageNodeRef;
    direction: 'upstream' | 'downstream';
    maxDepth: number;
    maxRows: number;
  }): Promise<WalkedEdge[]> {
    const { near, far } = WALK_COLUMNS[options.direction];
    const columns =
      'e.from_kind, e.from_id, e.to_kind, e.to_id, e.relation, e.created_at';
    // Identifiers come from the constant above; every value is a binding. UNION (not
    // UNION ALL) with the depth in the row ends cycles at maxDepth.
    const query = (db: Knex) =>
      db.raw(
        `WITH RECURSIVE walk (from_kind, from_id, to_kind, to_id, relation, created_at, depth) AS (
          SELECT ${columns}, 1
            FROM ml_lineage_edges e
           WHERE e.${near}_kind = ? AND e.${near}_id = ?
          UNION
          SELECT ${columns}, w.depth + 1
            FROM walk w
            JOIN ml_lineage_edges e
              ON e.${near}_kind = w.${far}_kind AND e.${near}_id = w.${far}_id
           WHERE w.depth < ?
        )
        SELECT from_kind, from_id, to_kind, to_id, relation, created_at, depth
          FROM walk LIMIT ?`,
        [
          options.start.kind,
          options.start.id,
          options.maxDepth,
          options.maxRows,
        ],
      );
    // PostgreSQL rates a recursive query far above what this short walk costs and JIT-
    // compiles it (100 ms and more); off for this query only.
    const result =
      this.db.client.config.client === 'pg'
        ? await this.db.transaction(async tx => {
            await tx.raw('SET LOCAL jit = off');
            return query(tx);
          })
        : await query(this.db);
    const rows = resultRows<EdgeRow>(result);
    return rows.map(row => ({
      from: { kind: row.from_kind, id: row.from_id },
      to: { kind: row.to_kind, id: row.to_id },
      relation: row.relation,
      createdAt: Number(row.created_at),
      depth: Number(row.depth),
    }));
  }

  /** Whether any edge starts or ends at `node`. */
  async hasEdges(node: LineageNodeRef): Promise<boolean> {
    const [from, to] = await Promise.all([
      this.db('ml_lineage_edges')
        .where({ from_kind: node.kind, from_id: node.id })
        .first('relation'),
      this.db('ml_lineage_edges')
        .where({ to_kind: node.kind, to_id: node.id })
        .first('relation'),
    ]);
    return Boolean(from || to);
  }

  /**
   * The dataset with this name and digest, inserted with `dataset` when new (then the
   * first sight's owner stays), in `trx` when given.
   */
  async upsertDataset(
    dataset: NewDataset,
    trx?: Knex.Transaction,
  ): Promise<CatalogDataset> {
    const db = trx ?? this.db;
    await db('ml_lineage_datasets')
      .insert(toDatasetRow(dataset, Date.now()))
      .onConflict(['name', 'digest'])
      .ignore();
    const row = await db<DatasetRow>('ml_lineage_datasets')
      .where({ name: dataset.name, digest: dataset.digest })
      .first();
    return toDataset(row!);
  }

  /** Registers a new dataset; ConflictError when its name and digest are taken. */
  async createDataset(dataset: NewDataset): Promise<CatalogDataset> {
    const row = toDatasetRow(dataset, Date.now());
    try {
      await this.db('ml_lineage_datasets').insert(row);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ConflictError(
          `Dataset '${dataset.name}' with digest '${dataset.digest}' already exists`,
        );
      }
      throw error;
    }
    return toDataset(row);
  }

  async getDataset(id: string): Promise<CatalogDataset | undefined> {
    const row = await this.db<DatasetRow>('ml_lineage_datasets')
      .where({ id })
      .first();
    return row && toDataset(row);
  }

  async getDatasets(ids: string[]): Promise<CatalogDataset[]> {
    const result: CatalogDataset[] = [];
    for (const batch of chunks(ids)) {
      const rows = await this.db<DatasetRow>('ml_lineage_datasets').whereIn(
        'id',
        batch,
      );
      result.push(...rows.map(toDataset));
    }
    return result;
  }

  /** The newest dataset of each name (by first sight). */
  async newestDatasetsByName(
    names: string[],
    trx?: Knex.Transaction,
  ): Promise<Map<string, CatalogDataset>> {
    const db = trx ?? this.db;
    const byName = new Map<string, CatalogDataset>();
    for (const batch of chunks(names)) {
      const rows: DatasetRow[] = await db('ml_lineage_datasets')
        .whereIn('name', batch)
        .orderBy('created_at', 'asc')
        .orderBy('id', 'asc');
      // Ascending, so the newest of each name is the one left in the map.
      for (const row of rows) byName.set(row.name, toDataset(row));
    }
    return byName;
  }

  /** Datasets whose name or source contains `q` (any case), newest first. */
  async searchDatasets(options: {
    q?: string;
    limit: number;
  }): Promise<CatalogDataset[]> {
    const query = this.db<DatasetRow>('ml_lineage_datasets')
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(options.limit);
    if (options.q) {
      const pattern = `%${options.q
        .toLowerCase()
        .replace(/[\\%_]/g, c => `\\${c}`)}%`;
      query.where(inner =>
        inner
          .whereRaw(`LOWER(name) LIKE ? ESCAPE '\\'`, [pattern])
          .orWhereRaw(`LOWER(source) LIKE ? ESCAPE '\\'`, [pattern]),
      );
    }
    return (await query).map(toDataset);
  }
}

/** `knex.raw` answers `{ rows }` on PostgreSQL and the rows themselves on SQLite. */
function resultRows<T>(result: { rows: T[] } | T[]): T[] {
  return Array.isArray(result) ? result : result.rows;
}
