/*
 * npm run bench:adversarial — how the backend holds up under a barrage of malformed and
 * adversarial requests (src/__testUtils__/adversarial.ts: long strings, 100k backslashes
 * and slashes, deep JSON, huge lists, bad %-encodings, invalid UTF-8, prototype names,
 * wrong types, on every MLflow endpoint and the portal's tracking API), and how long
 * `/api/ml/health` takes to answer meanwhile: the event loop's stalls. The test
 * (src/mlflow/adversarial.test.ts) asserts the answers; this reports the times, which
 * tests never assert.
 *
 * Runs against a scratch database `ml_bench_adv_<timestamp>` and a backend child
 * (bench/benchBackend.ts says which servers and how they are cleaned up).
 *
 *   BENCH_ADVERSARIAL_REQUESTS=20000 BENCH_ADVERSARIAL_SEED=7 npm run bench:adversarial
 *
 * Prints the backend's answers by status, then as the last line one JSON object:
 * requests, server_errors (5xx or no answer), mlflow_4xx_without_error_code, requests_per_s,
 * health_probes, health_p50_ms, health_p99_ms, health_max_ms, health_database_p99_ms (the
 * part of a probe its database query took: pool waits), and idle_health_p50_ms /
 * idle_health_max_ms (the same probe with no barrage, for comparison). Exits 1 when any
 * request got a server error or an MLflow 4xx without error_code (listed on stderr).
 */
import {
  createFixtures,
  findProblems,
  runBarrage,
} from '../src/__testUtils__/adversarial';
import { BenchBackend, log, note, round, runBench } from './benchBackend';

const REQUESTS = Number(process.env.BENCH_ADVERSARIAL_REQUESTS ?? 5000);
const SEED = Number(process.env.BENCH_ADVERSARIAL_SEED ?? 20261203);
const CONCURRENCY = Number(process.env.BENCH_ADVERSARIAL_CONCURRENCY ?? 8);
const IDLE_PROBES = 100;

/** `/api/ml/health` latency with nothing else going on. */
async function idleHealth(baseUrl: string): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < IDLE_PROBES; i++) {
    const start = performance.now();
    await (await fetch(`${baseUrl}/api/ml/health`)).text();
    samples.push(performance.now() - start);
  }
  return samples.sort((a, b) => a - b);
}

async function main(): Promise<{ figures: object; failed: boolean }> {
  const backend = await BenchBackend.start({
    databasePrefix: 'ml_bench_adv',
    logLevel: 'error',
    env: {
      APP_CONFIG_ml_training_workers: 'false',
      // The bench calls as one service principal; permissions stay off, on purpose.
      APP_CONFIG_ml_permissions_allowDisabled: 'true',
    },
  });
  const { baseUrl } = backend;
  const AUTH = backend.authorization;
  note(
    `backend pid ${backend.pid} at ${baseUrl}; database ${backend.database}`,
  );
  const fixtures = await createFixtures(baseUrl, AUTH);
  const idle = await idleHealth(baseUrl);

  note(`sending ${REQUESTS} requests (seed ${SEED}, ${CONCURRENCY} at a time)`);
  const result = await runBarrage({
    baseUrl,
    seed: SEED,
    count: REQUESTS,
    fixtures,
    concurrency: CONCURRENCY,
    headers: AUTH,
  });
  const problems = findProblems(result.responses);
  const byStatus = new Map<number, number>();
  for (const { status } of result.responses) {
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
  }
  for (const [status, count] of [...byStatus].sort((a, b) => a[0] - b[0])) {
    log(`status ${status || 'none'}: ${count}`);
  }
  const slowest = [...result.responses].sort((a, b) => b.ms - a.ms);
  for (const r of slowest.slice(0, 10)) {
    note(
      `slow: ${round(r.ms)} ms ${r.status} ${
        r.request.label
      } ${r.request.path.slice(0, 120)} (${r.request.body?.length ?? 0} bytes)`,
    );
  }
  for (const problem of problems.slice(0, 20)) note(`problem: ${problem}`);
  if (problems.length > 20) note(`... and ${problems.length - 20} more`);

  const serverErrors = result.responses.filter(
    r => r.status === 0 || r.status >= 500,
  ).length;
  return {
    failed: problems.length > 0,
    figures: {
      requests: result.responses.length,
      server_errors: serverErrors,
      mlflow_4xx_without_error_code: problems.length - serverErrors,
      requests_per_s: round(
        result.responses.length / (result.elapsedMs / 1000),
      ),
      health_probes: result.healthLatency.probes,
      health_p50_ms: round(result.healthLatency.p50),
      health_p99_ms: round(result.healthLatency.p99),
      health_max_ms: round(result.healthLatency.max),
      health_database_p99_ms: round(result.healthLatency.databaseP99),
      idle_health_p50_ms: round(idle[Math.floor(idle.length / 2)]),
      idle_health_max_ms: round(idle[idle.length - 1]),
      seed: SEED,
    },
  };
}

runBench(main);
