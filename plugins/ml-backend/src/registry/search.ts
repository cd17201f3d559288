/**
 * MLflow's registry search grammar: filters and order_by entries are parsed by the
 * tracking search parser against the registry's schemas, then compiled here to
 * parameterised conditions over `ml_registered_models as m` (and
 * `ml_model_versions as v`). Only tags are keyed, so this is the small sibling of the
 * tracking compiler.
 */
import { Knex } from 'knex';
import { PageWindow } from '../shared/paging';
import { Clause, OrderBy, parseFilter, parseOrderBy } from '../shared/search';
import { clausePredicate } from '../shared/search/compiler';
import { SearchSchema, attributeSpec } from '../shared/search/schema';

const timestamps = (alias: 'm' | 'v') =>
  ({
    creation_timestamp: {
      column: `${alias}.creation_time`,
      type: 'numeric',
      orderOnly: true,
    },
    last_updated_timestamp: {
      column: `${alias}.last_updated_time`,
      type: 'numeric',
      orderOnly: true,
    },
  } as const);

/** Both searches filter on attributes and tags, and order by attributes only. */
const ENTITIES: SearchSchema['entities'] = {
  attribute: 'attribute',
  attributes: 'attribute',
  tag: 'tag',
  tags: 'tag',
};

/** `search-registered-models`: `name`, `tags.<key>`; order by name or timestamps. @internal */
export const registeredModelSearchSchema: SearchSchema = {
  entities: ENTITIES,
  orderable: ['attribute'],
  attributes: {
    name: { column: 'm.name', type: 'string' },
    ...timestamps('m'),
  },
  aliases: {},
};

/** `search-model-versions`: `name`, `run_id`, `source_path`, `version_number`, `tags.<key>`. @internal */
export const modelVersionSearchSchema: SearchSchema = {
  entities: ENTITIES,
  orderable: ['attribute'],
  attributes: {
    name: { column: 'm.name', type: 'string' },
    run_id: { column: 'v.run_id', type: 'string', nullable: true },
    source_path: { column: 'v.source', type: 'string' },
    version_number: { column: 'v.version', type: 'numeric' },
    ...timestamps('v'),
  },
  aliases: {},
};

/** The tag table of each search, correlated to the searched row. */
const TAGS = {
  models: {
    from: 'ml_registered_model_tags k',
    where: 'k.model_id = m.model_id',
  },
  versions: {
    from: 'ml_model_version_tags k',
    where: 'k.version_id = v.version_id',
  },
} as const;

/** Order applied when order_by is empty, and tiebreakers that make pages stable (MLflow's). */
const ORDER = {
  models: { defaults: [], tiebreakers: ['m.name ASC'] },
  versions: {
    defaults: ['v.last_updated_time DESC'],
    tiebreakers: ['m.name ASC', 'v.version DESC'],
  },
} as const;

type Target = keyof typeof TAGS;

function applyClause(
  knex: Knex,
  query: Knex.QueryBuilder,
  target: Target,
  schema: SearchSchema,
  clause: Clause,
) {
  const { identifier } = clause;
  if (identifier.entity === 'attribute') {
    const { column } = attributeSpec(schema, identifier.key);
    if (clause.type === 'null') {
      query.whereRaw(`${column} ${clause.comparator}`);
      return;
    }
    const test = clausePredicate(knex, column, clause);
    query.whereRaw(test.sql, test.bindings);
    return;
  }
  // A tag: a row lacking the key matches no comparison, `!=` included, as in MLflow.
  const tags = TAGS[target];
  const where = `${tags.where} AND k.key = ?`;
  if (clause.type === 'null') {
    const exists = `EXISTS (SELECT 1 FROM ${tags.from} WHERE ${where})`;
    query.whereRaw(clause.comparator === 'IS NULL' ? `NOT ${exists}` : exists, [
      identifier.key,
    ]);
    return;
  }
  const test = clausePredicate(knex, 'k.value', clause);
  query.whereRaw(
    `EXISTS (SELECT 1 FROM ${tags.from} WHERE ${where} AND ${test.sql})`,
    [identifier.key, ...test.bindings],
  );
}

function applyOrder(
  query: Knex.QueryBuilder,
  target: Target,
  schema: SearchSchema,
  orderBy: OrderBy[],
) {
  for (const { identifier, ascending } of orderBy) {
    const { column } = attributeSpec(schema, identifier.key);
    query.orderByRaw(`${column} ${ascending ? 'ASC' : 'DESC'}`);
  }
  const { defaults, tiebreakers } = ORDER[target];
  for (const order of [
    ...(orderBy.length === 0 ? defaults : []),
    ...tiebreakers,
  ]) {
    query.orderByRaw(order);
  }
}

/** A registry search: an MLflow filter string and order_by entries. @internal */
export type RegistrySearch = { filter?: string; orderBy?: string[] };

/**
 * One window of rows of a search: the filter and order applied to `query`, a select
 * over `ml_registered_models as m` (`target: 'models'`) or `ml_model_versions as v`
 * joined to its model as `m` (`target: 'versions'`); one row more than the window
 * tells whether another page follows. Throws InputError with MLflow's message on a bad
 * filter or order_by entry.
 *
 * @internal
 */
export async function searchRows<Row>(
  knex: Knex,
  query: Knex.QueryBuilder,
  target: Target,
  search: RegistrySearch,
  window: PageWindow,
): Promise<{ rows: Row[]; hasMore: boolean }> {
  const schema =
    target === 'models'
      ? registeredModelSearchSchema
      : modelVersionSearchSchema;
  const clauses = parseFilter(search.filter, schema);
  const orderBy = (search.orderBy ?? []).map(entry =>
    parseOrderBy(entry, schema),
  );
  for (const clause of clauses) {
    applyClause(knex, query, target, schema, clause);
  }
  applyOrder(query, target, schema, orderBy);
  const rows: Row[] = await query.offset(window.offset).limit(window.limit + 1);
  return {
    rows: rows.slice(0, window.limit),
    hasMore: rows.length > window.limit,
  };
}
