import { Knex } from 'knex';
import { Clause, Identifier, OrderBy } from './parser';
import {
  SearchSchema,
  attributeSpec,
  experimentSearchSchema,
  runSearchSchema,
} from './schema';

/** The databases the plugin runs on; they differ in LIKE and JSON. */
type Dialect = 'sqlite' | 'postgres';

/**
 * Where an identifier's value lives. SQL text here comes from constants only;
 * keys and values always travel as bindings.
 */
type Operand = {
  /** SQL for the value. */
  value: string;
  /** The column may be NULL; ordering puts NULLs last, as MLflow does. */
  nullable?: boolean;
  /** For keyed values (metrics, params, tags, datasets): a correlated subquery. */
  source?: {
    from: string;
    /** Correlates to the searched row and selects the key; `?` = bindings. */
    where: string;
    bindings: Knex.Value[];
    /** Rows filters may compare: a NaN metric matches no comparison. */
    comparable?: string;
    /** Sort rank of a present row: NaN metrics go after numbers. */
    rank?: string;
  };
};

/** A searchable table: its schema and how identifiers become operands. */
type SearchTarget = {
  schema: SearchSchema;
  operand(identifier: Identifier, dialect: Dialect): Operand;
  /** Order applied when order_by is empty. */
  defaultOrder: string[];
  /** Appended to every order, so that pages are stable. */
  tiebreakers: string[];
};

// The mlflow.data.context input tag, in ml_run_inputs.tags: [{key, value}].
const CONTEXT_TAG = 'mlflow.data.context';

const runs: SearchTarget = {
  schema: runSearchSchema,
  operand(identifier, dialect) {
    const keyed = (table: string) => ({
      from: `${table} k`,
      where: 'k.run_uuid = r.run_uuid AND k.key = ?',
      bindings: [identifier.key],
    });
    switch (identifier.entity) {
      case 'attribute':
        return attributeOperand(runSearchSchema, identifier.key);
      case 'metric':
        return {
          value: 'k.value',
          source: {
            ...keyed('ml_latest_metrics'),
            comparable: 'NOT k.is_nan',
            rank: 'CASE WHEN k.is_nan THEN 1 ELSE 0 END',
          },
        };
      case 'param':
        return { value: 'k.value', source: keyed('ml_params') };
      case 'tag':
        return { value: 'k.value', source: keyed('ml_run_tags') };
      case 'dataset':
        if (identifier.key !== 'context') {
          return {
            value: identifier.key === 'name' ? 'k.name' : 'k.digest',
            source: {
              from: 'ml_run_inputs i JOIN ml_datasets k ON k.dataset_uuid = i.dataset_uuid',
              where: 'i.run_uuid = r.run_uuid',
              bindings: [],
            },
          };
        }
        // Each element of the run input's JSON tag array is a row.
        return dialect === 'sqlite'
          ? {
              value: "json_extract(k.value, '$.value')",
              source: {
                from: 'ml_run_inputs i, json_each(i.tags) k',
                where:
                  "i.run_uuid = r.run_uuid AND json_extract(k.value, '$.key') = ?",
                bindings: [CONTEXT_TAG],
              },
            }
          : {
              value: "k.tag ->> 'value'",
              source: {
                from: 'ml_run_inputs i CROSS JOIN LATERAL jsonb_array_elements(CAST(i.tags AS jsonb)) k(tag)',
                where: "i.run_uuid = r.run_uuid AND k.tag ->> 'key' = ?",
                bindings: [CONTEXT_TAG],
              },
            };
      default:
        return unreachable(identifier);
    }
  },
  defaultOrder: [],
  tiebreakers: ['r.start_time DESC', 'r.run_uuid ASC'],
};

const experiments: SearchTarget = {
  schema: experimentSearchSchema,
  operand(identifier) {
    switch (identifier.entity) {
      case 'attribute':
        return attributeOperand(experimentSearchSchema, identifier.key);
      case 'tag':
        return {
          value: 'k.value',
          source: {
            from: 'ml_experiment_tags k',
            where: 'k.experiment_id = e.experiment_id AND k.key = ?',
            bindings: [identifier.key],
          },
        };
      default:
        // The schema admits no other entity.
        throw new Error(`Experiments have no ${identifier.entity} entity`);
    }
  },
  // MLflow's default for search_experiments.
  defaultOrder: ['e.creation_time DESC'],
  tiebreakers: ['e.experiment_id ASC'],
};

function attributeOperand(schema: SearchSchema, key: string): Operand {
  const { column, nullable } = attributeSpec(schema, key);
  return { value: column, nullable };
}

function unreachable(value: never): never {
  throw new Error(`Unexpected ${JSON.stringify(value)}`);
}

/**
 * Rewrites a LIKE pattern (`%`, `_`, `\` escapes) as a GLOB pattern: SQLite's
 * LIKE ignores case, GLOB does not, and case_sensitive_like is connection-wide.
 *
 * @internal
 */
export function likeToGlob(pattern: string): string {
  // In GLOB only brackets escape: [*] matches a literal *.
  const literal = (char: string) => ('*?['.includes(char) ? `[${char}]` : char);
  let glob = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === '\\' && i + 1 < pattern.length) {
      glob += literal(pattern[++i]);
    } else if (char === '%') {
      glob += '*';
    } else if (char === '_') {
      glob += '?';
    } else {
      glob += literal(char);
    }
  }
  return glob;
}

/** The SQL test of `value` against a clause's comparator and value(s). */
function predicate(
  value: string,
  clause: Exclude<Clause, { type: 'null' }>,
  dialect: Dialect,
): { sql: string; bindings: Knex.Value[] } {
  switch (clause.type) {
    case 'numeric':
      return {
        sql: `${value} ${clause.comparator} ?`,
        bindings: [clause.value],
      };
    case 'list': {
      const marks = clause.values.map(() => '?').join(', ');
      return {
        sql: `${value} ${clause.comparator} (${marks})`,
        bindings: clause.values,
      };
    }
    case 'string':
      switch (clause.comparator) {
        case 'LIKE':
          // Backslash escapes on both databases (PostgreSQL's default).
          return dialect === 'sqlite'
            ? { sql: `${value} GLOB ?`, bindings: [likeToGlob(clause.value)] }
            : { sql: `${value} LIKE ? ESCAPE '\\'`, bindings: [clause.value] };
        case 'ILIKE':
          return {
            sql: `lower(${value}) LIKE lower(?) ESCAPE '\\'`,
            bindings: [clause.value],
          };
        default:
          return {
            sql: `${value} ${clause.comparator} ?`,
            bindings: [clause.value],
          };
      }
    default:
      return unreachable(clause);
  }
}

function applyClause(
  query: Knex.QueryBuilder,
  operand: Operand,
  clause: Clause,
  dialect: Dialect,
): void {
  const { source } = operand;
  if (clause.type === 'null') {
    if (!source) {
      query.whereRaw(`${operand.value} ${clause.comparator}`);
      return;
    }
    // A key is NULL when the row has no such key.
    const exists = `EXISTS (SELECT 1 FROM ${source.from} WHERE ${source.where})`;
    query.whereRaw(
      clause.comparator === 'IS NULL' ? `NOT ${exists}` : exists,
      source.bindings,
    );
    return;
  }
  const test = predicate(operand.value, clause, dialect);
  if (!source) {
    query.whereRaw(test.sql, test.bindings);
    return;
  }
  // A row lacking the key matches no comparison, `!=` included, as in MLflow.
  const conditions = [source.where, source.comparable, test.sql]
    .filter(Boolean)
    .join(' AND ');
  query.whereRaw(`EXISTS (SELECT 1 FROM ${source.from} WHERE ${conditions})`, [
    ...source.bindings,
    ...test.bindings,
  ]);
}

function applyOrder(
  query: Knex.QueryBuilder,
  operand: Operand,
  ascending: boolean,
): void {
  const direction = ascending ? 'ASC' : 'DESC';
  const { source } = operand;
  if (!source) {
    if (operand.nullable) {
      query.orderByRaw(`CASE WHEN ${operand.value} IS NULL THEN 1 ELSE 0 END`);
    }
    query.orderByRaw(`${operand.value} ${direction}`);
    return;
  }
  // Rows lacking the key come last whatever the direction, as in MLflow.
  const select = (expression: string) =>
    `(SELECT ${expression} FROM ${source.from} WHERE ${source.where})`;
  query.orderByRaw(
    `COALESCE(${select(source.rank ?? '0')}, 2)`,
    source.bindings,
  );
  query.orderByRaw(`${select(operand.value)} ${direction}`, source.bindings);
}

function dialectOf(knex: Knex): Dialect {
  const dialect: string = knex.client.dialect;
  if (dialect === 'sqlite3' || dialect === 'better-sqlite3') {
    return 'sqlite';
  }
  if (dialect === 'postgresql' || dialect === 'pg') {
    return 'postgres';
  }
  throw new Error(`Search is not implemented for the ${dialect} database`);
}

/**
 * Adds parsed clauses as WHERE conditions and the order, tiebreakers last, to
 * a query over the target's table (`ml_runs as r` or `ml_experiments as e`).
 *
 * @internal
 */
export function compileSearch(
  knex: Knex,
  query: Knex.QueryBuilder,
  target: 'runs' | 'experiments',
  clauses: Clause[],
  orderBy: OrderBy[],
): void {
  const { operand, defaultOrder, tiebreakers } =
    target === 'runs' ? runs : experiments;
  const dialect = dialectOf(knex);
  for (const clause of clauses) {
    applyClause(query, operand(clause.identifier, dialect), clause, dialect);
  }
  for (const { identifier, ascending } of orderBy) {
    applyOrder(query, operand(identifier, dialect), ascending);
  }
  for (const order of [
    ...(orderBy.length === 0 ? defaultOrder : []),
    ...tiebreakers,
  ]) {
    query.orderByRaw(order);
  }
}

/**
 * SQL testing `value` (a column expression) against a clause that is not a NULL test,
 * in the dialect of `knex`: the compiler's own predicate, for the registry's and the
 * logged models' searches, which compile their clauses themselves.
 *
 * @internal
 */
export function clausePredicate(
  knex: Knex,
  value: string,
  clause: Exclude<Clause, { type: 'null' }>,
): { sql: string; bindings: Knex.Value[] } {
  return predicate(value, clause, dialectOf(knex));
}
