import {
  LineageGraph,
  LineageDirection,
  CatalogDataset,
  LineageNode,
  LineageNodeKind,
  LineageNodeRef,
  LineageRelation,
} from '@ml-portal/plugin-ml-common';
import { Knex } from 'knex';
import type { Caller } from './caller';

/** One fact: `from` relates to `to`, e.g. dataset `input_to` run. @internal */
export type LineageFact = {
  from: LineageNodeRef;
  to: LineageNodeRef;
  relation: LineageRelation;
};

/**
 * How domains record lineage as facts happen. Recording is idempotent (the same fact
 * twice is one edge); pass the transaction of the change the fact describes so both
 * land together or not at all.
 *
 * @internal
 */
export interface LineageRecorder {
  record(facts: LineageFact[], trx?: Knex.Transaction): Promise<void>;
}

/** What a domain tells the lineage graph about its nodes (label, owner, page). @internal */
export type LineageNodeDescription = Omit<
  LineageNode,
  'kind' | 'id' | 'key' | 'known'
>;

/**
 * Describes a batch of one kind's nodes in one query; ids it does not know are left
 * out of the map (drawn as unknown).
 *
 * @internal
 */
export type LineageNodeDescriber = (
  ids: string[],
) => Promise<Map<string, LineageNodeDescription>>;

/** The describers per node kind, supplied by the domains that own them. @internal */
export type LineageNodeDescribers = Partial<
  Record<LineageNodeKind, LineageNodeDescriber>
>;

/** A dataset as logged or registered, before it has an id. @internal */
export type NewDataset = Omit<CatalogDataset, 'id' | 'createdAt'>;

/**
 * What tracking and training record: facts, and datasets by name and digest.
 *
 * @internal
 */
export interface DatasetLineageRecorder extends LineageRecorder {
  /**
   * Upserts each dataset by name and digest (the first sight's owner stays) and
   * records it `input_to` the target, in `trx` when given.
   */
  recordDatasetInputs(
    target: LineageNodeRef,
    datasets: NewDataset[],
    trx?: Knex.Transaction,
  ): Promise<CatalogDataset[]>;
  /** Dataset id per reference that is an id or a name (its newest); unknown ones are left out. */
  resolveDatasetRefs(refs: string[]): Promise<Map<string, string>>;
}

/** Which way and how far a lineage graph is walked from its root. @internal */
export type LineageQuery = {
  root: LineageNodeRef;
  direction: LineageDirection;
  depth: number;
};

/** Reading lineage as a caller may see it (the lineage domain serves it). @internal */
export interface LineageReader {
  graphFor(caller: Caller, query: LineageQuery): Promise<LineageGraph>;
}
