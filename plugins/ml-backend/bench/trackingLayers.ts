/*
 * Where a tracking request's time goes, per layer, in process (a benchmark, not a test):
 *
 *   node --require @backstage/cli/config/nodeTransform.cjs plugins/ml-backend/bench/trackingLayers.ts
 *
 * For a log-batch of 1000 points (10 keys x 100 steps, bench:tracking's shape): the body's
 * depth check, JSON.parse, validation, and the store's write on a SQLite file and on a
 * scratch PostgreSQL database; for a 100k-point series: the store's read (as columns),
 * MLflow's JSON written from them, and its gzip at level 1 (what get-history sends) and at
 * level 6 (what Backstage's compression middleware would); for a 1M-point series, the
 * store's chart reduction to 1,000 points. Medians of the repeats; other work on the
 * machine skews them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import knexFactory, { Knex } from 'knex';
import { ML_MIGRATIONS_DIR } from '../src/database/migrateDatabase';
import { useWriteAheadLog } from '../src/database/sqliteJournal';
import { metricHistoryJson } from '../src/mlflow/serialize';
import { jsonNestsDeeperThan } from '../src/shared/strings';
import { MAX_JSON_DEPTH } from '../src/shared/jsonBody';
import { metricValidator } from '../src/shared/validation';
import { DatabaseTrackingStore } from '../src/tracking/DatabaseTrackingStore';
import { log, pgConnection, round } from './benchBackend';

const REQUESTS = 200;

const median = (samples: number[]) =>
  [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)];

function time(fn: () => void): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

async function timeAsync(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

let clock = Date.now();

/** `count` points of `key` from step `firstStep`, one step each. */
function points(key: string, firstStep: number, count: number) {
  return Array.from({ length: count }, (_, i) => ({
    key,
    value: Math.random(),
    timestamp: clock++,
    step: firstStep + i,
  }));
}

/** A log-batch body's metrics: 10 keys x 100 steps from `batch * 100`. */
function batchMetrics(batch: number) {
  const keys = Array.from({ length: 10 }, (_, k) =>
    points(`train/metric_${k}`, batch * 100, 100),
  );
  // Step-major, as a training loop logs them.
  return Array.from(
    { length: 1000 },
    (_, i) => keys[i % 10][Math.floor(i / 10)],
  );
}

async function storeFigures(name: string, knex: Knex) {
  await knex.migrate.latest({
    directory: ML_MIGRATIONS_DIR,
    tableName: 'ml_knex_migrations',
  });
  const store = DatabaseTrackingStore.create({ knex });
  const experimentId = await store.createExperiment({
    name: 'layers',
    owner: 'group:default/bench',
    artifactLocation: id => `mlflow-artifacts:/${id}`,
    tags: [],
  });
  const newRun = async () =>
    (
      await store.createRun({
        experimentId,
        runName: 'r',
        startTime: Date.now(),
        artifactUri: id => `mlflow-artifacts:/${experimentId}/${id}`,
        tags: [],
      })
    ).info.runId;
  const log1000 = async (runId: string, metrics: object[]) =>
    store.logBatch(runId, { metrics: metrics as any, params: [], tags: [] });

  const runId = await newRun();
  const writes: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const metrics = batchMetrics(i);
    writes.push(await timeAsync(() => log1000(runId, metrics)));
  }

  // One key, 1000 steps a request: 100k and 1M points.
  const series = async (length: number) => {
    const id = await newRun();
    for (let b = 0; b < length / 1000; b++) {
      await log1000(id, points('loss', b * 1000, 1000));
    }
    return id;
  };
  const run100k = await series(100_000);
  const history = await store.getMetricHistory(run100k, 'loss');
  const reads: number[] = [];
  for (let i = 0; i < 5; i++) {
    reads.push(await timeAsync(() => store.getMetricHistory(run100k, 'loss')));
  }
  const run1m = await series(1_000_000);
  const charts: number[] = [];
  for (let i = 0; i < 5; i++) {
    charts.push(
      await timeAsync(() => store.getMetricHistoryBuckets(run1m, 'loss', 500)),
    );
  }
  return {
    [`write_1000_points_ms_${name}`]: round(median(writes), 2),
    [`history_100k_read_ms_${name}`]: round(median(reads)),
    [`chart_1m_to_1000_ms_${name}`]: round(median(charts)),
    history,
  };
}

async function main() {
  const bodies = Array.from({ length: REQUESTS }, (_, i) =>
    JSON.stringify({ run_id: 'r', metrics: batchMetrics(i) }),
  );
  const parsed = bodies.map(body => JSON.parse(body));
  const buffers = bodies.map(body => Buffer.from(body));
  const depthCheck = median(
    buffers.map(body => time(() => jsonNestsDeeperThan(body, MAX_JSON_DEPTH))),
  );
  const parse = median(bodies.map(body => time(() => JSON.parse(body))));
  const validate = median(
    parsed.map(body => time(() => body.metrics.map(metricValidator()))),
  );

  const directory = mkdtempSync(join(tmpdir(), 'ml-layers-'));
  const sqlite = knexFactory({
    client: 'better-sqlite3',
    connection: { filename: join(directory, 'ml.sqlite') },
    useNullAsDefault: true,
  });
  // As the plugin opens its SQLite file.
  await useWriteAheadLog(sqlite);
  const admin = knexFactory({
    client: 'pg',
    connection: { ...pgConnection, database: 'postgres' },
  });
  const database = `ml_layers_${Date.now()}`;
  await admin.raw(`CREATE DATABASE ${database}`);
  const pg = knexFactory({
    client: 'pg',
    connection: { ...pgConnection, database },
  });
  try {
    const { history, ...sqliteFigures } = await storeFigures('sqlite', sqlite);
    const { history: _, ...pgFigures } = await storeFigures('pg', pg);
    let json = '';
    const serialize = median(
      [1, 2, 3].map(() =>
        time(() => {
          json = [...metricHistoryJson('loss', history)].join('');
        }),
      ),
    );
    const gzip = (level: number) =>
      median([1, 2, 3].map(() => time(() => gzipSync(json, { level }))));
    const figures = {
      depth_check_1000_points_ms: round(depthCheck, 2),
      parse_1000_points_ms: round(parse, 2),
      validate_1000_points_ms: round(validate, 2),
      ...sqliteFigures,
      ...pgFigures,
      history_100k_serialize_ms: round(serialize),
      history_100k_gzip_ms: round(gzip(1)),
      history_100k_gzip6_ms: round(gzip(6)),
      history_100k_json_mb: round(json.length / 1e6),
    };
    for (const [key, value] of Object.entries(figures)) {
      log(`${key}: ${value}`);
    }
    log(JSON.stringify(figures));
  } finally {
    await sqlite.destroy();
    await pg.destroy();
    await admin.raw(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.destroy();
    rmSync(directory, { recursive: true, force: true });
  }
}

main().catch(error => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exitCode = 1;
});
