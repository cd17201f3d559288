/*
 * npm run bench:adversarial — how the backend holds up under a barrage of malformed and
 * adversarial requests (src/testUtils/adversarial.ts: long strings, 100k backslashes
 * and slashes, deep JSON, huge lists, bad %-encodings, invalid UTF-8, prototype names,
 * wrong types, on every MLflow endpoint and the portal's tracking API), and how long
 * `/api/ml/health` takes to answer meanwhile: the event loop's stalls. The test
 * (src/mlflow/adversarial.test.ts) asserts the answers; this reports the times, which
 * tests never assert.
 *
 * Creates a PostgreSQL database `ml_bench_adv_<timestamp>` on the server of PGHOST/PGPORT
 * (default 127.0.0.1:5432, user postgres), starts the backend with only the ml plugin
 * (bench/server.ts) as a child on a free port, and drops both at the end (on failure and
 * Ctrl-C too). Redis: REDIS_URL, default redis://127.0.0.1:6379.
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
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
// @ts-ignore -- the repo has no @types/pg; only Client is used, as any.
import { Client } from 'pg';
import {
  createFixtures,
  findProblems,
  runBarrage,
} from '../src/testUtils/adversarial';

const BENCH_DIR = __dirname;
const REPO_ROOT = resolve(BENCH_DIR, '../../..');
const PG = {
  host: process.env.PGHOST ?? '127.0.0.1',
  port: Number(process.env.PGPORT ?? 5432),
  user: process.env.PGUSER ?? 'postgres',
  password: process.env.PGPASSWORD,
};
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const REQUESTS = Number(process.env.BENCH_ADVERSARIAL_REQUESTS ?? 5000);
const SEED = Number(process.env.BENCH_ADVERSARIAL_SEED ?? 20261203);
const CONCURRENCY = Number(process.env.BENCH_ADVERSARIAL_CONCURRENCY ?? 8);
const IDLE_PROBES = 100;
const STARTUP_TIMEOUT_MS = 120_000;

const DB_NAME = `ml_bench_adv_${Date.now()}_${process.pid}`;
const TOKEN = randomBytes(24).toString('hex');
const AUTH = { authorization: `Bearer ${TOKEN}` };

let child: ChildProcess | undefined;
let childExited = false;
let stopping = false;
let dbCreated = false;
const childLog: string[] = [];

const log = (line: string) => process.stdout.write(`${line}\n`);
const note = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const round = (n: number, digits = 1) => Number(n.toFixed(digits));

async function admin<T>(fn: (client: any) => Promise<T>): Promise<T> {
  const client = new Client({ ...PG, database: 'postgres' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

async function startBackend(): Promise<string> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  child = spawn(
    process.execPath,
    [
      '--require',
      '@backstage/cli/config/nodeTransform.cjs',
      resolve(BENCH_DIR, 'server.ts'),
      '--config',
      resolve(BENCH_DIR, 'app-config.bench.yaml'),
    ],
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        APP_CONFIG_backend_baseUrl: baseUrl,
        APP_CONFIG_backend_listen_port: String(port),
        APP_CONFIG_backend_database_client: 'pg',
        APP_CONFIG_backend_database_connection: JSON.stringify({
          host: PG.host,
          port: PG.port,
          user: PG.user,
          ...(PG.password && { password: PG.password }),
        }),
        APP_CONFIG_backend_database_plugin_ml_connection_database: DB_NAME,
        APP_CONFIG_ml_redis_url: REDIS_URL,
        APP_CONFIG_ml_artifacts_local_directory: `/tmp/${DB_NAME}-artifacts`,
        APP_CONFIG_ml_training_workers: 'false',
        // The bench calls as one service principal; permissions stay off, on purpose.
        APP_CONFIG_ml_permissions_allowDisabled: 'true',
        // The portal routes need a caller: a static service token for this run only.
        APP_CONFIG_backend_auth_externalAccess: JSON.stringify([
          { type: 'static', options: { token: TOKEN, subject: 'ml-bench' } },
        ]),
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const keep = (chunk: Buffer) => {
    childLog.push(...chunk.toString().split('\n').filter(Boolean));
    if (childLog.length > 200) childLog.splice(0, childLog.length - 200);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  child.once('exit', (code, signal) => {
    childExited = true;
    if (!stopping) note(`backend exited (code ${code}, signal ${signal})`);
  });
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    if (childExited) throw new Error('The backend exited during start-up');
    if (Date.now() > deadline) {
      throw new Error(
        `The backend did not answer within ${STARTUP_TIMEOUT_MS} ms`,
      );
    }
    try {
      const response = await fetch(`${baseUrl}/api/ml/health`, {
        signal: AbortSignal.timeout(2000),
      });
      if (response.ok) return baseUrl;
    } catch {
      // not listening yet
    }
    await new Promise(r => setTimeout(r, 250));
  }
}

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

let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    if (child && !childExited) {
      stopping = true;
      const exited = new Promise<void>(r => child!.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child?.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    if (dbCreated) {
      await admin(db =>
        db.query(`DROP DATABASE IF EXISTS "${DB_NAME}" WITH (FORCE)`),
      ).catch(error => note(`dropping ${DB_NAME} failed: ${error}`));
      dbCreated = false;
    }
    const { rm } = await import('node:fs/promises');
    await rm(`/tmp/${DB_NAME}-artifacts`, { recursive: true, force: true });
  })();
  return cleaning;
}

async function main() {
  await admin(db => db.query(`CREATE DATABASE "${DB_NAME}"`));
  dbCreated = true;
  const baseUrl = await startBackend();
  note(`backend pid ${child!.pid} at ${baseUrl}; database ${DB_NAME}`);
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
    problems: problems.length,
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

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    note(`${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}
process.once('exit', () => {
  if (child && !childExited) child.kill('SIGKILL');
});

main().then(
  async ({ problems, figures }) => {
    await cleanup();
    log(JSON.stringify(figures));
    if (problems > 0) process.exitCode = 1;
  },
  async error => {
    process.stderr.write(`\nBenchmark failed: ${error?.stack ?? error}\n`);
    if (childLog.length > 0) {
      process.stderr.write(
        `--- last lines of the backend's output ---\n${childLog
          .slice(-40)
          .join('\n')}\n`,
      );
    }
    await cleanup();
    process.exitCode = 1;
  },
);
