import { Knex } from 'knex';
import { Clause, parseFilter, parseOrderBy } from '../shared/search';
import { clausePredicate } from '../shared/search/compiler';
import { attributeSpec, SearchSchema } from '../shared/search/schema';
import { LoggedModelQuery } from './LoggedModelStore';

/*
 * MLflow's search_logged_models over `ml_logged_models as m`: the filter grammar is the
 * runs' (parsed once by shared/search), against the attributes, metrics, params and tags
 * of logged models. Metric clauses and metric orders read only the values computed on
 * the request's datasets (an order may name its own). SQL here is constants; keys and
 * values travel as bindings.
 */

/** What a logged-model search may name (MLflow's SearchLoggedModelsUtils). @internal */
export const loggedModelSearchSchema: SearchSchema = {
  entities: {
    metric: 'metric',
    metrics: 'metric',
    param: 'param',
    params: 'param',
    tag: 'tag',
    tags: 'tag',
    attribute: 'attribute',
    attributes: 'attribute',
    attr: 'attribute',
  },
  orderable: ['metric', 'param', 'tag', 'attribute'],
  attributes: {
    model_id: { column: 'm.model_id', type: 'string' },
    name: { column: 'm.name', type: 'string' },
    model_type: { column: 'm.model_type', type: 'string', nullable: true },
    status: { column: 'm.status', type: 'string' },
    source_run_id: {
      column: 'm.source_run_id',
      type: 'string',
      nullable: true,
    },
    creation_timestamp: { column: 'm.creation_time', type: 'numeric' },
    last_updated_timestamp: {
      column: 'm.last_updated_time',
      type: 'numeric',
    },
  },
  aliases: {
    creation_time: 'creation_timestamp',
    last_updated_time: 'last_updated_timestamp',
  },
};

type Datasets = LoggedModelQuery['datasets'];

/** A keyed value's rows for the model: `k` correlated to `m`, with the key bound. */
type Keyed = { from: string; where: string; bindings: Knex.Value[] };

function keyed(table: string, key: string): Keyed {
  return {
    from: `${table} k`,
    where: 'k.model_id = m.model_id AND k.key = ?',
    bindings: [key],
  };
}

/** Metric rows of the key, on any of `datasets` when some are named. */
function metricRows(key: string, datasets: Datasets): Keyed {
  const rows = keyed('ml_logged_model_latest_metrics', key);
  if (datasets.length === 0) return rows;
  const each = datasets.map(d =>
    d.digest === undefined
      ? { sql: 'k.dataset_name = ?', bindings: [d.name] }
      : {
          sql: '(k.dataset_name = ? AND k.dataset_digest = ?)',
          bindings: [d.name, d.digest],
        },
  );
  return {
    from: rows.from,
    where: `${rows.where} AND (${each.map(e => e.sql).join(' OR ')})`,
    bindings: [...rows.bindings, ...each.flatMap(e => e.bindings)],
  };
}

function keyedRows(
  clause: Clause,
  datasets: Datasets,
): (Keyed & { comparable?: string }) | undefined {
  const { identifier } = clause;
  switch (identifier.entity) {
    case 'metric':
      // A NaN value matches no comparison.
      return {
        ...metricRows(identifier.key, datasets),
        comparable: 'NOT k.is_nan',
      };
    case 'param':
      return keyed('ml_logged_model_params', identifier.key);
    case 'tag':
      return keyed('ml_logged_model_tags', identifier.key);
    default:
      return undefined;
  }
}

function applyClause(
  knex: Knex,
  query: Knex.QueryBuilder,
  clause: Clause,
  datasets: Datasets,
) {
  const rows = keyedRows(clause, datasets);
  if (!rows) {
    const { column } = attributeSpec(
      loggedModelSearchSchema,
      clause.identifier.key,
    );
    if (clause.type === 'null') {
      query.whereRaw(`${column} ${clause.comparator}`);
    } else {
      const t = clausePredicate(knex, column, clause);
      query.whereRaw(t.sql, t.bindings);
    }
    return;
  }
  if (clause.type === 'null') {
    const exists = `EXISTS (SELECT 1 FROM ${rows.from} WHERE ${rows.where})`;
    query.whereRaw(
      clause.comparator === 'IS NULL' ? `NOT ${exists}` : exists,
      rows.bindings,
    );
    return;
  }
  // A model lacking the key matches no comparison, `!=` included, as in MLflow.
  const t = clausePredicate(knex, 'k.value', clause);
  const conditions = [rows.where, rows.comparable, t.sql]
    .filter(Boolean)
    .join(' AND ');
  query.whereRaw(`EXISTS (SELECT 1 FROM ${rows.from} WHERE ${conditions})`, [
    ...rows.bindings,
    ...t.bindings,
  ]);
}

/**
 * Adds the query's filter, datasets and order (creation time, newest first, by
 * default; the model id breaks ties so pages are stable) to a select over
 * `ml_logged_models as m`. InputError with MLflow's messages on a bad filter or field.
 *
 * @internal
 */
export function applyLoggedModelSearch(
  knex: Knex,
  query: Knex.QueryBuilder,
  search: Pick<LoggedModelQuery, 'filter' | 'datasets' | 'orderBy'>,
) {
  for (const clause of parseFilter(search.filter, loggedModelSearchSchema)) {
    applyClause(knex, query, clause, search.datasets);
  }
  for (const order of search.orderBy) {
    const { identifier } = parseOrderBy(
      order.fieldName,
      loggedModelSearchSchema,
    );
    const direction = order.ascending ? 'ASC' : 'DESC';
    if (identifier.entity === 'attribute') {
      const spec = attributeSpec(loggedModelSearchSchema, identifier.key);
      if (spec.nullable) {
        query.orderByRaw(`CASE WHEN ${spec.column} IS NULL THEN 1 ELSE 0 END`);
      }
      query.orderByRaw(`${spec.column} ${direction}`);
      continue;
    }
    const datasets: Datasets = order.datasetName
      ? [{ name: order.datasetName, digest: order.datasetDigest }]
      : search.datasets;
    const rows =
      identifier.entity === 'metric'
        ? metricRows(identifier.key, datasets)
        : keyed(
            identifier.entity === 'param'
              ? 'ml_logged_model_params'
              : 'ml_logged_model_tags',
            identifier.key,
          );
    // A metric's latest value (highest step, then time); NaN and absent values last.
    const latest = identifier.entity === 'metric';
    const pick = (expression: string) =>
      `(SELECT ${expression} FROM ${rows.from} WHERE ${rows.where}${
        latest ? ' ORDER BY k.step DESC, k.timestamp DESC' : ''
      } LIMIT 1)`;
    query.orderByRaw(
      `COALESCE(${pick(
        latest ? 'CASE WHEN k.is_nan THEN 1 ELSE 0 END' : '0',
      )}, 2)`,
      rows.bindings,
    );
    query.orderByRaw(`${pick('k.value')} ${direction}`, rows.bindings);
  }
  if (search.orderBy.length === 0) query.orderByRaw('m.creation_time DESC');
  query.orderByRaw('m.model_id ASC');
}
