/**
 * MLflow's search grammar: filters and order_by entries are parsed once into
 * typed clauses, then compiled to parameterised knex conditions.
 */
import { Knex } from 'knex';
import { compileSearch } from './compiler';
import { parseFilter, parseOrderBy } from './parser';
import { experimentSearchSchema, runSearchSchema } from './schema';

export { parseFilter, parseOrderBy } from './parser';
export type { Clause, Identifier, OrderBy } from './parser';
export { experimentSearchSchema, runSearchSchema } from './schema';

/** A search request: an MLflow filter string and order_by entries. @internal */
export type SearchRequest = { filter?: string; orderBy?: string[] };

/**
 * Adds the filter's WHERE conditions and the order to `query`, a select over
 * `ml_runs as r`. Throws InputError with MLflow's message on a bad filter or
 * order_by entry.
 *
 * @internal
 */
export function applyRunSearch(
  knex: Knex,
  query: Knex.QueryBuilder,
  search: SearchRequest,
): void {
  compileSearch(
    knex,
    query,
    'runs',
    parseFilter(search.filter, runSearchSchema),
    (search.orderBy ?? []).map(entry => parseOrderBy(entry, runSearchSchema)),
  );
}

/**
 * Adds the filter's WHERE conditions and the order to `query`, a select over
 * `ml_experiments as e`. Throws InputError with MLflow's message on a bad
 * filter or order_by entry.
 *
 * @internal
 */
export function applyExperimentSearch(
  knex: Knex,
  query: Knex.QueryBuilder,
  search: SearchRequest,
): void {
  compileSearch(
    knex,
    query,
    'experiments',
    parseFilter(search.filter, experimentSearchSchema),
    (search.orderBy ?? []).map(entry =>
      parseOrderBy(entry, experimentSearchSchema),
    ),
  );
}
