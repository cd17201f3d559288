import { Knex } from 'knex';
import { createTestDatabases } from '../__testUtils__/databases';
import { ML_MIGRATIONS_DIR } from '../database/migrateDatabase';
import { encodeLatencies, newLatencyHistogram } from '../shared/latency';
import { DatabaseMonitoringStore } from './DatabaseMonitoringStore';

const databases = createTestDatabases();

async function migrated(databaseId: Parameters<typeof databases.init>[0]) {
  const knex: Knex = await databases.init(databaseId);
  await knex.migrate.latest({
    directory: ML_MIGRATIONS_DIR,
    tableName: 'ml_knex_migrations',
  });
  return knex;
}

const drift = {
  endpointId: 'e1',
  kind: 'drift' as const,
  subject: 'tenure',
  version: 1,
  detail: 'feature tenure drifted',
};

/** Two backend replicas share one database: each breach and retraining happens once. */
describe.each(databases.eachSupportedId())(
  'monitoring store on %p',
  databaseId => {
    it('opens one alert per breach and claims its retraining once across replicas', async () => {
      const knex = await migrated(databaseId);
      const replicas = [
        new DatabaseMonitoringStore(knex),
        new DatabaseMonitoringStore(knex),
      ];
      const opened = await Promise.all(
        replicas.flatMap(store => [
          store.openAlert(drift, 1),
          store.openAlert(drift, 2),
        ]),
      );
      const alerts = opened.filter(Boolean);
      expect(alerts).toHaveLength(1);
      const claims = await Promise.all(
        replicas.flatMap(store => [
          store.claimRetraining(alerts[0]!.id),
          store.claimRetraining(alerts[0]!.id),
        ]),
      );
      expect(claims.filter(Boolean)).toHaveLength(1);
      await replicas[1].setRetraining(alerts[0]!.id, { jobId: 'job-1' });
      expect(await replicas[0].getAlert(alerts[0]!.id)).toMatchObject({
        status: 'open',
        retrainingJobId: 'job-1',
      });

      // Closed, the same breach may open a new alert.
      await replicas[0].closeAlert(alerts[0]!.id, 'user:default/a', 3);
      expect(await replicas[1].openAlert(drift, 4)).toMatchObject({
        status: 'open',
        openedAt: 4,
      });
      expect(await replicas[1].alerts('e1', 10)).toEqual([
        expect.objectContaining({ status: 'open', openedAt: 4 }),
        expect.objectContaining({
          status: 'closed',
          closedBy: 'user:default/a',
        }),
      ]);
    });

    it('rolls minutes up into hours, the same rows however often it runs', async () => {
      const knex = await migrated(databaseId);
      const store = new DatabaseMonitoringStore(knex);
      const latency = (ms: number, count: number) => {
        const histogram = newLatencyHistogram();
        histogram.recordValueWithCount(ms * 1000, count);
        return encodeLatencies(histogram);
      };
      const hour = 490_000;
      await knex('ml_serving_minutes').insert(
        [0, 1, 59, 60].map(offset => ({
          deployment_id: 'd1',
          endpoint_id: 'e1',
          minute: hour * 60 + offset,
          requests: 10,
          errors: 1,
          client_errors: 0,
          bytes_in: 100,
          cold_starts: 0,
          cold_start_ms: 0,
          latency: latency(offset === 59 ? 100 : 10, 10),
          // Reported on some minutes only (a scraped Triton), absent on others.
          gpu_util:
            ({ 0: 20, 1: 40 } as Record<number, number>)[offset] ?? null,
        })),
      );
      await store.rollUpHours(['e1'], hour);
      await store.rollUpHours(['e1'], hour);
      const hours = await store.servingHours(['e1'], hour);
      expect(hours).toEqual([
        expect.objectContaining({
          hour,
          requests: 30,
          errors: 3,
          bytesIn: 300,
        }),
        expect.objectContaining({ hour: hour + 1, requests: 10, errors: 1 }),
      ]);
      expect(hours.map(h => h.gpuUtilization)).toEqual([30, undefined]);
    });
  },
);
