import { InputError } from '@backstage/errors';
import { FILTER_LIMITS, parseFilter, parseOrderBy } from './parser';
import { experimentSearchSchema, runSearchSchema } from './schema';

const runs = (filter: string) => parseFilter(filter, runSearchSchema);
const experiments = (filter: string) =>
  parseFilter(filter, experimentSearchSchema);

function failure(parse: () => unknown): Error {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as Error;
  }
  throw new Error('expected an InputError');
}

describe('parseFilter', () => {
  it('reads no clauses from an absent or blank filter', () => {
    expect(parseFilter(undefined, runSearchSchema)).toEqual([]);
    expect(runs('')).toEqual([]);
    expect(runs('  \n ')).toEqual([]);
  });

  it('reads AND-ed clauses of every type, keywords in any case', () => {
    expect(
      runs(
        'metrics.acc > 0.9 and params.lr = \'0.1\' AND tags.team ilike "v%" ' +
          "And attributes.status not in ('FAILED', 'KILLED') AND tags.x is not null",
      ),
    ).toEqual([
      {
        type: 'numeric',
        identifier: { entity: 'metric', key: 'acc' },
        comparator: '>',
        value: 0.9,
      },
      {
        type: 'string',
        identifier: { entity: 'param', key: 'lr' },
        comparator: '=',
        value: '0.1',
      },
      {
        type: 'string',
        identifier: { entity: 'tag', key: 'team' },
        comparator: 'ILIKE',
        value: 'v%',
      },
      {
        type: 'list',
        identifier: { entity: 'attribute', key: 'status' },
        comparator: 'NOT IN',
        values: ['FAILED', 'KILLED'],
      },
      {
        type: 'null',
        identifier: { entity: 'tag', key: 'x' },
        comparator: 'IS NOT NULL',
      },
    ]);
  });

  it.each([
    ['metric.a = 1', 'metric'],
    ['metrics.a = 1', 'metric'],
    ["param.a = 'x'", 'param'],
    ["params.a = 'x'", 'param'],
    ["parameter.a = 'x'", 'param'],
    ["parameters.a = 'x'", 'param'],
    ["tag.a = 'x'", 'tag'],
    ["tags.a = 'x'", 'tag'],
  ])('maps the prefix of %p to %p', (filter, entity) => {
    expect(runs(filter)[0].identifier).toEqual({ entity, key: 'a' });
  });

  it.each([
    "attribute.status = 'x'",
    "attributes.status = 'x'",
    "attr.status = 'x'",
    "run.status = 'x'",
    "status = 'x'",
  ])('reads %p as the status attribute', filter => {
    expect(runs(filter)[0].identifier).toEqual({
      entity: 'attribute',
      key: 'status',
    });
  });

  it('maps attribute aliases to their canonical names', () => {
    expect(runs('created > 5')[0].identifier.key).toBe('start_time');
    expect(runs("attributes.`Run name` = 'a'")[0].identifier.key).toBe(
      'run_name',
    );
  });

  it('reads quoted and dotted keys', () => {
    const keys = (filter: string) => runs(filter).map(c => c.identifier.key);
    expect(keys('metrics.`my metric` < 1')).toEqual(['my metric']);
    expect(keys('metrics."val/loss-1" < 1')).toEqual(['val/loss-1']);
    expect(keys("tags.mlflow.runName = 'x'")).toEqual(['mlflow.runName']);
    expect(keys("params.`a.b c` = 'x'")).toEqual(['a.b c']);
    expect(keys('metrics.`it``s` = 1')).toEqual(['it`s']);
  });

  it('reads single- and double-quoted values, doubled quotes escaping', () => {
    const value = (filter: string) =>
      (runs(filter)[0] as { value: unknown }).value;
    expect(value("params.x = 'a'")).toBe('a');
    expect(value('params.x = "a b"')).toBe('a b');
    expect(value("params.x = 'it''s'")).toBe("it's");
    expect(value('params.x = "say ""hi"""')).toBe('say "hi"');
    expect(value("params.x = 'a'' OR 1=1 --'")).toBe("a' OR 1=1 --");
    expect(value("params.x = ''")).toBe('');
  });

  it('reads integers, decimals, exponents and negatives', () => {
    const value = (filter: string) =>
      (runs(filter)[0] as { value: unknown }).value;
    expect(value('metrics.a = 3')).toBe(3);
    expect(value('metrics.a>=-0.5')).toBe(-0.5);
    expect(value('metrics.a < .25')).toBe(0.25);
    expect(value('metrics.a < 1e-3')).toBe(0.001);
    expect(value('attributes.start_time <= 1700000000000')).toBe(1700000000000);
  });

  it('reads IS NULL on params and tags, and IN with one value', () => {
    expect(runs('params.p IS NULL')[0]).toEqual({
      type: 'null',
      identifier: { entity: 'param', key: 'p' },
      comparator: 'IS NULL',
    });
    expect(runs("datasets.digest IN ('abc')")[0]).toEqual({
      type: 'list',
      identifier: { entity: 'dataset', key: 'digest' },
      comparator: 'IN',
      values: ['abc'],
    });
  });

  it.each([
    [
      "metrics.a > 1 OR params.b = 'x'",
      "Invalid clause(s) in filter string: 'OR params.b = 'x''. Only AND is supported between clauses",
    ],
    [
      "(params.a = 'x')",
      "Invalid clause(s) in filter string: '(params.a = 'x')'",
    ],
    [
      "params.a = 'x' params.b = 'y'",
      "Invalid clause(s) in filter string: 'params.b = 'y''",
    ],
    [
      "params.a = 'x' AND",
      'Invalid clause(s) in filter string: expected a clause after AND',
    ],
    [
      'foo.a = 1',
      "Invalid entity type 'foo'. Valid values are ['metric', 'param', 'tag', 'attribute', 'dataset']",
    ],
    [
      "attributes.foo = 'x'",
      "Invalid attribute key 'foo' specified. Valid keys are '['artifact_uri', 'end_time', 'lifecycle_stage', 'run_id', 'run_name', 'start_time', 'status', 'user_id']'",
    ],
    [
      "datasets.size = 'x'",
      "Invalid dataset key 'size' specified. Valid keys are '['name', 'digest', 'context']'",
    ],
    ["metrics.a = '1'", "Expected numeric value type for metric. Found '1'"],
    [
      'params.a = 1',
      "Expected a quoted string value for param (e.g. 'my-value'). Got value 1",
    ],
    [
      'tags.a != x',
      "Expected a quoted string value for tag (e.g. 'my-value'). Got value x",
    ],
    [
      'attributes.status = 1',
      "Expected a quoted string value for attributes (e.g. 'my-value'). Got value 1",
    ],
    [
      'datasets.name = 1',
      "Expected a quoted string value for dataset attributes (e.g. 'my-value'). Got value 1",
    ],
    [
      "attributes.start_time > '5'",
      "Expected numeric value type for numeric attribute: start_time. Found '5'",
    ],
    [
      'attributes.end_time > 1.5',
      'Expected numeric value type for numeric attribute: end_time. Found 1.5',
    ],
    [
      "metrics.a LIKE '1'",
      "Invalid comparator 'LIKE' not one of '=, !=, >, >=, <, <='",
    ],
    [
      "params.a > 'x'",
      "Invalid comparator '>' not one of '=, !=, LIKE, ILIKE, IN, NOT IN, IS NULL, IS NOT NULL'",
    ],
    [
      "params.a <> 'x'",
      "Invalid comparator '<>' not one of '=, !=, LIKE, ILIKE, IN, NOT IN, IS NULL, IS NOT NULL'",
    ],
    [
      'attributes.user_id IS NULL',
      "Invalid comparator 'IS NULL' not one of '=, !=, LIKE, ILIKE, IN, NOT IN'",
    ],
    [
      'metrics.a IS NULL',
      "Invalid comparator 'IS NULL' not one of '=, !=, >, >=, <, <='",
    ],
    [
      "params.a NOT LIKE 'x'",
      "Invalid comparison clause. Expected a comparison operator after 'params.a', found 'NOT'",
    ],
    [
      'params.a',
      "Invalid comparison clause. Expected a comparison operator after 'params.a', found ''",
    ],
    [
      'params.a =',
      "Invalid comparison clause. Expected a value after 'params.a ='",
    ],
    [
      'status IN ()',
      'While parsing a list in the query, expected a non-empty list of string values, but got empty list',
    ],
    [
      "status IN 'x'",
      'While parsing a list in the query, expected a non-empty list of string values, but got ill-formed list.',
    ],
    [
      "status IN ('x', 1)",
      'While parsing a list in the query, expected a non-empty list of string values, but got ill-formed list.',
    ],
    [
      "status IN ('x' 'y')",
      'While parsing a list in the query, expected a non-empty list of string values, but got ill-formed list.',
    ],
    [
      "params.a = 'x",
      "Error on parsing filter 'params.a = 'x': unterminated ' quote at position 11",
    ],
    [
      "params.learning-rate = 'x'",
      "Error on parsing filter 'params.learning-rate = 'x'': unexpected character '-' at position 15; keys with special characters must be quoted with backticks or double quotes",
    ],
    [
      "params.a = 'x' & params.b = 'y'",
      "Error on parsing filter 'params.a = 'x' & params.b = 'y'': unexpected character '&' at position 15",
    ],
    [
      "params. = 'x'",
      "Error on parsing filter 'params. = 'x'': invalid identifier 'params.' at position 0. Columns should be specified as 'attribute.<key>', 'metric.<key>', 'tag.<key>', 'dataset.<key>', or 'param.<key>'",
    ],
    [
      "tags.path LIKE 'C:\\'",
      "Invalid LIKE pattern 'C:\\': it ends with the escape character '\\'",
    ],
  ])('rejects %p', (filter, message) => {
    expect(failure(() => runs(filter)).message).toBe(message);
  });

  it('accepts an escaped backslash at the end of a LIKE pattern', () => {
    expect(runs("tags.path LIKE 'C:\\\\'")[0]).toMatchObject({
      value: 'C:\\\\',
    });
  });

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])(
    'treats the prototype name %p as no entity, attribute or alias',
    name => {
      expect(failure(() => runs(`${name}.x = 'a'`)).message).toMatch(
        new RegExp(`^Invalid entity type '${name}'`),
      );
      expect(failure(() => runs(`${name} = 'a'`)).message).toMatch(
        new RegExp(`^Invalid attribute key '${name}'`),
      );
      expect(failure(() => runs(`attributes.${name} = 'a'`)).message).toMatch(
        new RegExp(`^Invalid attribute key '${name}'`),
      );
      expect(
        failure(() => parseOrderBy(name, runSearchSchema)).message,
      ).toMatch(new RegExp(`^Invalid attribute key '${name}'`));
      // As keys of params and tags they are plain names.
      expect(runs(`params.${name} = 'a'`)[0].identifier).toEqual({
        entity: 'param',
        key: name,
      });
    },
  );

  it('reads a long run of backslashes at the end of a LIKE pattern by parity', () => {
    const run = '\\'.repeat(80_000);
    expect(runs(`tags.path LIKE '${run}'`)[0]).toMatchObject({ value: run });
    expect(failure(() => runs(`tags.path LIKE '${run}\\'`)).message).toMatch(
      /ends with the escape character/,
    );
  });

  it('rejects a filter that is not a string', () => {
    expect(failure(() => parseFilter({} as any, runSearchSchema)).message).toBe(
      "Invalid value an object for parameter 'filter' supplied: expected a string.",
    );
  });

  it('bounds the clauses and the values of IN lists', () => {
    const clauses = (n: number) =>
      Array.from({ length: n }, (_, i) => `params.p${i} = 'x'`).join(' AND ');
    expect(runs(clauses(FILTER_LIMITS.clauses))).toHaveLength(
      FILTER_LIMITS.clauses,
    );
    expect(
      failure(() => runs(clauses(FILTER_LIMITS.clauses + 1))).message,
    ).toBe(
      `Invalid filter string: it has more than ${FILTER_LIMITS.clauses} clauses`,
    );
    const list = (n: number) =>
      `(${Array.from({ length: n }, (_, i) => `'v${i}'`).join(', ')})`;
    const half = FILTER_LIMITS.listValues / 2;
    expect(
      runs(`params.a IN ${list(half)} AND tags.b NOT IN ${list(half)}`),
    ).toHaveLength(2);
    expect(
      failure(() =>
        runs(`params.a IN ${list(half)} AND tags.b NOT IN ${list(half + 1)}`),
      ).message,
    ).toBe(
      `Invalid filter string: its IN lists hold more than ${FILTER_LIMITS.listValues} values in all`,
    );
  });

  describe('on experiments', () => {
    it('reads name, times and tags', () => {
      expect(
        experiments(
          "name LIKE 'vision%' AND attribute.creation_time >= 5 AND tags.team = 'x' AND tags.gone IS NULL",
        ).map(c => c.identifier),
      ).toEqual([
        { entity: 'attribute', key: 'name' },
        { entity: 'attribute', key: 'creation_time' },
        { entity: 'tag', key: 'team' },
        { entity: 'tag', key: 'gone' },
      ]);
    });

    it('rejects run entities and order-only attributes', () => {
      expect(failure(() => experiments('metrics.a > 1')).message).toBe(
        "Invalid entity type 'metrics'. Valid values are ['attribute', 'tag']",
      );
      expect(failure(() => experiments('experiment_id = 1')).message).toBe(
        "Invalid attribute key 'experiment_id' specified. Valid keys are '['creation_time', 'last_update_time', 'name']'",
      );
    });
  });
});

describe('parseOrderBy', () => {
  it.each([
    ['metrics.acc', { entity: 'metric', key: 'acc' }, true],
    ['metrics.acc DESC', { entity: 'metric', key: 'acc' }, false],
    ['metrics.`my metric` desc', { entity: 'metric', key: 'my metric' }, false],
    ['params."a b" asc', { entity: 'param', key: 'a b' }, true],
    ['tags.mlflow.runName ASC', { entity: 'tag', key: 'mlflow.runName' }, true],
    ['start_time', { entity: 'attribute', key: 'start_time' }, true],
    [
      'attributes.run_name DESC',
      { entity: 'attribute', key: 'run_name' },
      false,
    ],
    ['created', { entity: 'attribute', key: 'start_time' }, true],
  ])('reads %p', (entry, identifier, ascending) => {
    expect(parseOrderBy(entry, runSearchSchema)).toEqual({
      identifier,
      ascending,
    });
  });

  it('reads experiment_id on experiments', () => {
    expect(parseOrderBy('experiment_id DESC', experimentSearchSchema)).toEqual({
      identifier: { entity: 'attribute', key: 'experiment_id' },
      ascending: false,
    });
  });

  it.each([
    ['', "Invalid order_by clause ''. Could not be parsed."],
    [
      'metrics.a DESC extra',
      "Invalid order_by clause 'metrics.a DESC extra'. Could not be parsed.",
    ],
    [
      "'start_time'",
      "Invalid order_by clause ''start_time''. Could not be parsed.",
    ],
    [
      'metrics.a DOWN',
      "Invalid ordering key in order_by clause 'metrics.a DOWN'.",
    ],
    ['metrics.a 1', "Invalid ordering key in order_by clause 'metrics.a 1'."],
    ['datasets.name', 'Invalid order_by entity: dataset'],
    [
      'attributes.foo',
      "Invalid attribute key 'foo' specified. Valid keys are '['artifact_uri', 'end_time', 'lifecycle_stage', 'run_id', 'run_name', 'start_time', 'status', 'user_id']'",
    ],
  ])('rejects %p on runs', (entry, message) => {
    expect(failure(() => parseOrderBy(entry, runSearchSchema)).message).toBe(
      message,
    );
  });

  it('rejects tags on experiments', () => {
    expect(
      failure(() => parseOrderBy('tags.team', experimentSearchSchema)).message,
    ).toBe('Invalid order_by entity: tag');
  });
});
