import { ConflictError, InputError } from '@backstage/errors';
import { Knex } from 'knex';
import { ML_MIGRATIONS_DIR } from '../database/migrateDatabase';
import { createTestDatabases } from '../__testUtils__/databases';
import { waitFor } from '../__testUtils__/waitFor';
import { DatabaseTrackingStore } from './DatabaseTrackingStore';
import { historyOf } from '../__testUtils__/metricHistory';

const databases = createTestDatabases();

async function createStore(databaseId: Parameters<typeof databases.init>[0]) {
  const knex: Knex = await databases.init(databaseId);
  await knex.migrate.latest({
    directory: ML_MIGRATIONS_DIR,
    tableName: 'ml_knex_migrations',
  });
  const store = DatabaseTrackingStore.create({ knex });
  const experimentId = await store.createExperiment({
    name: 'e',
    owner: 'group:default/vision',
    artifactLocation: id => `mlflow-artifacts:/${id}`,
    tags: [{ key: 'team', value: 'vision' }],
  });
  const run = await store.createRun({
    experimentId,
    runName: 'r',
    startTime: 1000,
    artifactUri: runId =>
      `mlflow-artifacts:/${experimentId}/${runId}/artifacts`,
    tags: [],
  });
  return { knex, store, experimentId, runId: run.info.runId };
}

const metric = (step: number, value: number, timestamp = step) => ({
  key: 'loss',
  value,
  timestamp,
  step,
});

describe.each(databases.eachSupportedId())(
  'DatabaseTrackingStore on %p',
  databaseId => {
    it('derives the artifact location from the id and refuses a second experiment of one name', async () => {
      const { store, experimentId } = await createStore(databaseId);
      const experiment = await store.getExperiment(experimentId);
      expect(experiment).toMatchObject({
        name: 'e',
        artifactLocation: `mlflow-artifacts:/${experimentId}`,
        tags: [{ key: 'team', value: 'vision' }],
      });
      await expect(
        store.createExperiment({
          name: 'e',
          owner: 'o',
          artifactLocation: 'x',
          tags: [],
        }),
      ).rejects.toBeInstanceOf(ConflictError);
      expect(await store.getExperiment('not-a-number')).toBeUndefined();
    });

    it('writes a batch only to an active run, on the one-statement path and in a transaction', async () => {
      const { store, runId } = await createStore(databaseId);
      const batch = (
        step: number,
        params: Array<{ key: string; value: string }> = [],
      ) => ({
        metrics: [metric(step, step / 10)],
        params,
        tags: [],
      });
      expect(await store.logBatch(runId, batch(0))).toBe(true);
      await store.setRunLifecycle(runId, 'deleted');
      // Metrics after the stored steps: PostgreSQL's one statement.
      expect(await store.logBatch(runId, batch(1))).toBe(false);
      // A step that reaches back, and a batch with a param: the transaction.
      expect(await store.logBatch(runId, batch(0))).toBe(false);
      expect(
        await store.logBatch(runId, batch(2, [{ key: 'lr', value: '0.1' }])),
      ).toBe(false);
      expect(await store.logBatch('f'.repeat(32), batch(0))).toBe(false);

      await store.setRunLifecycle(runId, 'active');
      const run = await store.getRun(runId);
      expect(run!.data.params).toEqual([]);
      expect(run!.data.metrics).toEqual([metric(0, 0)]);
      expect(await historyOf(store, runId, 'loss')).toEqual([metric(0, 0)]);
      expect(await store.logBatch(runId, batch(1))).toBe(true);
      expect(await historyOf(store, runId, 'loss')).toHaveLength(2);
    });

    it('keeps the latest metric by step, then timestamp, whatever the order of logging', async () => {
      const { store, runId } = await createStore(databaseId);
      await store.logBatch(runId, {
        metrics: [metric(5, 0.5), metric(2, 0.9)],
        params: [],
        tags: [],
      });
      await store.logBatch(runId, {
        metrics: [metric(3, 0.1)],
        params: [],
        tags: [],
      });
      await store.logBatch(runId, {
        metrics: [metric(5, 0.4, 9)],
        params: [],
        tags: [],
      });
      // Logging the same point twice stores it once.
      await store.logBatch(runId, {
        metrics: [metric(2, 0.9)],
        params: [],
        tags: [],
      });

      const run = await store.getRun(runId);
      expect(run!.data.metrics).toEqual([metric(5, 0.4, 9)]);
      expect(
        (await historyOf(store, runId, 'loss')).map(m => [m.step, m.value]),
      ).toEqual([
        [2, 0.9],
        [3, 0.1],
        [5, 0.5],
        [5, 0.4],
      ]);
    });

    it('stores NaN and both infinities', async () => {
      const { store, runId } = await createStore(databaseId);
      await store.logBatch(runId, {
        metrics: [
          metric(0, NaN),
          metric(1, Infinity),
          metric(2, -Infinity),
          metric(3, 0.25),
        ],
        params: [],
        tags: [],
      });
      const values = (await historyOf(store, runId, 'loss')).map(m => m.value);
      expect(values).toEqual([NaN, Infinity, -Infinity, 0.25]);
    });

    it('makes a batch all or nothing when a param changes value', async () => {
      const { store, runId } = await createStore(databaseId);
      await store.logBatch(runId, {
        metrics: [],
        params: [{ key: 'lr', value: '0.1' }],
        tags: [],
      });
      await expect(
        store.logBatch(runId, {
          metrics: [metric(1, 1)],
          params: [{ key: 'lr', value: '0.2' }],
          tags: [{ key: 't', value: 'v' }],
        }),
      ).rejects.toBeInstanceOf(InputError);
      const run = await store.getRun(runId);
      expect(run!.data).toEqual({
        metrics: [],
        params: [{ key: 'lr', value: '0.1' }],
        tags: [],
      });
    });

    it('reduces a long series to the lowest and highest point of each step bucket', async () => {
      const { store, runId } = await createStore(databaseId);
      const points = Array.from({ length: 1000 }, (_, step) =>
        metric(step, step === 421 ? 100 : Math.sin(step / 50)),
      );
      await store.logBatch(runId, { metrics: points, params: [], tags: [] });

      const { points: reduced, totalPoints } =
        await store.getMetricHistoryBuckets(runId, 'loss', 50);
      expect(totalPoints).toBe(1000);
      expect(reduced.length).toBeLessThanOrEqual(100);
      expect(reduced.length).toBeGreaterThan(50);
      // The spike survives downsampling, and steps stay in order.
      expect(Math.max(...reduced.map(p => p.value))).toBe(100);
      const steps = reduced.map(p => p.step);
      expect(steps).toEqual([...steps].sort((a, b) => a - b));
      expect(steps[0]).toBe(0);
      expect(steps[steps.length - 1]).toBe(999);

      const short = await store.getMetricHistoryBuckets(runId, 'loss', 600);
      expect(short.points).toHaveLength(1000);
    });

    it('pages a series whose writes interleave in steps, each point once and in history order', async () => {
      const { store, runId } = await createStore(databaseId);
      // Three writes (three chunks): evens, then odds over the same steps, then a
      // later range; the first two overlap and must be merged when read.
      const evens = Array.from({ length: 50 }, (_, i) => metric(2 * i, i));
      const odds = Array.from({ length: 50 }, (_, i) => metric(2 * i + 1, -i));
      const later = Array.from({ length: 30 }, (_, i) => metric(200 + i, i));
      for (const metrics of [evens, odds, later, evens]) {
        await store.logBatch(runId, { metrics, params: [], tags: [] });
      }
      const whole = await historyOf(store, runId, 'loss');
      expect(whole.map(m => m.step)).toEqual([
        ...Array.from({ length: 100 }, (_, i) => i),
        ...later.map(m => m.step),
      ]);
      const pages = [];
      for (let offset = 0; offset < 130; offset += 17) {
        pages.push(
          ...(await historyOf(store, runId, 'loss', {
            offset,
            limit: 17,
          })),
        );
      }
      expect(pages).toEqual(whole);
      expect(await historyOf(store, runId, 'loss', { offset: 125 })).toEqual(
        whole.slice(125),
      );
    });

    it('writes a batch once when one of its keys reaches back to logged steps and another does not', async () => {
      const { store, runId } = await createStore(databaseId);
      const point = (key: string, step: number) => ({
        ...metric(step, step / 10),
        key,
      });
      const log = (metrics: ReturnType<typeof point>[]) =>
        store.logBatch(runId, { metrics, params: [], tags: [] });
      await log([point('loss', 0), point('acc', 0), point('acc', 1)]);
      // 'loss' is ahead of its series, 'acc' repeats step 1: the batch takes the
      // transaction path, and 'loss' must not be written twice.
      await log([point('loss', 1), point('acc', 1), point('acc', 2)]);
      await log([point('loss', 2), point('acc', 3)]);
      for (const key of ['loss', 'acc']) {
        const steps = (await historyOf(store, runId, key)).map(m => m.step);
        expect(steps).toEqual(key === 'loss' ? [0, 1, 2] : [0, 1, 2, 3]);
        const chart = await store.getMetricHistoryBuckets(runId, key, 100);
        expect(chart.totalPoints).toBe(steps.length);
      }
      const run = await store.getRun(runId);
      expect(run!.data.metrics.map(m => [m.key, m.step]).sort()).toEqual([
        ['acc', 3],
        ['loss', 2],
      ]);
    });

    it('keeps the later latest value when another writer of the series commits a later one first', async () => {
      const { knex, store, runId } = await createStore(databaseId);
      // SQLite runs one writer at a time: there is no overlap to test.
      if (knex.client.config.client !== 'pg') return;
      await store.logBatch(runId, {
        metrics: [metric(0, 0)],
        params: [],
        tags: [],
      });
      // Another writer has logged step 300 and not committed yet.
      const other = await knex.transaction();
      await other('ml_latest_metrics')
        .where({ run_uuid: runId, key: 'loss' })
        .update({ step: 300, timestamp: 300, value: 3 });
      // This batch is ahead of what it can see (step 0), so it takes the one-statement
      // path; its upsert of the latest value waits for the other writer's row.
      const batch = store.logBatch(runId, {
        metrics: Array.from({ length: 100 }, (_, i) => metric(100 + i, i)),
        params: [],
        tags: [],
      });
      await waitFor(
        'the batch waiting for the other writer',
        () =>
          knex('pg_stat_activity')
            .where({ wait_event_type: 'Lock' })
            .whereLike('query', '%ml_latest_metrics%')
            .count({ n: '*' }),
        ([{ n }]) => Number(n) > 0,
      );
      await other.commit();
      await batch;
      const run = await store.getRun(runId);
      expect(run!.data.metrics).toEqual([metric(300, 3)]);
      expect(await historyOf(store, runId, 'loss')).toHaveLength(101);
    });

    it('charts a long series from its tiers: bounded, spikes kept, counts exact', async () => {
      const { store, runId } = await createStore(databaseId);
      const total = 30_000;
      for (let start = 0; start < total; start += 1000) {
        await store.logBatch(runId, {
          metrics: Array.from({ length: 1000 }, (_, i) => {
            const step = start + i;
            return metric(step, step === 12_345 ? -50 : step % 7, step + 1);
          }),
          params: [],
          tags: [],
        });
      }
      const { points, totalPoints } = await store.getMetricHistoryBuckets(
        runId,
        'loss',
        100,
      );
      expect(totalPoints).toBe(total);
      expect(points.length).toBeLessThanOrEqual(200);
      expect(points.length).toBeGreaterThan(100);
      expect(Math.min(...points.map(p => p.value))).toBe(-50);
      const steps = points.map(p => p.step);
      expect(steps).toEqual([...steps].sort((a, b) => a - b));
      expect(steps[0]).toBe(0);
      expect(steps[steps.length - 1]).toBe(total - 1);
      // Each reported point is a real one: its timestamp is its step's.
      expect(points.every(p => p.timestamp === p.step + 1)).toBe(true);
    });

    it('answers the highest value of matching keys per run', async () => {
      const { store, runId } = await createStore(databaseId);
      await store.logBatch(runId, {
        metrics: [
          {
            key: 'system/gpu_0_memory_usage_percentage',
            value: 31,
            timestamp: 1,
            step: 0,
          },
          {
            key: 'system/gpu_1_memory_usage_percentage',
            value: 72,
            timestamp: 1,
            step: 0,
          },
          {
            key: 'system/gpu_1_memory_usage_percentage',
            value: NaN,
            timestamp: 2,
            step: 1,
          },
          { key: 'loss', value: 99, timestamp: 1, step: 0 },
        ],
        params: [],
        tags: [],
      });
      const peaks = await store.maxMetricValues(
        [runId, 'unknown'],
        'system/gpu%memory_usage_percentage',
      );
      expect([...peaks]).toEqual([[runId, 72]]);
    });

    it('records dataset inputs once per run and experiment', async () => {
      const { store, runId, experimentId } = await createStore(databaseId);
      const input = {
        dataset: {
          name: 'churn',
          digest: 'abc',
          sourceType: 'code',
          source: 's3://b/k',
        },
        tags: [{ key: 'mlflow.data.context', value: 'training' }],
      };
      await store.logInputs(runId, experimentId, [input]);
      await store.logInputs(runId, experimentId, [input]);
      const run = await store.getRun(runId);
      expect(run!.inputs.datasetInputs).toEqual([
        {
          dataset: { ...input.dataset, schema: undefined, profile: undefined },
          tags: input.tags,
        },
      ]);
    });

    it('deletes and restores an experiment together with its runs', async () => {
      const { store, runId, experimentId } = await createStore(databaseId);
      await store.setExperimentLifecycle(experimentId, 'deleted');
      expect((await store.getRunOwnership(runId))!.lifecycleStage).toBe(
        'deleted',
      );
      const active = await store.searchRuns(
        { experimentIds: [experimentId], viewType: 'ACTIVE_ONLY' },
        { offset: 0, limit: 10 },
      );
      expect(active.items).toEqual([]);
      await store.setExperimentLifecycle(experimentId, 'active');
      const all = await store.searchRuns(
        {
          experimentIds: [experimentId],
          viewType: 'ALL',
          filter: "attributes.run_name = 'r'",
        },
        { offset: 0, limit: 10 },
      );
      expect(all.items.map(r => r.info.runId)).toEqual([runId]);
    });
  },
);
