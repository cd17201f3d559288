import { Knex } from 'knex';
import { createTestDatabases } from '../../__testUtils__/databases';
import { DatabaseDeploymentStore } from '../../deployments/DatabaseDeploymentStore';
import { ServingMinute } from '../../deployments/DeploymentStore';
import {
  encodeLatencies,
  latencyQuantiles,
  newLatencyHistogram,
} from '../../shared/latency';
import { MetricScraper } from './MetricScraper';
import { ScrapeBaselines } from './ScrapeBaselines';
import {
  kserveExposition,
  startMetricsServer,
  tritonExposition,
} from './__testUtils__/expositions';
import { ScrapedTarget, scrapedStore } from './__testUtils__/scrapedPortal';

const databases = createTestDatabases();
const MINUTE = 60_000;
/** An interval start: a whole minute. */
const T0 = 29_000_000 * MINUTE;

describe.each(databases.eachSupportedId())('scraping on %p', databaseId => {
  let knex: Knex;
  let store: DatabaseDeploymentStore;
  let addEndpoint: Awaited<ReturnType<typeof scrapedStore>>['addEndpoint'];
  let logger: Awaited<ReturnType<typeof scrapedStore>>['logger'];
  let metrics: Awaited<ReturnType<typeof startMetricsServer>>;
  let target: ScrapedTarget;
  let scraper: MetricScraper;

  beforeEach(async () => {
    knex = await databases.init(databaseId);
    ({ store, addEndpoint, logger } = await scrapedStore(knex));
    metrics = await startMetricsServer();
    target = new ScrapedTarget('kserve-test');
    scraper = new MetricScraper({
      store,
      targets: new Map([[target.id, target]]),
      baselines: new ScrapeBaselines(knex),
      logger,
      intervalMs: MINUTE,
    });
  });

  afterEach(async () => {
    await metrics.close();
    await knex.destroy();
  });

  const rows = (endpointId: string) => store.servingMinutes([endpointId], 0);

  it('replaces a minute with putServingMinutes, where addServingMinutes adds', async () => {
    const { endpoint, deployment } = await addEndpoint('churn-api', 'local');
    const minute = (requests: number, latencyMs: number): ServingMinute => {
      const histogram = newLatencyHistogram();
      histogram.recordValueWithCount(latencyMs * 1000, requests);
      const latency = encodeLatencies(histogram);
      histogram.destroy();
      return {
        endpointId: endpoint.id,
        deploymentId: deployment.id,
        minute: T0 / MINUTE,
        requests,
        errors: 1,
        clientErrors: 2,
        bytesIn: 10,
        coldStarts: 0,
        coldStartMs: 0,
        latency,
      };
    };
    await store.putServingMinutes([minute(100, 20)]);
    await store.putServingMinutes([minute(120, 40)]);
    let [row] = await rows(endpoint.id);
    expect(await rows(endpoint.id)).toHaveLength(1);
    expect(row).toMatchObject({ requests: 120, errors: 1, clientErrors: 2 });
    expect(latencyQuantiles([row.latency])!.p50Ms).toBeCloseTo(40, 0);

    await store.addServingMinutes([minute(5, 40)]);
    [row] = await rows(endpoint.id);
    expect(row).toMatchObject({ requests: 125, errors: 2 });
  });

  it('writes the growth of KServe replicas per interval, once however often scraped', async () => {
    const { endpoint, deployment } = await addEndpoint('churn-api', target.id);
    target.sources.set(deployment.name, {
      kind: 'prometheus',
      urls: [metrics.url('/pod-a/metrics'), metrics.url('/pod-b/metrics')],
    });
    const pod = (
      path: string,
      fast: number,
      slow: number,
      sumSeconds: number,
    ) =>
      metrics.pages.set(
        path,
        kserveExposition({
          model: 'churn',
          predict: { '0.025': fast, '0.5': fast + slow },
          sumSeconds,
        }),
      );

    pod('/pod-a/metrics', 1000, 10, 25);
    pod('/pod-b/metrics', 500, 0, 10);
    await scraper.scrape(endpoint.id, T0);
    // The first scrape sets the baseline only.
    expect(await rows(endpoint.id)).toEqual([]);

    pod('/pod-a/metrics', 1080, 20, 27);
    pod('/pod-b/metrics', 560, 0, 11);
    await scraper.scrape(endpoint.id, T0 + MINUTE);
    let minutes = await rows(endpoint.id);
    expect(minutes).toEqual([
      expect.objectContaining({
        deploymentId: deployment.id,
        minute: T0 / MINUTE,
        requests: 150,
        errors: 0,
      }),
    ]);
    // 140 fast (≤25 ms) and 10 slow (≤500 ms): recorded at the buckets' upper bounds.
    const q = latencyQuantiles([minutes[0].latency])!;
    expect(q.p50Ms).toBeCloseTo(25, 0);
    expect(q.p99Ms).toBeGreaterThan(490);
    expect(q.p99Ms).toBeLessThan(510);

    // A retry of the interval, later: same baseline, the minute replaced, not added to.
    pod('/pod-a/metrics', 1090, 20, 27.2);
    await scraper.scrape(endpoint.id, T0 + MINUTE);
    minutes = await rows(endpoint.id);
    expect(minutes.map(m => [m.minute, m.requests])).toEqual([
      [T0 / MINUTE, 160],
    ]);

    // Pod a restarts (its counters go down to 30); pod b served 40 more.
    pod('/pod-a/metrics', 30, 0, 1);
    pod('/pod-b/metrics', 600, 0, 12);
    await scraper.scrape(endpoint.id, T0 + 2 * MINUTE);
    minutes = await rows(endpoint.id);
    expect(minutes.map(m => [m.minute, m.requests])).toEqual([
      [T0 / MINUTE, 160],
      [T0 / MINUTE + 1, 70],
    ]);

    // A job for an interval older than the last scraped one changes nothing.
    pod('/pod-b/metrics', 900, 0, 20);
    await scraper.scrape(endpoint.id, T0 + MINUTE);
    expect((await rows(endpoint.id)).map(m => m.requests)).toEqual([160, 70]);
  });

  it("counts a replica that did not answer on the next interval, and Triton's failures as errors", async () => {
    const { endpoint, deployment } = await addEndpoint('resnet', target.id);
    target.sources.set(deployment.name, {
      kind: 'prometheus',
      urls: [metrics.url('/a'), metrics.url('/b')],
    });
    const pod = (
      path: string,
      success: number,
      failure: number,
      gpuUtilization = [0.5],
    ) =>
      metrics.pages.set(
        path,
        tritonExposition({
          model: 'resnet',
          success,
          failure,
          durationUs: success * 8000,
          gpuUtilization,
        }),
      );
    pod('/a', 100, 1);
    pod('/b', 100, 1);
    await scraper.scrape(endpoint.id, T0);

    pod('/a', 150, 3, [0.2, 0.4]);
    metrics.pages.delete('/b');
    await scraper.scrape(endpoint.id, T0 + MINUTE);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(
        /Could not scrape http:\/\/127\.0\.0\.1:\d+\/b .*answered 404/,
      ),
    );
    pod('/b', 130, 2, [0.6]);
    await scraper.scrape(endpoint.id, T0 + 2 * MINUTE);

    const minutes = await rows(endpoint.id);
    expect(
      minutes.map(m => [m.minute - T0 / MINUTE, m.requests, m.errors]),
    ).toEqual([
      [0, 52, 2],
      [1, 31, 1],
    ]);
    // GPU utilisation: each replica's mean over its GPUs, then over the replicas that answered.
    expect(minutes.map(m => m.gpuUtilization)).toEqual([
      expect.closeTo(30),
      expect.closeTo(45),
    ]);
    expect(latencyQuantiles([minutes[0].latency])!.p50Ms).toBeCloseTo(8, 0);
  });

  it('replaces the minutes a per-minute source reports, with latency from its percentiles', async () => {
    const { endpoint, deployment } = await addEndpoint('sm-churn', target.id);
    const reported = new Map<number, number>([
      [T0 / MINUTE - 2, 400],
      [T0 / MINUTE - 1, 300],
    ]);
    const asked: Array<{ fromMinute: number; toMinute: number }> = [];
    target.sources.set(deployment.name, {
      kind: 'minutes',
      description: 'a fake of CloudWatch',
      read: async range => {
        asked.push(range);
        return [...reported].map(([minute, requests]) => ({
          minute,
          requests,
          errors: 4,
          clientErrors: 1,
          latencyPercentilesMs: { p50: 12, p95: 40, p99: 90 },
        }));
      },
    });
    await scraper.scrape(endpoint.id, T0);
    // CloudWatch's late minutes: reported again with more requests.
    reported.set(T0 / MINUTE - 1, 320);
    await scraper.scrape(endpoint.id, T0);

    expect(asked[0]).toEqual({
      fromMinute: T0 / MINUTE - 6,
      toMinute: T0 / MINUTE,
    });
    const minutes = await rows(endpoint.id);
    expect(
      minutes.map(m => [m.minute - T0 / MINUTE, m.requests, m.errors]),
    ).toEqual([
      [-2, 400, 4],
      [-1, 320, 4],
    ]);
    const q = latencyQuantiles(minutes.map(m => m.latency))!;
    expect(q.p50Ms).toBeCloseTo(12, 0);
    expect(q.p95Ms).toBeCloseTo(40, 0);
    expect(q.p99Ms).toBeCloseTo(90, -1);
  });

  it('leaves endpoints the router meters to the router', async () => {
    const routed = Object.assign(new ScrapedTarget('routed'), {
      route: async () => ({ url: 'http://127.0.0.1:1' }),
    });
    scraper = new MetricScraper({
      store,
      targets: new Map<string, ScrapedTarget>([
        [target.id, target],
        [routed.id, routed],
      ]),
      baselines: new ScrapeBaselines(knex),
      logger,
      intervalMs: MINUTE,
    });
    const remote = await addEndpoint('remote', target.id);
    await addEndpoint('local', routed.id);
    expect(await scraper.endpointIds()).toEqual([remote.endpoint.id]);
  });
});
