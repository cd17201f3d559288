/*
 * npm run bench:monitoring — the monitoring domain's figures, one named section each:
 *
 * - drift: `evaluateDrift` for 100 numeric features × 100,000 live values each
 *   against their training profiles (10 quantile bins from 20,000 training values per
 *   feature; every tenth feature's live values shifted, so that some work is not the
 *   happy path). Profiles and live values are built before the clock starts; the
 *   figure is the median of BENCH_DRIFT_RUNS (5) timed runs after one warm-up.
 *
 * - router: the serving router's meter (what every routed request costs: a map lookup and a
 *   histogram increment) recording 1,000,000 requests over 8 deployments while it flushes
 *   to a scratch PostgreSQL database every 2 s (the production default); the figure counts
 *   the final flush, and the rows must add up to every request (recorded without loss).
 *   The HTTP path itself is `npm run bench:serving`'s.
 * - latency30d: the 30-day latency chart of one endpoint (2 versions, hourly rollups with
 *   their histograms) through the monitoring service, as the page asks for it; median of 20.
 *
 * Prints one line per figure, then one JSON object of every section's figures.
 * `BENCH_MONITORING_SECTIONS=drift` runs only the sections named (comma-separated).
 */
import { evaluateDrift } from '../src/monitoring/drift/evaluate';
import { buildFeatureProfile } from '../src/monitoring/drift/profile';
import { prng } from '../src/__testUtils__/prng';
import { DatabaseDeploymentStore } from '../src/deployments/DatabaseDeploymentStore';
import { encodeLatencies, newLatencyHistogram } from '../src/shared/latency';
import { ServingMeter } from '../src/deployments/ServingMeter';
import { DatabaseMonitoringStore } from '../src/monitoring/DatabaseMonitoringStore';
import { MonitoringService } from '../src/monitoring/MonitoringService';
import { withScratchDatabase } from './scratchDatabase';

const log = (line: string) => process.stdout.write(`${line}\n`);
const round = (n: number, digits = 1) => Number(n.toFixed(digits));
const median = (samples: number[]) =>
  [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)];

type Figures = Record<string, number>;

/** n draws from N(mean, sd²) by Box–Muller on the seeded PRNG. */
function normal(n: number, seed: number, mean = 0, sd = 1): number[] {
  const random = prng(seed);
  return Array.from(
    { length: n },
    () =>
      mean +
      sd *
        Math.sqrt(-2 * Math.log(1 - random())) *
        Math.cos(2 * Math.PI * random()),
  );
}

async function drift(): Promise<Figures> {
  const FEATURES = 100;
  const LIVE = 100_000;
  const TRAINING = 20_000;
  const RUNS = Number(process.env.BENCH_DRIFT_RUNS ?? 5);
  const names = Array.from({ length: FEATURES }, (_, i) => `f${i}`);
  const training = Object.fromEntries(
    names.map((name, i) => [name, normal(TRAINING, i + 1)]),
  );
  const profile = buildFeatureProfile(training);
  const live = Object.fromEntries(
    names.map((name, i) => [
      name,
      normal(LIVE, 1000 + i, i % 10 === 0 ? 0.5 : 0),
    ]),
  );

  const time = () => {
    const start = performance.now();
    const results = evaluateDrift(profile, live);
    const ms = performance.now() - start;
    if (results.length !== FEATURES) {
      throw new Error(`expected ${FEATURES} results, got ${results.length}`);
    }
    return { ms, results };
  };
  const { results } = time();
  const samples = Array.from({ length: RUNS }, () => time().ms);
  const ms = median(samples);
  const drifting = results.filter(r => r.status !== 'ok').length;
  log(
    `drift: ${FEATURES} features × ${LIVE.toLocaleString(
      'en',
    )} live values in ${round(ms)} ms (median of ${RUNS}; ${round(
      Math.min(...samples),
    )}-${round(Math.max(...samples))} ms), ${round(
      (FEATURES * LIVE) / (ms / 1000) / 1e6,
    )} M values/s; ${drifting} of ${FEATURES} features flagged (${
      FEATURES / 10
    } shifted), target ≤ 1000 ms`,
  );
  return { drift_100f_100k_ms: round(ms) };
}

/** The sections, by name, in the order they run. */
async function router(): Promise<Figures> {
  const REQUESTS = 1_000_000;
  const DEPLOYMENTS = 8;
  return withScratchDatabase('bench_monitoring_router', async ({ db }) => {
    const store = DatabaseDeploymentStore.create({ knex: db });
    const meter = new ServingMeter({
      write: minutes => store.addServingMinutes(minutes),
      flushMs: 2000,
      onError: error => {
        throw error;
      },
    });
    meter.start();
    const random = prng(3);
    const start = performance.now();
    for (let i = 0; i < REQUESTS; i++) {
      const d = i % DEPLOYMENTS;
      meter.record(`e${d % 2}`, `d${d}`, {
        latencyMicros: 500 + random() * 20_000,
        status: random() < 0.01 ? 503 : 200,
        bytesIn: 200,
      });
      // Let the timer's flushes run, as the event loop would between requests.
      if (i % 20_000 === 0) await new Promise(resolve => setImmediate(resolve));
    }
    await meter.close();
    const seconds = (performance.now() - start) / 1000;
    const [{ total }] = await db('ml_serving_minutes').sum({
      total: 'requests',
    });
    if (Number(total) !== REQUESTS) {
      throw new Error(`recorded ${total} of ${REQUESTS} requests`);
    }
    const perSecond = Math.round(REQUESTS / seconds);
    log(
      `router meter: ${REQUESTS.toLocaleString(
        'en-US',
      )} requests recorded in ${seconds.toFixed(
        2,
      )} s, all in the database: ${perSecond.toLocaleString('en-US')}/s`,
    );
    return { router_records_per_s: perSecond };
  });
}

async function latency30d(): Promise<Figures> {
  const RUNS = 20;
  return withScratchDatabase('bench_monitoring_chart', async ({ db }) => {
    const random = prng(5);
    const nowHour = Math.floor(Date.now() / 3_600_000);
    const rows = [];
    for (const deployment of ['d1', 'd2']) {
      for (let h = 0; h < 30 * 24; h++) {
        const histogram = newLatencyHistogram();
        for (let i = 0; i < 500; i++) {
          histogram.recordValue(Math.round(1000 + random() * 50_000));
        }
        rows.push({
          deployment_id: deployment,
          hour: nowHour - h,
          endpoint_id: 'e1',
          requests: 3600,
          errors: 3,
          client_errors: 1,
          bytes_in: 720_000,
          latency: encodeLatencies(histogram),
          p50_ms: histogram.getValueAtPercentile(50) / 1000,
          p95_ms: histogram.getValueAtPercentile(95) / 1000,
          p99_ms: histogram.getValueAtPercentile(99) / 1000,
        });
        histogram.destroy();
      }
    }
    for (let i = 0; i < rows.length; i += 200) {
      await db('ml_serving_hours').insert(rows.slice(i, i + 200));
    }
    const endpoint = { id: 'e1', name: 'bench', owner: 'group:default/bench' };
    const service = new MonitoringService({
      store: new DatabaseMonitoringStore(db),
      endpoints: {
        // The chart's own reads; the endpoint lookup and its permission are not timed here.
        readableEndpoint: async () => endpoint,
        store: {
          getDeployments: async () => [
            { id: 'd1', version: 1 },
            { id: 'd2', version: 2 },
          ],
        },
      },
    } as unknown as ConstructorParameters<typeof MonitoringService>[0]);
    const caller = undefined as unknown as Parameters<
      MonitoringService['metrics']
    >[0];
    const time = async () => {
      const start = performance.now();
      const chart = await service.metrics(caller, 'bench', 43_200);
      const ms = performance.now() - start;
      const points = chart.versions.reduce((n, v) => n + v.points.length, 0);
      if (points < 2 * 719) throw new Error(`only ${points} points`);
      return ms;
    };
    await time();
    const samples = [];
    for (let i = 0; i < RUNS; i++) samples.push(await time());
    const ms = round(median(samples), 2);
    log(
      `30-day latency chart: 2 versions x 720 hourly points (quantiles rolled up with each hour) in ${ms} ms (median of ${RUNS})`,
    );
    return { latency_30d_query_ms: ms };
  });
}

const SECTIONS: Record<string, () => Promise<Figures>> = {
  drift,
  router,
  latency30d,
};

async function main(): Promise<Figures> {
  const wanted =
    process.env.BENCH_MONITORING_SECTIONS?.split(',').map(s => s.trim()) ??
    Object.keys(SECTIONS);
  const unknown = wanted.filter(name => !SECTIONS[name]);
  if (unknown.length) {
    throw new Error(
      `Unknown sections ${unknown.join(', ')}; known: ${Object.keys(
        SECTIONS,
      ).join(', ')}`,
    );
  }
  const figures: Figures = {};
  for (const name of wanted) Object.assign(figures, await SECTIONS[name]());
  return figures;
}

main().then(
  result => log(JSON.stringify(result)),
  error => {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exit(1);
  },
);
