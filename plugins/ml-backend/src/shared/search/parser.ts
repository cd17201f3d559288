import { InputError } from '@backstage/errors';
import {
  DATASET_KEYS,
  DatasetKey,
  EntityType,
  SearchSchema,
  attributeSpec,
} from './schema';
import { Token, tokenize } from './tokenizer';
import { ownValue } from '../objects';
import { countTrailing, describeValue } from '../strings';

/** What a clause or order_by entry names. @internal */
export type Identifier =
  | { entity: Exclude<EntityType, 'dataset'>; key: string }
  | { entity: 'dataset'; key: DatasetKey };

/** @internal */
export type NumericComparator = '=' | '!=' | '>' | '>=' | '<' | '<=';
/** @internal */
export type StringComparator = '=' | '!=' | 'LIKE' | 'ILIKE';

/** One AND-ed clause of a filter, its value already type-checked. @internal */
export type Clause =
  | {
      type: 'numeric';
      identifier: Identifier;
      comparator: NumericComparator;
      value: number;
    }
  | {
      type: 'string';
      identifier: Identifier;
      comparator: StringComparator;
      value: string;
    }
  | {
      type: 'list';
      identifier: Identifier;
      comparator: 'IN' | 'NOT IN';
      values: string[];
    }
  | {
      type: 'null';
      identifier: Identifier;
      comparator: 'IS NULL' | 'IS NOT NULL';
    };

/** @internal */
export type OrderBy = { identifier: Identifier; ascending: boolean };

type Comparator = Clause['comparator'];

const NUMERIC_COMPARATORS: readonly Comparator[] = [
  '=',
  '!=',
  '>',
  '>=',
  '<',
  '<=',
];
const STRING_COMPARATORS: readonly Comparator[] = [
  '=',
  '!=',
  'LIKE',
  'ILIKE',
  'IN',
  'NOT IN',
];
// Only keyed entities can be absent from a row; attributes are columns.
const KEYED_STRING_COMPARATORS: readonly Comparator[] = [
  ...STRING_COMPARATORS,
  'IS NULL',
  'IS NOT NULL',
];

/** Reads tokens front to back. */
class Cursor {
  private index = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly source: string,
  ) {}

  peek(): Token | undefined {
    return this.tokens[this.index];
  }

  next(): Token | undefined {
    return this.tokens[this.index++];
  }

  /** The source text from the next token on, for error messages. */
  rest(): string {
    const token = this.peek();
    return token ? this.source.slice(token.position).trim() : '';
  }

  /** Consumes the next token if it is the bare keyword `word`. */
  accept(word: string): boolean {
    if (isKeyword(this.peek(), word)) {
      this.index++;
      return true;
    }
    return false;
  }
}

function isKeyword(token: Token | undefined, word: string): boolean {
  return (
    token?.type === 'identifier' &&
    token.entity === undefined &&
    token.text.toUpperCase() === word
  );
}

const quoteList = (items: readonly string[]) =>
  `[${items.map(item => `'${item}'`).join(', ')}]`;

/**
 * Bounds on one filter, so that a filter cannot grow the SQL past what the databases
 * take (SQLite's expression depth of 1,000 and 32,766 bindings) or hold the database
 * for long: its AND-ed clauses, and the values of all its IN lists together.
 *
 * @internal
 */
export const FILTER_LIMITS = { clauses: 100, listValues: 1000 } as const;

/**
 * Parses an MLflow search filter into AND-ed clauses; empty or absent means
 * no clauses. Throws InputError with MLflow's messages.
 *
 * @internal
 */
export function parseFilter(
  filter: string | undefined,
  schema: SearchSchema,
): Clause[] {
  if (filter !== undefined && typeof filter !== 'string') {
    throw new InputError(
      `Invalid value ${describeValue(
        filter,
      )} for parameter 'filter' supplied: expected a string.`,
    );
  }
  if (!filter?.trim()) {
    return [];
  }
  const cursor = new Cursor(tokenize(filter, `filter '${filter}'`), filter);
  const clauses: Clause[] = [];
  let listValues = 0;
  for (;;) {
    const clause = parseClause(cursor, schema);
    clauses.push(clause);
    if (clauses.length > FILTER_LIMITS.clauses) {
      throw new InputError(
        `Invalid filter string: it has more than ${FILTER_LIMITS.clauses} clauses`,
      );
    }
    listValues += clause.type === 'list' ? clause.values.length : 0;
    if (listValues > FILTER_LIMITS.listValues) {
      throw new InputError(
        `Invalid filter string: its IN lists hold more than ${FILTER_LIMITS.listValues} values in all`,
      );
    }
    if (cursor.peek() === undefined) {
      return clauses;
    }
    if (!cursor.accept('AND')) {
      const hint = isKeyword(cursor.peek(), 'OR')
        ? '. Only AND is supported between clauses'
        : '';
      throw new InputError(
        `Invalid clause(s) in filter string: '${cursor.rest()}'${hint}`,
      );
    }
  }
}

function parseClause(cursor: Cursor, schema: SearchSchema): Clause {
  const token = cursor.peek();
  if (token?.type !== 'identifier') {
    throw new InputError(
      token
        ? `Invalid clause(s) in filter string: '${cursor.rest()}'`
        : 'Invalid clause(s) in filter string: expected a clause after AND',
    );
  }
  cursor.next();
  const identifier = resolveIdentifier(token, schema, 'filter');
  const comparator = parseComparator(cursor, token);
  const allowed = comparatorsFor(identifier, schema);
  if (!allowed.includes(comparator)) {
    throw new InputError(
      `Invalid comparator '${comparator}' not one of '${allowed.join(', ')}'`,
    );
  }

  if (comparator === 'IS NULL' || comparator === 'IS NOT NULL') {
    return { type: 'null', identifier, comparator };
  }
  if (comparator === 'IN' || comparator === 'NOT IN') {
    return { type: 'list', identifier, comparator, values: parseList(cursor) };
  }

  const value = cursor.next();
  if (!value) {
    throw new InputError(
      `Invalid comparison clause. Expected a value after '${token.text} ${comparator}'`,
    );
  }
  if (valueTypeOf(identifier, schema) === 'numeric') {
    return {
      type: 'numeric',
      identifier,
      comparator: comparator as NumericComparator,
      value: numericValue(identifier, value),
    };
  }
  if (value.type !== 'string') {
    throw new InputError(
      `Expected a quoted string value for ${entityLabel(identifier)} ` +
        `(e.g. 'my-value'). Got value ${value.text}`,
    );
  }
  if (
    (comparator === 'LIKE' || comparator === 'ILIKE') &&
    endsWithEscape(value.value)
  ) {
    throw new InputError(
      `Invalid ${comparator} pattern ${value.text}: it ends with the escape character '\\'`,
    );
  }
  return {
    type: 'string',
    identifier,
    comparator: comparator as StringComparator,
    value: value.value,
  };
}

function parseComparator(cursor: Cursor, identifier: Token): Comparator {
  const token = cursor.next();
  if (token?.type === 'operator') {
    return token.value as Comparator; // checked against the allowed set next
  }
  if (token?.type === 'identifier' && token.entity === undefined) {
    const word = token.text.toUpperCase();
    if (word === 'LIKE' || word === 'ILIKE' || word === 'IN') {
      return word;
    }
    if (word === 'NOT' && cursor.accept('IN')) {
      return 'NOT IN';
    }
    if (word === 'IS') {
      const negated = cursor.accept('NOT');
      if (cursor.accept('NULL')) {
        return negated ? 'IS NOT NULL' : 'IS NULL';
      }
    }
  }
  throw new InputError(
    `Invalid comparison clause. Expected a comparison operator after ` +
      `'${identifier.text}', found '${token?.text ?? ''}'`,
  );
}

/** A parenthesised, non-empty list of quoted strings: `('a', "b")`. */
function parseList(cursor: Cursor): string[] {
  const illFormed = () =>
    new InputError(
      'While parsing a list in the query, expected a non-empty list of ' +
        'string values, but got ill-formed list.',
    );
  if (cursor.next()?.text !== '(') {
    throw illFormed();
  }
  if (cursor.peek()?.text === ')') {
    throw new InputError(
      'While parsing a list in the query, expected a non-empty list of ' +
        'string values, but got empty list',
    );
  }
  const values: string[] = [];
  for (;;) {
    const value = cursor.next();
    if (value?.type !== 'string') {
      throw illFormed();
    }
    values.push(value.value);
    const separator = cursor.next();
    if (separator?.text === ')') {
      return values;
    }
    if (separator?.text !== ',') {
      throw illFormed();
    }
  }
}

function numericValue(identifier: Identifier, token: Token): number {
  if (identifier.entity === 'metric') {
    if (token.type !== 'number') {
      throw new InputError(
        `Expected numeric value type for metric. Found ${token.text}`,
      );
    }
    return token.value;
  }
  // Times are integer milliseconds; a fraction would not bind to bigint.
  if (token.type !== 'number' || !Number.isSafeInteger(token.value)) {
    throw new InputError(
      `Expected numeric value type for numeric attribute: ${identifier.key}. ` +
        `Found ${token.text}`,
    );
  }
  return token.value;
}

/** Whether a LIKE pattern ends with an unescaped backslash. */
function endsWithEscape(pattern: string): boolean {
  return countTrailing(pattern, '\\') % 2 === 1;
}

function valueTypeOf(
  identifier: Identifier,
  schema: SearchSchema,
): 'numeric' | 'string' {
  switch (identifier.entity) {
    case 'metric':
      return 'numeric';
    case 'attribute':
      return attributeSpec(schema, identifier.key).type;
    default:
      return 'string';
  }
}

function comparatorsFor(
  identifier: Identifier,
  schema: SearchSchema,
): readonly Comparator[] {
  if (valueTypeOf(identifier, schema) === 'numeric') {
    return NUMERIC_COMPARATORS;
  }
  return identifier.entity === 'param' || identifier.entity === 'tag'
    ? KEYED_STRING_COMPARATORS
    : STRING_COMPARATORS;
}

function entityLabel(identifier: Identifier): string {
  switch (identifier.entity) {
    case 'attribute':
      return 'attributes';
    case 'dataset':
      return 'dataset attributes';
    default:
      return identifier.entity;
  }
}

/**
 * Resolves `entity.key` (or a bare attribute name) against the schema,
 * mapping MLflow's alternate prefixes and attribute aliases.
 */
function resolveIdentifier(
  token: Token & { type: 'identifier' },
  schema: SearchSchema,
  purpose: 'filter' | 'order_by',
): Identifier {
  const entity =
    token.entity === undefined
      ? 'attribute'
      : ownValue(schema.entities, token.entity);
  if (entity === undefined) {
    const valid = [...new Set(Object.values(schema.entities))];
    throw new InputError(
      `Invalid entity type '${token.entity}'. Valid values are ${quoteList(
        valid,
      )}`,
    );
  }
  if (entity === 'dataset') {
    const key = DATASET_KEYS.find(k => k === token.key);
    if (!key) {
      throw new InputError(
        `Invalid dataset key '${
          token.key
        }' specified. Valid keys are '${quoteList(DATASET_KEYS)}'`,
      );
    }
    return { entity, key };
  }
  if (entity !== 'attribute') {
    return { entity, key: token.key };
  }
  const key = ownValue(schema.aliases, token.key) ?? token.key;
  const valid = Object.entries(schema.attributes)
    .filter(([, spec]) => purpose === 'order_by' || !spec.orderOnly)
    .map(([name]) => name)
    .sort();
  if (!valid.includes(key)) {
    throw new InputError(
      `Invalid attribute key '${
        token.key
      }' specified. Valid keys are '${quoteList(valid)}'`,
    );
  }
  return { entity, key };
}

/**
 * Parses one order_by entry: `<identifier> [ASC|DESC]`.
 *
 * @internal
 */
export function parseOrderBy(entry: string, schema: SearchSchema): OrderBy {
  const unparsable = () =>
    new InputError(`Invalid order_by clause '${entry}'. Could not be parsed.`);
  const tokens = tokenize(entry, `order_by clause '${entry}'`);
  const [target, direction, ...extra] = tokens;
  if (target?.type !== 'identifier' || extra.length > 0) {
    throw unparsable();
  }
  let ascending = true;
  if (direction) {
    const word = direction.type === 'identifier' && !direction.entity;
    const order = direction.text.toUpperCase();
    if (!word || (order !== 'ASC' && order !== 'DESC')) {
      throw new InputError(
        `Invalid ordering key in order_by clause '${entry}'.`,
      );
    }
    ascending = order === 'ASC';
  }
  const identifier = resolveIdentifier(target, schema, 'order_by');
  if (!schema.orderable.includes(identifier.entity)) {
    throw new InputError(`Invalid order_by entity: ${identifier.entity}`);
  }
  return { identifier, ascending };
}
