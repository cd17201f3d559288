import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import knexFactory, { Knex } from 'knex';
import { ML_MIGRATIONS_DIR } from '../database/migrateDatabase';
import { createTestDatabases } from '../testUtils/databases';
import { readTrainingConfig } from './config';
import { DatabaseTrainingStore } from './DatabaseTrainingStore';
import { TrainingQueues } from './TrainingQueues';
import { TrainingService } from './TrainingService';

const databases = createTestDatabases();
const CAPACITY = 4;

const config = readTrainingConfig(
  new ConfigReader({
    ml: {
      training: {
        pools: [
          {
            name: 'pool',
            target: 'local',
            gpuType: 'cpu',
            gpusPerNode: CAPACITY,
            nodes: 1,
          },
        ],
        profiles: [{ name: 'one', pools: ['pool'], defaults: { gpus: 1 } }],
      },
    },
  }),
);

/** A replica's admission side; dispatch requests go nowhere (this test is about admission). */
function replica(knex: Knex) {
  const store = DatabaseTrainingStore.create({ knex });
  const queues = {
    requestDispatch: async () => {},
    requestAdmission: async () => {},
  } as unknown as TrainingQueues;
  const service = new TrainingService({
    store,
    config,
    targets: new Map(),
    queues,
    tracking: undefined as never, // admission never touches tracking
    access: undefined as never, // nor permissions
    trackingUri: 'http://127.0.0.1/api/ml/mlflow',
    logger: mockServices.logger.mock(),
  });
  return { store, service };
}

const submit = (store: DatabaseTrainingStore, name: string, priority: number) =>
  store.insertJob({
    owner: 'group:default/ml-platform',
    spec: { name, profile: 'one', command: ['true'], resources: { gpus: 1 } },
    gpus: 1,
    priority,
    spotAllowed: false,
    maxRetries: 0,
    profile: 'one',
  });

// Concurrent transactions need PostgreSQL: SQLite has one writer, and a single connection here.
const postgres = databases
  .eachSupportedId()
  .filter(([id]) => id === 'POSTGRES_15');

describe('the admission lock', () => {
  (postgres.length
    ? it.each(postgres)
    : it.skip.each([['POSTGRES_15' as const]]))(
    'serialises admission cycles of two replicas, so capacity read in one is never spent by the other (%p)',
    async databaseId => {
      const knex = await databases.init(databaseId);
      await knex.migrate.latest({
        directory: ML_MIGRATIONS_DIR,
        tableName: 'ml_knex_migrations',
      });
      const otherKnex = knexFactory(knex.client.config);
      const a = replica(knex);
      const b = replica(otherKnex);
      for (let i = 0; i < 10; i++) await submit(a.store, `normal-${i}`, 0);

      // Replica A's cycle stalls after reading what is held, as a slow replica would.
      let release!: () => void;
      const gate = new Promise<void>(r => (release = r));
      let readHoldings!: () => void;
      const holdingsRead = new Promise<void>(r => (readHoldings = r));
      const holdings = a.store.holdings.bind(a.store);
      a.store.holdings = async tx => {
        const held = await holdings(tx);
        readHoldings();
        await gate;
        return held;
      };
      const cycleA = a.service.runAdmissionCycle();
      await holdingsRead;
      // Meanwhile an urgent job arrives and replica B runs a cycle: without the lock it
      // would admit the urgent job into the capacity A is about to fill.
      await submit(b.store, 'urgent', 10);
      const cycleB = b.service.runAdmissionCycle();
      await new Promise(r => setTimeout(r, 300));
      release();
      await Promise.all([cycleA, cycleB]);

      const admitted = await knex('ml_jobs')
        .whereIn('status', ['ADMITTED'])
        .sum({ gpus: 'gpus' })
        .first();
      expect(Number(admitted?.gpus)).toBe(CAPACITY);
      await otherKnex.destroy();
    },
  );
});
