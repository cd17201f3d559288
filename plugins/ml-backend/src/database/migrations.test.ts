import { migrateDatabase, ML_MIGRATIONS_DIR } from './migrateDatabase';
import { createTestDatabases } from '../__testUtils__/databases';
import { DatabaseTrackingStore } from '../tracking/DatabaseTrackingStore';
import { historyOf } from '../__testUtils__/metricHistory';
import { chunks } from './chunks';
import { Knex } from 'knex';

const databases = createTestDatabases();

const config = {
  directory: ML_MIGRATIONS_DIR,
  tableName: 'ml_knex_migrations',
};

/** The migrations not yet run, in order. */
const pending = async (knex: Knex) =>
  ((await knex.migrate.list(config))[1] as Array<{ file: string }>).map(
    m => m.file,
  );

/** Runs migrations one by one until `file` is the next to run. */
async function migrateUpTo(knex: Knex, file: string) {
  while ((await pending(knex))[0] !== file) {
    await knex.migrate.up(config);
  }
}

/** An experiment for the rows a test puts in before a migration; its id. */
async function insertExperiment(knex: Knex): Promise<number> {
  const [{ experiment_id: experimentId }] = await knex('ml_experiments')
    .insert({
      name: 'e',
      owner: 'group:default/vision',
      artifact_location: 'mlflow-artifacts:/1',
      creation_time: 1,
      last_update_time: 1,
    })
    .returning('experiment_id');
  return experimentId;
}

describe.each(databases.eachSupportedId())('migrations on %p', databaseId => {
  it('walk up to the latest and back down to nothing', async () => {
    const knex = await databases.init(databaseId);

    // Up to the migration that moves ml_metrics into chunks, with points to move.
    const chunksMigration = '20261203150000_metric_chunks.js';
    await migrateUpTo(knex, chunksMigration);
    expect(await knex.schema.hasTable('ml_latest_metrics')).toBe(true);

    const experimentId = await insertExperiment(knex);
    const runId = 'r'.repeat(32);
    await knex('ml_runs').insert({
      run_uuid: runId,
      experiment_id: experimentId,
      name: 'r',
      status: 'RUNNING',
      start_time: 1,
      artifact_uri: 'mlflow-artifacts:/1/r',
    });
    // ±Infinity and NaN (0 with its flag), two points at one step, and a series long
    // enough for two chunks.
    const special = [
      { key: 'loss', value: Infinity, is_nan: false, timestamp: 1, step: 0 },
      { key: 'loss', value: -Infinity, is_nan: false, timestamp: 2, step: 1 },
      { key: 'loss', value: 0, is_nan: true, timestamp: 3, step: 1 },
      { key: 'loss', value: 0.5, is_nan: false, timestamp: 3, step: 1 },
    ];
    const long = Array.from({ length: 5000 }, (_, step) => ({
      key: 'acc',
      value: step / 5000,
      is_nan: false,
      timestamp: 10 + step,
      step,
    }));
    for (const batch of chunks([...special, ...long], 100)) {
      await knex('ml_metrics').insert(
        batch.map(row => ({ run_uuid: runId, ...row })),
      );
    }

    await knex.migrate.latest(config);
    expect(await knex.schema.hasTable('ml_metrics')).toBe(false);
    const store = DatabaseTrackingStore.create({ knex });
    expect(
      (await historyOf(store, runId, 'loss')).map(m => [
        m.step,
        m.timestamp,
        m.value,
      ]),
    ).toEqual([
      [0, 1, Infinity],
      [1, 2, -Infinity],
      [1, 3, 0.5],
      [1, 3, NaN],
    ]);
    const acc = await historyOf(store, runId, 'acc');
    expect(acc.map(m => m.step)).toEqual(long.map(m => m.step));
    expect(acc.map(m => m.value)).toEqual(long.map(m => m.value));
    const accChunks = await knex('ml_metric_chunks')
      .where({ key: 'acc' })
      .orderBy('step_lo')
      .pluck('point_count');
    expect(accChunks.map(Number)).toEqual([4096, 904]);
    const tier = await knex('ml_metric_tiers')
      .where({ key: 'acc', tier: 2, bucket: 1 })
      .first();
    expect(Number(tier.point_count)).toBe(256);
    expect([Number(tier.min_value), Number(tier.max_value)]).toEqual([
      256 / 5000,
      511 / 5000,
    ]);

    // Down again: the points go back to one row each.
    while ((await pending(knex))[0] !== chunksMigration) {
      await knex.migrate.down(config);
    }
    const restored = await knex('ml_metrics')
      .where({ key: 'loss' })
      .orderBy(['step', 'timestamp', 'is_nan', 'value'])
      .select('value', 'is_nan', 'step');
    expect(
      restored.map(r => [Number(r.step), Boolean(r.is_nan), Number(r.value)]),
    ).toEqual([
      [0, false, Infinity],
      [1, false, -Infinity],
      [1, false, 0.5],
      [1, true, 0],
    ]);
    expect(
      Number(
        (await knex('ml_metrics').where({ key: 'acc' }).count({ n: '*' }))[0].n,
      ),
    ).toBe(5000);

    await knex.migrate.rollback(config, true);
    expect(await knex.schema.hasTable('ml_experiments')).toBe(false);
    expect(await knex.schema.hasTable('ml_runs')).toBe(false);
    await knex.destroy();
  });

  it("keeps a logged model's latest metric per key, dataset and run", async () => {
    const knex = await databases.init(databaseId);
    await migrateUpTo(knex, '20261204191000_logged_model_latest_metrics.js');
    const experimentId = await insertExperiment(knex);
    await knex('ml_logged_models').insert({
      model_id: 'm-1',
      experiment_id: experimentId,
      name: 'm',
      artifact_location: 'mlflow-artifacts:/1/models/m-1',
      status: 'LOGGED_MODEL_READY',
      creation_time: 1,
      last_updated_time: 1,
    });
    const point = (
      key: string,
      step: number,
      timestamp: number,
      value: number,
      extra: object = {},
    ) => ({
      model_id: 'm-1',
      run_uuid: 'r'.repeat(32),
      key,
      step,
      timestamp,
      value,
      is_nan: false,
      dataset_name: '',
      dataset_digest: '',
      ...extra,
    });
    await knex('ml_logged_model_metrics').insert([
      point('acc', 0, 5, 0.9),
      point('acc', 1, 1, 0.7), // the highest step wins over a later timestamp
      point('acc', 1, 1, 0, { is_nan: true }), // NaN ranks below any value
      point('acc', 0, 9, 0.1, { dataset_name: 'eval' }), // its own series
    ]);

    await knex.migrate.up(config);
    expect(await knex.schema.hasTable('ml_logged_model_metrics')).toBe(false);
    const latest = await knex('ml_logged_model_latest_metrics')
      .orderBy('dataset_name')
      .select('dataset_name', 'step', 'value', 'is_nan');
    expect(
      latest.map(r => [
        r.dataset_name,
        Number(r.step),
        Number(r.value),
        Boolean(r.is_nan),
      ]),
    ).toEqual([
      ['', 1, 0.7, false],
      ['eval', 0, 0.1, false],
    ]);

    await knex.migrate.down(config);
    expect(
      Number((await knex('ml_logged_model_metrics').count({ n: '*' }))[0].n),
    ).toBe(2);
    await knex.destroy();
  });

  it('lets replicas that start together all migrate: the losers of the lock wait', async () => {
    const knex = await databases.init(databaseId);
    const database = { getClient: async () => knex };
    await Promise.all([
      migrateDatabase(database, knex),
      migrateDatabase(database, knex),
      migrateDatabase(database, knex),
    ]);
    expect(await knex.schema.hasTable('ml_jobs')).toBe(true);
    await knex.destroy();
  });
});
