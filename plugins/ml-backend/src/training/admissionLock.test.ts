import { ConfigReader } from '@backstage/config';
import knexFactory, { Knex } from 'knex';
import { ML_MIGRATIONS_DIR } from '../database/migrateDatabase';
import { createTestDatabases } from '../__testUtils__/databases';
import { readTrainingConfig } from './config';
import { AdmissionCycle } from './AdmissionCycle';
import { DatabaseTrainingStore } from './DatabaseTrainingStore';
import { TrainingStore } from './TrainingStore';

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
function replica(store: TrainingStore) {
  return new AdmissionCycle({
    store,
    config,
    targets: new Map(),
    queues: { requestDispatch: async () => {} },
  });
}

/**
 * The store of a slow replica: its admission cycle stops after reading what is held
 * (`holdingsRead`) until `release()`.
 */
function stallingAfterHoldings(store: TrainingStore) {
  let release!: () => void;
  const gate = new Promise<void>(r => (release = r));
  let readHoldings!: () => void;
  const holdingsRead = new Promise<void>(r => (readHoldings = r));
  const stalling: TrainingStore = Object.create(store);
  stalling.withAdmissionLock = cycle =>
    store.withAdmissionLock(inner => {
      const slow = Object.create(inner);
      slow.holdings = async () => {
        const held = await inner.holdings();
        readHoldings();
        await gate;
        return held;
      };
      return cycle(slow);
    });
  return { store: stalling, holdingsRead, release };
}

/** Waits until a session of the database waits for a lock on the admission lock row. */
async function untilBlockedOnAdmissionLock(knex: Knex) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { rows } = await knex.raw(
      `SELECT count(*) AS n FROM pg_stat_activity
       WHERE datname = current_database() AND wait_event_type = 'Lock'
         AND query LIKE '%ml_admission_lock%'`,
    );
    if (Number(rows[0].n) > 0) return;
    if (Date.now() > deadline)
      throw new Error('no admission cycle waited for the lock');
    await new Promise(r => setTimeout(r, 20));
  }
}

const submit = (store: TrainingStore, name: string, priority: number) =>
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
const describeWithPostgres = databases
  .eachSupportedId()
  .some(([id]) => id === 'POSTGRES_15')
  ? describe
  : describe.skip;

describeWithPostgres('the admission lock on PostgreSQL', () => {
  it('serialises admission cycles of two replicas, so capacity read in one is never spent by the other', async () => {
    const knex = await databases.init('POSTGRES_15');
    await knex.migrate.latest({
      directory: ML_MIGRATIONS_DIR,
      tableName: 'ml_knex_migrations',
    });
    const otherKnex = knexFactory(knex.client.config);
    const observer = knexFactory(knex.client.config);
    // Replica A's cycle stalls after reading what is held, as a slow replica would.
    const a = stallingAfterHoldings(DatabaseTrainingStore.create({ knex }));
    const bStore = DatabaseTrainingStore.create({ knex: otherKnex });
    for (let i = 0; i < 10; i++) await submit(a.store, `normal-${i}`, 0);

    const cycleA = replica(a.store).run();
    await a.holdingsRead;
    // Meanwhile an urgent job arrives and replica B runs a cycle: without the lock it
    // would admit the urgent job into the capacity A is about to fill.
    await submit(bStore, 'urgent', 10);
    const cycleB = replica(bStore).run();
    // A goes on only once B's cycle waits for the lock A holds.
    await untilBlockedOnAdmissionLock(observer);
    a.release();
    await Promise.all([cycleA, cycleB]);

    const admitted = await knex('ml_jobs')
      .whereIn('status', ['ADMITTED'])
      .sum({ gpus: 'gpus' })
      .first();
    expect(Number(admitted?.gpus)).toBe(CAPACITY);
    await otherKnex.destroy();
    await observer.destroy();
  });
});
