import { randomUUID } from 'node:crypto';
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { Knex } from 'knex';
import { createTestDatabases } from '../../__testUtils__/databases';
import { waitFor } from '../../__testUtils__/waitFor';
import { RedisConnection } from '../../redis/RedisConnection';
import { MetricScrapes } from './startMetricScrapes';
import {
  kserveExposition,
  startMetricsServer,
} from './__testUtils__/expositions';
import { ScrapedTarget, scrapedStore } from './__testUtils__/scrapedPortal';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const databases = createTestDatabases();
const MINUTE = 60_000;
const T0 = 29_000_000 * MINUTE;

describe('metric scrapes on BullMQ', () => {
  let knex: Knex;
  let redis: RedisConnection;
  let metrics: Awaited<ReturnType<typeof startMetricsServer>>;
  const replicas: MetricScrapes[] = [];

  beforeEach(async () => {
    knex = await databases.init('SQLITE_3');
    metrics = await startMetricsServer();
    redis = await RedisConnection.resolve({
      config: new ConfigReader({ ml: { redis: { url: REDIS_URL } } }),
      logger: mockServices.logger.mock(),
    });
  });

  afterEach(async () => {
    await replicas[0]?.queue.obliterate({ force: true });
    await Promise.all(replicas.splice(0).map(r => r.stop()));
    await redis.close();
    await metrics.close();
    await knex.destroy();
  });

  it('runs one job per endpoint per interval, however many replicas add it', async () => {
    const { store, addEndpoint, logger } = await scrapedStore(knex);
    const target = new ScrapedTarget('kserve-test');
    const endpoints = await Promise.all(
      ['churn-a', 'churn-b'].map(name => addEndpoint(name, target.id)),
    );
    const served = (requests: number) =>
      kserveExposition({
        model: 'churn',
        predict: { '0.05': requests },
        sumSeconds: requests * 0.02,
      });
    for (const { endpoint, deployment } of endpoints) {
      metrics.pages.set(`/${endpoint.name}`, served(100));
      target.sources.set(deployment.name, {
        kind: 'prometheus',
        urls: [metrics.url(`/${endpoint.name}`)],
      });
    }
    // Two replicas of the backend: their own Redis clients, one queue.
    const prefix = `ml-test-${randomUUID()}`;
    for (let i = 0; i < 2; i++) {
      replicas.push(
        new MetricScrapes({
          store,
          knex,
          targets: new Map([[target.id, target]]),
          redis,
          logger,
          intervalSeconds: 60,
          prefix,
        }),
      );
    }
    const [one, two] = replicas;
    const jobs = async () =>
      (await one.queue.getJobs(['waiting', 'active', 'completed'])).map(
        j => j.id,
      );

    // Both replicas add the interval's jobs, one of them twice (a retried add).
    await Promise.all([
      one.schedule(T0 + 1000),
      two.schedule(T0 + 2000),
      two.schedule(T0 + 59_000),
    ]);
    expect((await jobs()).sort()).toEqual(
      endpoints.map(e => `scrape-${e.endpoint.id}-${T0}`).sort(),
    );

    one.startWorker();
    two.startWorker();
    await waitFor(
      'the first interval scraped',
      () => one.queue.getJobCounts('completed'),
      counts => counts.completed === 2,
    );

    metrics.pages.set('/churn-a', served(130));
    metrics.pages.set('/churn-b', served(145));
    await Promise.all([
      one.schedule(T0 + MINUTE + 5),
      two.schedule(T0 + MINUTE + 10),
    ]);
    await waitFor(
      'the second interval scraped',
      () => one.queue.getJobCounts('completed', 'failed'),
      counts => counts.completed === 4,
    );
    expect((await one.queue.getJobCounts('failed')).failed).toBe(0);
    expect(await jobs()).toHaveLength(4);

    const minutes = await store.servingMinutes(
      endpoints.map(e => e.endpoint.id),
      0,
    );
    expect(
      minutes
        .map(m => [m.endpointId, m.minute, m.requests])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    ).toEqual(
      [
        [endpoints[0].endpoint.id, T0 / MINUTE, 30],
        [endpoints[1].endpoint.id, T0 / MINUTE, 45],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
  });
});
