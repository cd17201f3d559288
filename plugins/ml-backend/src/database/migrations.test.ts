import { migrateDatabase, ML_MIGRATIONS_DIR } from './migrateDatabase';
import { createTestDatabases } from '../__testUtils__/databases';

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())('migrations on %p', databaseId => {
  it('walk up to the latest and back down to nothing', async () => {
    const knex = await databases.init(databaseId);
    const config = {
      directory: ML_MIGRATIONS_DIR,
      tableName: 'ml_knex_migrations',
    };

    await knex.migrate.latest(config);
    expect(await knex.schema.hasTable('ml_experiments')).toBe(true);
    expect(await knex.schema.hasTable('ml_latest_metrics')).toBe(true);

    // ±Infinity round-trips through a double column on both databases.
    const [{ experiment_id: experimentId }] = await knex('ml_experiments')
      .insert({
        name: 'e',
        owner: 'group:default/vision',
        artifact_location: 'mlflow-artifacts:/1',
        creation_time: 1,
        last_update_time: 1,
      })
      .returning('experiment_id');
    await knex('ml_runs').insert({
      run_uuid: 'r'.repeat(32),
      experiment_id: experimentId,
      name: 'r',
      status: 'RUNNING',
      start_time: 1,
      artifact_uri: 'mlflow-artifacts:/1/r',
    });
    await knex('ml_metrics').insert([
      {
        run_uuid: 'r'.repeat(32),
        key: 'loss',
        value: Infinity,
        timestamp: 1,
        step: 0,
      },
      {
        run_uuid: 'r'.repeat(32),
        key: 'loss',
        value: -Infinity,
        timestamp: 2,
        step: 1,
      },
    ]);
    const values = await knex('ml_metrics').orderBy('step').pluck('value');
    expect(values.map(Number)).toEqual([Infinity, -Infinity]);

    await knex.migrate.rollback(config, true);
    expect(await knex.schema.hasTable('ml_experiments')).toBe(false);
    expect(await knex.schema.hasTable('ml_runs')).toBe(false);
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
