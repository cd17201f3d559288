/*
 * Benchmark (not a test) of the MLflow-compatible tracking API of the ml backend plugin.
 *
 *   npm run bench:tracking            (from the repository root)
 *
 * This process is the load generator. It creates a fresh PostgreSQL database
 * `ml_bench_<timestamp>`, starts the backend with only the ml plugin (bench/server.ts)
 * as a child process on a free 127.0.0.1 port, drives it over HTTP, and at the end kills
 * the child and drops the database, on failure and on Ctrl-C too (ML_BENCH_KEEP_DB=1
 * keeps the database for EXPLAIN ANALYZE afterwards; its name is printed).
 *
 * Bulk data for the read figures (100k- and 1M-point series, 100k runs) is written
 * straight into PostgreSQL: the series as the store's chunks and tiers (encoded here by
 * src/tracking/metricChunks.ts, multi-row INSERTs), the runs with INSERT ... SELECT
 * generate_series; then VACUUM ANALYZE. Last, a second backend on SQLite (a file, the
 * embedded default) measures 1-client ingest there.
 *
 * Prerequisites: PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth; PGPORT,
 * PGUSER, PGPASSWORD are honoured) and Redis (REDIS_URL, default redis://127.0.0.1:6379).
 *
 * Prints one labelled line per figure, then, as the last line, one JSON object with the
 * keys ingest_points_per_s_c1, ingest_points_per_s_c4, history_100k_ms (to the answer's
 * last byte), history_100k_parsed_ms (with the client's gunzip and JSON.parse),
 * history_1m_downsampled_ms, search_100k_runs_ms, copy_rows_per_s, backend_rss_mb,
 * ingest_points_per_s_sqlite_c1.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { Agent, request } from 'node:http';
import {
  adminClient,
  BenchBackend,
  log,
  note,
  round,
  runBench,
  stopRunningBackend,
} from './benchBackend';
import { chunkRows, Point, tierRows } from '../src/tracking/metricChunks';

// Workload sizes (bounded; the whole run stays within a few minutes on 2 cores).
const POINTS_PER_REQUEST = 1000; // 10 keys x 100 steps
const KEYS_PER_REQUEST = 10;
const STEPS_PER_REQUEST = POINTS_PER_REQUEST / KEYS_PER_REQUEST;
const C1_REQUESTS = 200; // 200k points, 1 client
const C4_CLIENTS = 4;
const C4_REQUESTS_PER_CLIENT = 100; // 4 x 100k points
const WARMUP_REQUESTS = 100; // until the server's hot paths are compiled
const HISTORY_POINTS = 100_000;
const DOWNSAMPLED_POINTS = 1_000_000;
const SEARCH_RUNS = 100_000;
const SAMPLES = 5;
const RSS_INTERVAL_MS = 200;
const REQUEST_TIMEOUT_MS = 120_000;
const WATCHDOG_MS = 10 * 60_000; // a hard stop; a normal run takes about 1 minute

const runStamp = new Date()
  .toISOString()
  .replace(/[-:T]/g, '')
  .replace(/\..*/, '');
let backend: BenchBackend;

// ---------------------------------------------------------------------------------
// Helpers

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });

function p50(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function readRssMb(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) the process has used so far. */
function readCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the comm.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** CPU seconds of all `postgres` processes (the server is shared: approximate). */
function postgresCpuSeconds(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') {
        continue;
      }
    } catch {
      continue;
    }
    total += readCpuSeconds(Number(entry)) ?? 0;
  }
  return total;
}

/** Samples the child's RSS every 200 ms until stopped; returns the maximum seen. */
function sampleRss(pid: number) {
  let max = readRssMb(pid) ?? 0;
  const timer = setInterval(() => {
    const rss = readRssMb(pid);
    if (rss !== undefined && rss > max) max = rss;
  }, RSS_INTERVAL_MS);
  return {
    stop(): number {
      clearInterval(timer);
      const rss = readRssMb(pid);
      if (rss !== undefined && rss > max) max = rss;
      return max;
    },
  };
}

// ---------------------------------------------------------------------------------
// HTTP client

const MLFLOW = '/api/ml/mlflow/api/2.0/mlflow';

async function http(
  method: 'GET' | 'POST',
  path: string,
  body?: string | object,
): Promise<any> {
  if (!backend.isRunning) throw new Error('The bench backend has exited');
  const response = await fetch(`${backend.baseUrl}${path}`, {
    method,
    headers: {
      ...backend.authorization,
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    body: typeof body === 'object' ? JSON.stringify(body) : body,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(
      `${method} ${path} answered ${response.status}: ${text.slice(0, 500)}`,
    );
  }
  return JSON.parse(text);
}

/**
 * The ingest loop's and the history's requests: node:http on a keep-alive agent rather
 * than fetch, whose per-request work (web streams, a Response object) took a large
 * share of the two cores the backend and PostgreSQL share with this process. Same bytes
 * on the wire. Answers the body as it came (compressed if the server chose so) and the
 * time its last byte arrived.
 */
const agent = new Agent({ keepAlive: true });

function rawRequest(
  method: 'GET' | 'POST',
  path: string,
  headers: Record<string, string | number>,
  body?: string,
): Promise<{ body: Buffer; encoding?: string; lastByteAt: number }> {
  if (!backend.isRunning) throw new Error('The bench backend has exited');
  return new Promise((resolveRequest, reject) => {
    const req = request(
      `${backend.baseUrl}${path}`,
      {
        method,
        agent,
        headers: { ...backend.authorization, ...headers },
        timeout: REQUEST_TIMEOUT_MS,
      },
      response => {
        const parts: Buffer[] = [];
        response.on('data', part => parts.push(part));
        response.on('end', () => {
          const lastByteAt = performance.now();
          const answer = Buffer.concat(parts);
          if (response.statusCode === 200) {
            resolveRequest({
              body: answer,
              encoding: response.headers['content-encoding'],
              lastByteAt,
            });
          } else {
            reject(
              new Error(
                `${method} ${path} answered ${response.statusCode}: ${answer
                  .toString()
                  .slice(0, 500)}`,
              ),
            );
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${path} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

async function postBody(path: string, body: string): Promise<void> {
  await rawRequest(
    'POST',
    path,
    {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    },
    body,
  );
}

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const start = performance.now();
  const result = await fn();
  return [performance.now() - start, result];
}

/** One warm-up call, then `SAMPLES` timed calls; each result is checked. */
async function measure<T>(
  fn: () => Promise<T>,
  check: (result: T) => void,
): Promise<number[]> {
  check(await fn());
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const [ms, result] = await timed(fn);
    check(result);
    samples.push(ms);
  }
  return samples;
}

// ---------------------------------------------------------------------------------
// Workload

let timestampClock = Date.now() - 10_000_000_000;

/** A log-batch body: KEYS_PER_REQUEST keys x STEPS_PER_REQUEST steps, distinct timestamps. */
function batchBody(runId: string, batchIndex: number): string {
  const metrics = new Array(POINTS_PER_REQUEST);
  let i = 0;
  for (let s = 0; s < STEPS_PER_REQUEST; s++) {
    const step = batchIndex * STEPS_PER_REQUEST + s;
    for (let k = 0; k < KEYS_PER_REQUEST; k++) {
      metrics[i++] = {
        key: `train/metric_${k}`,
        value: Math.random(),
        timestamp: timestampClock++,
        step,
      };
    }
  }
  return JSON.stringify({ run_id: runId, metrics });
}

async function createExperiment(name: string): Promise<string> {
  const { experiment_id } = await http('POST', `${MLFLOW}/experiments/create`, {
    name,
  });
  return experiment_id;
}

async function createRun(
  experimentId: string,
  runName: string,
): Promise<string> {
  const { run } = await http('POST', `${MLFLOW}/runs/create`, {
    experiment_id: experimentId,
    run_name: runName,
    start_time: Date.now(),
  });
  return run.info.run_id;
}

async function ingest(
  runIds: string[],
  requestsPerClient: number,
): Promise<{
  points: number;
  seconds: number;
  rssMb: number;
  cpuSeconds?: number;
  pgCpuSeconds: number;
}> {
  // Bodies are built before the clock starts: the figure is the server's rate.
  const bodies = runIds.map(runId =>
    Array.from({ length: requestsPerClient }, (_, i) => batchBody(runId, i)),
  );
  const pid = backend.pid;
  const cpuBefore = readCpuSeconds(pid);
  const pgCpuBefore = postgresCpuSeconds();
  const rss = sampleRss(pid);
  const start = performance.now();
  let rssMb = 0;
  try {
    await Promise.all(
      bodies.map(async clientBodies => {
        for (const body of clientBodies) {
          await postBody(`${MLFLOW}/runs/log-batch`, body);
        }
      }),
    );
  } finally {
    rssMb = rss.stop();
  }
  const seconds = (performance.now() - start) / 1000;
  const cpuAfter = readCpuSeconds(pid);
  const pgCpuSeconds = postgresCpuSeconds() - pgCpuBefore;
  return {
    points: runIds.length * requestsPerClient * POINTS_PER_REQUEST,
    seconds,
    rssMb,
    cpuSeconds:
      cpuBefore !== undefined && cpuAfter !== undefined
        ? cpuAfter - cpuBefore
        : undefined,
    pgCpuSeconds,
  };
}

/** Multi-row INSERTs of `rows` (objects of the same columns), `perStatement` rows each. */
async function insertRows(
  db: any,
  table: string,
  rows: Array<Record<string, unknown>>,
  perStatement: number,
) {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]);
  for (let i = 0; i < rows.length; i += perStatement) {
    const batch = rows.slice(i, i + perStatement);
    const values: unknown[] = [];
    const tuples = batch.map(row => {
      const marks = columns.map(column => {
        values.push(row[column]);
        return `$${values.length}`;
      });
      return `(${marks.join(', ')})`;
    });
    await db.query(
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(
        ', ',
      )}`,
      values,
    );
  }
}

/**
 * A series of `count` points (step i, time t0 + i, a random value) as the store keeps
 * it: chunks, tiers and its latest value; in one transaction.
 */
async function loadSeries(
  db: any,
  runId: string,
  key: string,
  count: number,
  t0: number,
) {
  const points: Point[] = Array.from({ length: count }, (_, i) => ({
    step: i,
    timestamp: t0 + i,
    value: Math.random(),
  }));
  const series = { run_uuid: runId, key };
  await db.query('BEGIN');
  await insertRows(
    db,
    'ml_metric_chunks',
    chunkRows(points).map(row => ({ ...series, ...row })),
    16,
  );
  await insertRows(
    db,
    'ml_metric_tiers',
    tierRows(points).map(row => ({ ...series, ...row })),
    1000,
  );
  const last = points[points.length - 1];
  await insertRows(
    db,
    'ml_latest_metrics',
    [
      {
        ...series,
        value: last.value,
        is_nan: false,
        timestamp: last.timestamp,
        step: last.step,
      },
    ],
    1,
  );
  await db.query('COMMIT');
}

/** 1-client ingest on a second backend whose plugin database is a SQLite file. */
async function sqliteIngest(): Promise<number> {
  const directory = mkdtempSync(join(tmpdir(), 'ml-bench-sqlite-'));
  try {
    backend = await BenchBackend.start({
      databasePrefix: 'ml_bench_unused',
      logLevel: 'warn',
      env: {
        APP_CONFIG_ml_mlflow_allowUnauthenticated: 'true',
        APP_CONFIG_backend_database_client: 'better-sqlite3',
        APP_CONFIG_backend_database_connection: JSON.stringify({ directory }),
      },
    });
    const experiment = await createExperiment(`bench-sqlite-${runStamp}`);
    const warmRun = await createRun(experiment, 'warmup');
    for (let i = 0; i < WARMUP_REQUESTS; i++) {
      await http('POST', `${MLFLOW}/runs/log-batch`, batchBody(warmRun, i));
    }
    const run = await createRun(experiment, 'ingest-sqlite-c1');
    const c1 = await ingest([run], C1_REQUESTS);
    const rate = c1.points / c1.seconds;
    const { metrics } = await http(
      'GET',
      `${MLFLOW}/metrics/get-history?run_id=${run}&metric_key=train/metric_0`,
    );
    if (metrics?.length !== c1.points / KEYS_PER_REQUEST) {
      throw new Error(
        `SQLite: expected ${
          c1.points / KEYS_PER_REQUEST
        } points of a key, found ${metrics?.length}`,
      );
    }
    log(
      `ingest_points_per_s_sqlite_c1: ${fmt(c1.points)} points in ${fmt(
        c1.seconds,
        2,
      )} s ` +
        `(${C1_REQUESTS} log-batch requests x ${POINTS_PER_REQUEST} points, 1 client, 1 run, ` +
        `plugin database a SQLite file; backend CPU ${fmt(
          c1.cpuSeconds ?? NaN,
          1,
        )} s, RSS max ${fmt(c1.rssMb, 1)} MB) = ${fmt(rate)} points/s`,
    );
    return rate;
  } finally {
    await backend?.stop();
    rmSync(directory, { recursive: true, force: true });
  }
}

async function main(): Promise<Record<string, number>> {
  const watchdog = setTimeout(() => {
    note(`watchdog: still running after ${WATCHDOG_MS / 60000} minutes`);
    void stopRunningBackend().finally(() => process.exit(2));
  }, WATCHDOG_MS);
  watchdog.unref();

  const totalStart = performance.now();
  note(
    `${cpus().length} CPUs, load average ${loadavg()
      .map(l => l.toFixed(2))
      .join(' ')} at start (other work on the machine skews the figures)`,
  );
  const [startMs] = await timed(async () => {
    backend = await BenchBackend.start({
      databasePrefix: 'ml_bench',
      logLevel: 'warn',
      env: { APP_CONFIG_ml_mlflow_allowUnauthenticated: 'true' },
    });
  });
  note(`database ${backend.database}`);
  note(
    `backend pid ${backend.pid} listening at ${backend.baseUrl} after ${fmt(
      startMs,
    )} ms`,
  );
  const db = await adminClient(backend.database);
  try {
    // -- 1. Ingest through log-batch -------------------------------------------------
    const ingestExperiment = await createExperiment(`bench-ingest-${runStamp}`);
    const warmRun = await createRun(ingestExperiment, 'warmup');
    for (let i = 0; i < WARMUP_REQUESTS; i++) {
      await http('POST', `${MLFLOW}/runs/log-batch`, batchBody(warmRun, i));
    }
    const rssIdleMb = readRssMb(backend.pid) ?? 0;

    const c1Run = await createRun(ingestExperiment, 'ingest-c1');
    const c1 = await ingest([c1Run], C1_REQUESTS);
    const c1Rate = c1.points / c1.seconds;
    log(
      `ingest c1: ${fmt(c1.points)} points in ${fmt(c1.seconds, 2)} s ` +
        `(${C1_REQUESTS} log-batch requests x ${POINTS_PER_REQUEST} points, 1 client, 1 run; ` +
        `CPU: backend ${fmt(c1.cpuSeconds ?? NaN, 1)} s, PostgreSQL ${fmt(
          c1.pgCpuSeconds,
          1,
        )} s) = ${fmt(c1Rate)} points/s`,
    );

    const c4Runs: string[] = [];
    for (let c = 0; c < C4_CLIENTS; c++) {
      c4Runs.push(await createRun(ingestExperiment, `ingest-c4-${c}`));
    }
    const c4 = await ingest(c4Runs, C4_REQUESTS_PER_CLIENT);
    const c4Rate = c4.points / c4.seconds;
    log(
      `ingest c4: ${fmt(c4.points)} points in ${fmt(c4.seconds, 2)} s ` +
        `(${C4_CLIENTS} concurrent clients x ${C4_REQUESTS_PER_CLIENT} requests x ${POINTS_PER_REQUEST} points, one run each; ` +
        `CPU: backend ${fmt(c4.cpuSeconds ?? NaN, 1)} s, PostgreSQL ${fmt(
          c4.pgCpuSeconds,
          1,
        )} s) = ${fmt(c4Rate)} points/s`,
    );
    const rssMb = Math.max(c1.rssMb, c4.rssMb);
    log(
      `backend RSS: max ${fmt(rssMb, 1)} MB during ingest (VmRSS of pid ${
        backend.pid
      } every ${RSS_INTERVAL_MS} ms; ${fmt(rssIdleMb, 1)} MB after warm-up)`,
    );

    // Sanity: every point landed.
    const { rows: landed } = await db.query(
      'SELECT sum(point_count)::int AS n FROM ml_metric_chunks WHERE run_uuid = ANY($1)',
      [[c1Run, ...c4Runs]],
    );
    if (landed[0].n !== c1.points + c4.points) {
      throw new Error(
        `Expected ${c1.points + c4.points} metric points, found ${landed[0].n}`,
      );
    }

    // -- 2. Bulk loads straight into PostgreSQL ------------------------------------
    const readExperiment = await createExperiment(`bench-read-${runStamp}`);
    const run1m = await createRun(readExperiment, 'history-1m');
    const run100k = await createRun(readExperiment, 'history-100k');
    const t0 = Date.now() - 1_000_000_000;

    // 2a. 1M points as chunks and tiers: the bulk-load figure and the downsampling input.
    const [loadMs] = await timed(() =>
      loadSeries(db, run1m, 'loss', DOWNSAMPLED_POINTS, t0),
    );
    const copyRate = DOWNSAMPLED_POINTS / (loadMs / 1000);
    log(
      `copy_rows_per_s: ${fmt(DOWNSAMPLED_POINTS)} points in ${fmt(
        loadMs,
      )} ms into ml_metric_chunks and ml_metric_tiers ` +
        `(encoded in this process by the store's chunk code, multi-row INSERTs in one transaction; ` +
        `points per second, as the rows of one point each were before) = ${fmt(
          copyRate,
        )} points/s`,
    );

    // 2b. 100k points for get-history.
    await loadSeries(db, run100k, 'loss', HISTORY_POINTS, t0);

    // 2c. 100k runs with param p1 and latest metric m1 for search.
    const searchExperiment = await createExperiment(`bench-search-${runStamp}`);
    const [searchLoadMs] = await timed(async () => {
      const series = `FROM generate_series(1, $1::int) AS i`;
      const uuid = `md5('bench-run-' || i)`;
      await db.query(
        `INSERT INTO ml_runs (run_uuid, experiment_id, name, user_id, status, start_time,
                              end_time, lifecycle_stage, artifact_uri)
         SELECT ${uuid}, $2::int, 'run-' || i, 'ml-bench', 'FINISHED', $3::bigint + i,
                $3::bigint + i + 1000, 'active',
                'mlflow-artifacts:/' || $2::text || '/' || ${uuid} || '/artifacts'
         ${series}`,
        [SEARCH_RUNS, Number(searchExperiment), t0],
      );
      await db.query(
        `INSERT INTO ml_params (run_uuid, key, value)
         SELECT ${uuid}, 'p1', CASE WHEN random() < 0.5 THEN 'a' ELSE 'b' END ${series}`,
        [SEARCH_RUNS],
      );
      await db.query(
        `INSERT INTO ml_run_tags (run_uuid, key, value)
         SELECT ${uuid}, 'mlflow.runName', 'run-' || i ${series}`,
        [SEARCH_RUNS],
      );
      await db.query(
        `INSERT INTO ml_latest_metrics (run_uuid, key, value, is_nan, timestamp, step)
         SELECT ${uuid}, 'm1', random(), false, $2::bigint + i, 0 ${series}`,
        [SEARCH_RUNS, t0],
      );
    });
    const [vacuumMs] = await timed(() =>
      db.query(
        'VACUUM (ANALYZE) ml_metric_chunks, ml_metric_tiers, ml_latest_metrics, ml_runs, ml_params, ml_run_tags',
      ),
    );
    note(
      `loaded ${fmt(SEARCH_RUNS)} runs in ${fmt(
        searchLoadMs,
      )} ms; VACUUM ANALYZE ${fmt(vacuumMs)} ms`,
    );

    // -- 3. Reads ---------------------------------------------------------------------
    // Timed to the answer's last byte, as a server's latency is; the client's gunzip
    // and JSON.parse of the 8 MB (on the same two cores) are timed apart.
    const historyPath = `${MLFLOW}/metrics/get-history?run_id=${run100k}&metric_key=loss`;
    const historySamples: number[] = [];
    const historyParsedSamples: number[] = [];
    for (let i = 0; i <= SAMPLES; i++) {
      const start = performance.now();
      const answer = await rawRequest('GET', historyPath, {
        'accept-encoding': 'gzip, deflate',
      });
      const text = (
        answer.encoding === 'gzip' ? gunzipSync(answer.body) : answer.body
      ).toString();
      const result = JSON.parse(text);
      const parsedAt = performance.now();
      if (result.metrics?.length !== HISTORY_POINTS) {
        throw new Error(
          `get-history returned ${result.metrics?.length} points`,
        );
      }
      if (i === 0) continue; // warm-up
      historySamples.push(answer.lastByteAt - start);
      historyParsedSamples.push(parsedAt - start);
    }
    const historyMs = p50(historySamples);
    const historyParsedMs = p50(historyParsedSamples);
    log(
      `history_100k_ms: p50 ${fmt(
        historyMs,
        1,
      )} ms to the last byte of ${SAMPLES} metrics/get-history calls on a ` +
        `${fmt(
          HISTORY_POINTS,
        )}-point metric (bulk-loaded as chunks; gzip asked, as MLflow's client does) ` +
        `[${historySamples
          .map(s => fmt(s, 0))
          .join(', ')}]; with the client's gunzip and JSON.parse p50 ${fmt(
          historyParsedMs,
          1,
        )} ms`,
    );

    const downsampledSamples = await measure(
      () =>
        http(
          'GET',
          `/api/ml/runs/${run1m}/metric-history?key=loss&maxPoints=1000`,
        ),
      result => {
        if (
          result.totalPoints !== DOWNSAMPLED_POINTS ||
          !result.downsampled ||
          result.points.length > 1000 ||
          result.points.length < 2
        ) {
          throw new Error(
            `metric-history returned ${result.points?.length} of ${result.totalPoints} points`,
          );
        }
      },
    );
    const downsampledMs = p50(downsampledSamples);
    log(
      `history_1m_downsampled_ms: p50 ${fmt(
        downsampledMs,
        1,
      )} ms of ${SAMPLES} ` +
        `GET /api/ml/runs/:runId/metric-history?maxPoints=1000 calls on a ${fmt(
          DOWNSAMPLED_POINTS,
        )}-point metric ` +
        `[${downsampledSamples.map(s => fmt(s, 0)).join(', ')}]`,
    );

    const filter = "metrics.m1 > 0.5 and params.p1 = 'a'";
    const searchSamples = await measure(
      () =>
        http('POST', `${MLFLOW}/runs/search`, {
          experiment_ids: [searchExperiment],
          filter,
          max_results: 100,
        }),
      result => {
        const runs: any[] = result.runs ?? [];
        const ok =
          runs.length === 100 &&
          result.next_page_token &&
          runs.every(
            run =>
              run.data.params.some(
                (p: any) => p.key === 'p1' && p.value === 'a',
              ) &&
              run.data.metrics.some(
                (m: any) => m.key === 'm1' && m.value > 0.5,
              ),
          );
        if (!ok)
          throw new Error(
            `runs/search returned ${runs.length} runs or wrong ones`,
          );
      },
    );
    const searchMs = p50(searchSamples);
    log(
      `search_100k_runs_ms: p50 ${fmt(
        searchMs,
        1,
      )} ms of ${SAMPLES} runs/search calls, ` +
        `filter "${filter}", max_results 100, over ${fmt(SEARCH_RUNS)} runs ` +
        `[${searchSamples.map(s => fmt(s, 0)).join(', ')}]`,
    );

    await db.end();
    await backend.stop();
    const sqliteRate = await sqliteIngest();

    note(`measured in ${fmt((performance.now() - totalStart) / 1000, 1)} s`);
    return {
      ingest_points_per_s_c1: Math.round(c1Rate),
      ingest_points_per_s_c4: Math.round(c4Rate),
      history_100k_ms: round(historyMs),
      history_100k_parsed_ms: round(historyParsedMs),
      history_1m_downsampled_ms: round(downsampledMs),
      search_100k_runs_ms: round(searchMs),
      copy_rows_per_s: Math.round(copyRate),
      backend_rss_mb: round(rssMb),
      ingest_points_per_s_sqlite_c1: Math.round(sqliteRate),
    };
  } finally {
    await db.end().catch(() => {});
  }
}

runBench(async () => ({ figures: await main() }));
