import { InputError } from '@backstage/errors';
import { Knex } from 'knex';
import { ML_MIGRATIONS_DIR } from '../../database/migrateDatabase';
import { createTestDatabases } from '../../__testUtils__/databases';
import { likeToGlob } from './compiler';
import { applyExperimentSearch, applyRunSearch } from './index';

const databases = createTestDatabases();

type Search = { filter?: string; orderBy?: string[] };

/** Experiments and runs with just enough variety to tell filters apart. */
async function seed(knex: Knex) {
  const experiment = async (
    name: string,
    creationTime: number,
    lastUpdateTime: number,
    tags: Record<string, string>,
  ) => {
    const [{ experiment_id: id }] = await knex('ml_experiments')
      .insert({
        name,
        owner: 'group:default/ml',
        artifact_location: `mlflow-artifacts:/${name}`,
        creation_time: creationTime,
        last_update_time: lastUpdateTime,
      })
      .returning('experiment_id');
    for (const [key, value] of Object.entries(tags)) {
      await knex('ml_experiment_tags').insert({
        experiment_id: id,
        key,
        value,
      });
    }
    return id as number;
  };
  const vision = await experiment('vision-resnet', 100, 300, {
    team: 'Vision',
  });
  const nlp = await experiment('nlp-bert', 200, 200, {
    team: 'nlp',
    stage: 'prod',
  });
  await experiment('Vision-legacy', 300, 100, {});

  const run = async (
    id: string,
    fields: {
      experiment?: number;
      name: string;
      status: string;
      user?: string;
      start: number;
      end?: number;
      stage?: string;
      metrics?: Record<string, number>;
      params?: Record<string, string>;
      tags?: Record<string, string>;
    },
  ) => {
    await knex('ml_runs').insert({
      run_uuid: id,
      experiment_id: fields.experiment ?? vision,
      name: fields.name,
      status: fields.status,
      user_id: fields.user ?? null,
      start_time: fields.start,
      end_time: fields.end ?? null,
      lifecycle_stage: fields.stage ?? 'active',
      artifact_uri: `s3://bucket/${id}`,
    });
    for (const [key, value] of Object.entries(fields.metrics ?? {})) {
      const isNan = Number.isNaN(value);
      await knex('ml_latest_metrics').insert({
        run_uuid: id,
        key,
        value: isNan ? 0 : value,
        is_nan: isNan,
        timestamp: fields.start,
        step: 0,
      });
    }
    for (const [key, value] of Object.entries(fields.params ?? {})) {
      await knex('ml_params').insert({ run_uuid: id, key, value });
    }
    for (const [key, value] of Object.entries(fields.tags ?? {})) {
      await knex('ml_run_tags').insert({ run_uuid: id, key, value });
    }
  };
  await run('run_a', {
    name: 'alpha',
    status: 'FINISHED',
    user: 'ann',
    start: 1000,
    end: 2000,
    metrics: { acc: 0.9, loss: 0.2, 'val-loss': 0.3 },
    params: { lr: '0.1', opt: 'adam' },
    tags: { team: 'Vision', 'my tag': 'x', pct: '100%' },
  });
  await run('run_b', {
    name: 'beta',
    status: 'RUNNING',
    start: 2000,
    metrics: { acc: 0.5, loss: NaN },
    params: { lr: '0.01' },
    tags: { team: 'vision', pct: '100x' },
  });
  await run('run_c', {
    name: 'gamma',
    status: 'FAILED',
    user: 'bob',
    start: 3000,
    end: 3500,
    metrics: { acc: NaN, loss: 0.4 },
    params: { lr: '0.1', 'a b': 'spaced', x: 'a', quote: "it's" },
    tags: { glob: 'a*b' },
  });
  await run('run_d', {
    name: 'delta',
    status: 'FINISHED',
    user: 'ann',
    start: 4000,
    end: 5000,
    stage: 'deleted',
    metrics: { acc: 0.7 },
    tags: { 'mlflow.runName': 'delta', glob: 'aXb' },
  });
  await run('run_e', {
    experiment: nlp,
    name: 'epsilon',
    status: 'FINISHED',
    start: 2000,
    end: 2500,
  });

  const input = async (
    runId: string,
    experimentId: number,
    name: string,
    digest: string,
    context: string,
  ) => {
    await knex('ml_datasets').insert({
      dataset_uuid: `ds-${runId}`,
      experiment_id: experimentId,
      name,
      digest,
      source_type: 'http',
      source: '{}',
    });
    await knex('ml_run_inputs').insert({
      input_uuid: `in-${runId}`,
      dataset_uuid: `ds-${runId}`,
      run_uuid: runId,
      tags: JSON.stringify([
        { key: 'mlflow.data.context', value: context },
        { key: 'other', value: 'eval' },
      ]),
    });
  };
  await input('run_d', vision, 'mnist', 'abc123', 'training');
  await input('run_e', nlp, 'imdb', 'def456', 'eval');
}

describe.each(databases.eachSupportedId())('search on %p', databaseId => {
  let knex: Knex;

  beforeAll(async () => {
    knex = await databases.init(databaseId);
    await knex.migrate.latest({
      directory: ML_MIGRATIONS_DIR,
      tableName: 'ml_knex_migrations',
    });
    await seed(knex);
  });

  afterAll(async () => {
    await knex.destroy();
  });

  const runIds = async (search: Search) => {
    const query = knex('ml_runs as r').select('r.run_uuid');
    applyRunSearch(knex, query, search);
    const rows: Array<{ run_uuid: string }> = await query;
    return rows.map(row => row.run_uuid.replace('run_', ''));
  };

  const experimentNames = async (search: Search) => {
    const query = knex('ml_experiments as e').select('e.name');
    applyExperimentSearch(knex, query, search);
    const rows: Array<{ name: string }> = await query;
    return rows.map(row => row.name);
  };

  it('orders by start_time DESC then run id when no order_by is given', async () => {
    expect(await runIds({})).toEqual(['d', 'c', 'b', 'e', 'a']);
    expect(await runIds({ filter: '  ', orderBy: [] })).toEqual([
      'd',
      'c',
      'b',
      'e',
      'a',
    ]);
  });

  it.each([
    // Metrics: latest values; NaN and missing metrics match nothing.
    ['metrics.acc > 0.6', ['d', 'a']],
    ['metrics.acc >= 0.5', ['d', 'b', 'a']],
    ['metric.acc <= 0.5', ['b']],
    ['metrics.acc = 0.9', ['a']],
    ['metrics.acc != 0.9', ['d', 'b']],
    ['metrics.loss < 1', ['c', 'a']],
    ['metrics.loss > -1e9', ['c', 'a']],
    ['metrics.missing < 100', []],
    ['metrics.`val-loss` < 1', ['a']],
    // Params and tags.
    ["params.lr = '0.1'", ['c', 'a']],
    ["params.lr != '0.1'", ['b']],
    ["params.lr = '0.1' AND metrics.acc > 0.5", ['a']],
    ["params.lr IN ('0.01', '1')", ['b']],
    ["tags.team NOT IN ('Vision')", ['b']],
    ['params.opt IS NULL', ['d', 'c', 'b', 'e']],
    ['params.opt IS NOT NULL', ['a']],
    ['tags.team is null', ['d', 'c', 'e']],
    ['params."a b" = \'spaced\'', ['c']],
    ["tags.`my tag` = 'x'", ['a']],
    ["tags.mlflow.runName = 'delta'", ['d']],
    ["params.quote = 'it''s'", ['c']],
    // LIKE is case-sensitive and ILIKE is not, on both databases.
    ["tags.team LIKE 'vision'", ['b']],
    ["tags.team LIKE 'V%'", ['a']],
    ["tags.team ILIKE 'vision'", ['b', 'a']],
    ["tags.team ILIKE 'VIS%'", ['b', 'a']],
    ["attributes.run_name LIKE '_eta'", ['b']],
    ["attributes.run_name LIKE 'Alpha'", []],
    ["attributes.run_name ILIKE 'Alpha'", ['a']],
    ["tags.pct LIKE '100%'", ['b', 'a']],
    ["tags.pct LIKE '100\\%'", ['a']],
    ["tags.pct ILIKE '100\\%'", ['a']],
    ["tags.glob LIKE 'a*b'", ['c']],
    ["tags.glob LIKE 'a_b'", ['d', 'c']],
    ["tags.glob LIKE 'a[*]b'", []],
    // Attributes.
    ["attributes.status = 'RUNNING'", ['b']],
    ["status = 'running'", []],
    ["attributes.status IN ('FINISHED', 'FAILED')", ['d', 'c', 'e', 'a']],
    ["attr.status NOT IN ('FINISHED')", ['c', 'b']],
    [
      'attributes.start_time >= 2000 AND attributes.start_time < 4000',
      ['c', 'b', 'e'],
    ],
    ['created > 3000', ['d']],
    ['attributes.end_time > 1999', ['d', 'c', 'e', 'a']],
    ["attributes.user_id = 'ann'", ['d', 'a']],
    ["attributes.user_id != 'ann'", ['c']],
    ["attributes.run_id = 'run_c'", ['c']],
    ["run.run_id IN ('run_a', 'run_e')", ['e', 'a']],
    ["attributes.lifecycle_stage = 'deleted'", ['d']],
    ["attributes.artifact_uri LIKE 's3://bucket/run\\_a'", ['a']],
    ["attributes.`Run name` = 'gamma'", ['c']],
    // Datasets.
    ["datasets.name = 'mnist'", ['d']],
    ["dataset.digest IN ('def456', 'nope')", ['e']],
    ["datasets.name LIKE '%m%'", ['d', 'e']],
    ["datasets.context = 'training'", ['d']],
    ["datasets.context ILIKE 'EVAL'", ['e']],
    ["datasets.context != 'training'", ['e']],
    // Injection attempts are plain values and keys.
    ["params.x = 'a'' OR 1=1 --'", []],
    ["params.`x' OR 1=1 --` = 'a'", []],
    ['params."x"" OR 1=1 --" IS NOT NULL', []],
    ["tags.team = 'Vision''); DROP TABLE ml_runs; --'", []],
  ])('filters %p', async (filter, expected) => {
    expect(await runIds({ filter })).toEqual(expected);
  });

  it.each([
    // NaN after numbers, missing keys last, whatever the direction.
    [['metrics.acc DESC'], ['a', 'd', 'b', 'c', 'e']],
    [['metrics.acc'], ['b', 'd', 'a', 'c', 'e']],
    [['metrics.loss ASC'], ['a', 'c', 'b', 'd', 'e']],
    [['metrics.loss DESC'], ['c', 'a', 'b', 'd', 'e']],
    [['params.lr DESC'], ['c', 'a', 'b', 'd', 'e']],
    [['params.lr asc'], ['b', 'c', 'a', 'd', 'e']],
    [['tags.glob'], ['c', 'd', 'b', 'e', 'a']],
    [['attributes.end_time'], ['a', 'e', 'c', 'd', 'b']],
    [['attributes.end_time DESC'], ['d', 'c', 'e', 'a', 'b']],
    [['start_time ASC'], ['a', 'b', 'e', 'c', 'd']],
    [['attributes.run_name DESC'], ['c', 'e', 'd', 'b', 'a']],
    [
      ['attributes.status', 'metrics.acc DESC'],
      ['c', 'a', 'd', 'e', 'b'],
    ],
  ])('orders by %p', async (orderBy, expected) => {
    expect(await runIds({ orderBy })).toEqual(expected);
  });

  it('filters and orders together', async () => {
    expect(
      await runIds({
        filter: "attributes.status != 'RUNNING' and metrics.acc >= 0",
        orderBy: ['metrics.acc'],
      }),
    ).toEqual(['d', 'a']);
  });

  it('binds keys and values instead of writing them into the SQL', () => {
    const query = knex('ml_runs as r').select('r.run_uuid');
    applyRunSearch(knex, query, {
      filter: "params.`secret-key` = 'secret-value' AND metrics.m > 0.125",
      orderBy: ['tags.`order-key` DESC'],
    });
    const { sql, bindings } = query.toSQL();
    expect(sql).not.toMatch(/secret|order-key|0\.125/);
    expect(bindings).toEqual(
      expect.arrayContaining([
        'secret-key',
        'secret-value',
        0.125,
        'order-key',
      ]),
    );
  });

  it('throws InputError on a bad filter or order_by', () => {
    const query = knex('ml_runs as r');
    expect(() =>
      applyRunSearch(knex, query, { filter: 'metrics.a > 1 OR metrics.b > 1' }),
    ).toThrow(InputError);
    expect(() =>
      applyRunSearch(knex, query, { orderBy: ['attributes.nope'] }),
    ).toThrow("Invalid attribute key 'nope' specified.");
  });

  it.each([
    [{}, ['Vision-legacy', 'nlp-bert', 'vision-resnet']],
    [{ filter: "name LIKE 'vision%'" }, ['vision-resnet']],
    [
      { filter: "attribute.name ILIKE 'vision%'" },
      ['Vision-legacy', 'vision-resnet'],
    ],
    [{ filter: "attributes.name IN ('nlp-bert')" }, ['nlp-bert']],
    [{ filter: "tags.team = 'nlp'" }, ['nlp-bert']],
    [{ filter: "tags.team LIKE 'vision'" }, []],
    [{ filter: "tags.team ILIKE 'VISION'" }, ['vision-resnet']],
    [{ filter: 'tags.stage IS NULL' }, ['Vision-legacy', 'vision-resnet']],
    [
      { filter: 'attributes.creation_time >= 200' },
      ['Vision-legacy', 'nlp-bert'],
    ],
    [{ filter: 'last_update_time < 250' }, ['Vision-legacy', 'nlp-bert']],
    [{ filter: "name = 'x'' OR 1=1 --'" }, []],
    [
      { orderBy: ['last_update_time DESC'] },
      ['vision-resnet', 'nlp-bert', 'Vision-legacy'],
    ],
    [
      { orderBy: ['experiment_id'] },
      ['vision-resnet', 'nlp-bert', 'Vision-legacy'],
    ],
    [
      { orderBy: ['attributes.creation_time ASC'] },
      ['vision-resnet', 'nlp-bert', 'Vision-legacy'],
    ],
    [
      { filter: 'tags.team IS NOT NULL', orderBy: ['name'] },
      ['nlp-bert', 'vision-resnet'],
    ],
  ])('searches experiments with %p', async (search, expected) => {
    expect(await experimentNames(search)).toEqual(expected);
  });

  it('rejects run-only identifiers on experiments', () => {
    const query = knex('ml_experiments as e');
    expect(() =>
      applyExperimentSearch(knex, query, { filter: 'metrics.a > 1' }),
    ).toThrow("Invalid entity type 'metrics'.");
    expect(() =>
      applyExperimentSearch(knex, query, { orderBy: ['tags.team'] }),
    ).toThrow('Invalid order_by entity: tag');
  });
});

describe('likeToGlob', () => {
  it.each([
    ['a%b_c', 'a*b?c'],
    ['a*b?c[d]', 'a[*]b[?]c[[]d]'],
    ['100\\%', '100%'],
    ['a\\_b\\\\', 'a_b\\'],
  ])('rewrites %p as %p', (like, glob) => {
    expect(likeToGlob(like)).toBe(glob);
  });
});
