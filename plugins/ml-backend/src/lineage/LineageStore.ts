import {
  CatalogDataset,
  LineageNodeKind,
  LineageNodeRef,
  LineageRelation,
} from '@ml-portal/plugin-ml-common';
import { Knex } from 'knex';
import { LineageFact, NewDataset } from '../shared/lineage';

/** One edge met by a walk, at the number of hops from the walk's start. @internal */
export type WalkedEdge = {
  from: LineageNodeRef;
  to: LineageNodeRef;
  relation: LineageRelation;
  createdAt: number;
  depth: number;
};

/**
 * The lineage tables: edges (facts) and datasets.
 *
 * @internal
 */
export interface LineageStore {
  /** Inserts the facts' edges, ignoring those already there, in `trx` when given. */
  recordEdges(facts: LineageFact[], trx?: Knex.Transaction): Promise<void>;
  /**
   * The nodes upstream of each of many nodes of one kind, to a depth: one recursive
   * query per 250 roots that carries each row's root, for lists such as the catalog's
   * (every model version's data) where a walk per root would be a query per version.
   */
  upstreamOfEach(options: {
    kind: LineageNodeKind;
    ids: string[];
    maxDepth: number;
  }): Promise<Array<{ rootId: string; node: LineageNodeRef }>>;
  /**
   * Walks the edges from `start` in one direction, breadth first, in ONE recursive
   * query; returns each edge with the hop it was met at (an edge reached along paths
   * of different lengths comes once per length). `maxRows` stops the walk early on
   * both databases: they hand a recursive query's rows to the LIMIT as they are made.
   */
  walk(options: {
    start: LineageNodeRef;
    direction: 'upstream' | 'downstream';
    maxDepth: number;
    maxRows: number;
  }): Promise<WalkedEdge[]>;
  /** Whether any edge starts or ends at `node`. */
  hasEdges(node: LineageNodeRef): Promise<boolean>;
  /**
   * The dataset with this name and digest, inserted with `dataset` when new (then the
   * first sight's owner stays), in `trx` when given.
   */
  upsertDataset(
    dataset: NewDataset,
    trx?: Knex.Transaction,
  ): Promise<CatalogDataset>;
  /** Registers a new dataset; ConflictError when its name and digest are taken. */
  createDataset(dataset: NewDataset): Promise<CatalogDataset>;
  getDataset(id: string): Promise<CatalogDataset | undefined>;
  getDatasets(ids: string[]): Promise<CatalogDataset[]>;
  /** The newest dataset of each name (by first sight). */
  newestDatasetsByName(
    names: string[],
    trx?: Knex.Transaction,
  ): Promise<Map<string, CatalogDataset>>;
  /** Datasets whose name or source contains `q` (any case), newest first. */
  searchDatasets(options: {
    q?: string;
    limit: number;
  }): Promise<CatalogDataset[]>;
}
