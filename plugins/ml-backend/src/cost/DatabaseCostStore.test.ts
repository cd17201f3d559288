import { ML_MIGRATIONS_DIR } from '../database/migrateDatabase';
import { createTestDatabases } from '../__testUtils__/databases';
import { DatabaseCostStore } from './DatabaseCostStore';

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'DatabaseCostStore on %p',
  databaseId => {
    it("answers a version's endpoint replica seconds in whole milliseconds, whatever order the database adds them in", async () => {
      const knex = await databases.init(databaseId);
      await knex.migrate.latest({
        directory: ML_MIGRATIONS_DIR,
        tableName: 'ml_knex_migrations',
      });
      const hour = (start: number, gpuSeconds: number, gpus = 1) => ({
        source: 'endpoint',
        team: 'group:default/recsys',
        pool: 'cpu',
        gpu_type: 'cpu',
        gpus,
        spot: false,
        day: '2026-12-04',
        month: '2026-12',
        start_ms: start,
        end_ms: start + 3_600_000,
        gpu_seconds: gpuSeconds,
        cost_micros: 100,
        list_cost_micros: 100,
        endpoint_id: 'e1',
        endpoint_name: 'churn',
        deployment_id: 'd1',
        model_version_id: 'v1',
      });
      // 1.1 + 2.2 is 3.3000000000000003 in floating point; two GPUs per replica count once.
      await knex('ml_usage').insert([hour(0, 1.1), hour(3_600_000, 4.4, 2)]);
      const store = DatabaseCostStore.create({ knex });
      expect(await store.versionServingCost('v1')).toEqual([
        {
          endpoint: 'churn',
          team: 'group:default/recsys',
          costMicros: 200,
          replicaSeconds: 3.3,
        },
      ]);
    });
  },
);
