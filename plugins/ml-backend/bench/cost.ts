/*
 * npm run bench:cost — GPU spend at scale on PostgreSQL: loads 10 million usage rows,
 * builds the rollups from them (the backfill), then times the per-team monthly spend
 * query, the cost page's API call (GET /cost/summary over HTTP through the real router,
 * without Backstage's auth middleware) and the incremental rollup maintenance per usage
 * row recorded the way metering records it; and how fast a 200k-line CUR is parsed as
 * it streams. Prints one line per figure, then one JSON object. Creates and drops its
 * own database; only 127.0.0.1 is contacted.
 *
 *   BENCH_COST_ROWS=1000000 npm run bench:cost   # a smaller run
 */
import { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { ConfigReader } from '@backstage/config';
import express from 'express';
import { CostService } from '../src/cost/CostService';
import { UsageRecord } from '../src/cost/CostStore';
import { DatabaseCostStore, toUsageRow } from '../src/cost/DatabaseCostStore';
import { parseBill } from '../src/cost/imports';
import { PriceBook } from '../src/cost/priceBook';
import { createCostRouter } from '../src/cost/router';
import { openAccess } from '../src/__testUtils__/access';
import { Caller } from '../src/shared/caller';
import { readPools } from '../src/shared/pools';
import { withScratchDatabase } from './scratchDatabase';
import { mockServices } from '@backstage/backend-test-utils';

const ROWS = Number(process.env.BENCH_COST_ROWS ?? 10_000_000);
const TEAMS = ['vision', 'recsys', 'nlp', 'search', 'ads'].map(
  t => `group:default/${t}`,
);
const POOLS: Array<[name: string, gpuType: string, spot: boolean]> = [
  ['h100', 'H100', false],
  ['a100', 'A100-80GB', false],
  ['a100-spot', 'A100-80GB', true],
  ['l4', 'L4', false],
];
const DAYS = 365;
const MONTH = '2026-06';
const log = (line: string) => process.stdout.write(`${line}\n`);
const p50 = (samples: number[]) =>
  [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)];
const round = (n: number, digits = 1) => Number(n.toFixed(digits));

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now();
  const result = await fn();
  return [performance.now() - started, result];
}

/**
 * A bill import's parsing: a generated CUR of `lines` lines (a quarter of them GPU
 * instance hours, one quoted description each) streamed through parseBill in 64 kB
 * chunks, as a file or an upload arrives. Rows per second.
 */
async function curImportRowsPerSecond(lines = 200_000) {
  const columns =
    'lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/UsageType,lineItem/ResourceId,lineItem/CurrencyCode,lineItem/UnblendedCost,lineItem/LineItemDescription,product/instanceType,resourceTags/user:team';
  const rows = Array.from({ length: lines }, (_, i) => {
    const gpu = i % 4 === 0;
    const hour = String(i % 24).padStart(2, '0');
    return [
      '444455556666',
      'Usage',
      `2026-05-04T${hour}:00:00Z`,
      `2026-05-04T${hour}:59:59Z`,
      gpu ? 'AmazonEC2' : 'AmazonS3',
      gpu ? 'USE1-BoxUsage:p4d.24xlarge' : 'USE1-Requests-Tier1',
      `i-${i % 500}`,
      'USD',
      '1.2345',
      '"$32.77 per On Demand Linux p4d.24xlarge Instance Hour, ""On Demand"""',
      gpu ? 'p4d.24xlarge' : '',
      TEAMS[i % TEAMS.length].split('/')[1],
    ].join(',');
  });
  const file = Buffer.from(`${[columns, ...rows].join('\n')}\n`);
  const chunks = Array.from(
    { length: Math.ceil(file.length / 65_536) },
    (_, i) => file.subarray(i * 65_536, (i + 1) * 65_536),
  );
  const [ms, billed] = await timed(() =>
    parseBill('aws-cur', Readable.from(chunks)),
  );
  log(
    `CUR import: ${lines} lines (${round(
      file.length / 1e6,
    )} MB) parsed as they stream in ${Math.round(ms)} ms: ${Math.round(
      lines / (ms / 1000),
    )} rows/s, ${billed.length} billed lines kept`,
  );
  return Math.round(lines / (ms / 1000));
}

async function main() {
  return withScratchDatabase('ml_bench_cost', async ({ db }) => {
    // Usage as metering writes it: a row per attempt and UTC day, over a year, 5 teams,
    // 4 pools, 200k jobs. Generated in PostgreSQL, a million rows per statement.
    const pools = `(ARRAY[${POOLS.map(p => `'${p[0]}'`).join(',')}])`;
    const types = `(ARRAY[${POOLS.map(p => `'${p[1]}'`).join(',')}])`;
    const spots = `(ARRAY[${POOLS.map(p => p[2]).join(',')}])`;
    const teams = `(ARRAY[${TEAMS.map(t => `'${t}'`).join(',')}])`;
    const [loadMs] = await timed(async () => {
      for (let from = 0; from < ROWS; from += 1_000_000) {
        const to = Math.min(ROWS, from + 1_000_000) - 1;
        await db.raw(`
          INSERT INTO ml_usage (source, attempt_id, job_id, team, pool, provider, region, gpu_type, gpus, spot,
            experiment_id, run_id, day, month, start_ms, end_ms, gpu_seconds, cost_micros, list_cost_micros)
          SELECT 'training', 'a-' || i, 'job-' || (i % 200000), ${teams}[1 + i % 5], ${pools}[1 + (i / 5) % 4], 'aws', 'us-east-1',
                 ${types}[1 + (i / 5) % 4], 1 + i % 8, ${spots}[1 + (i / 5) % 4], (i % 500)::text, 'run-' || (i % 200000),
                 to_char(d, 'YYYY-MM-DD'), to_char(d, 'YYYY-MM'),
                 extract(epoch from d)::bigint * 1000, extract(epoch from d)::bigint * 1000 + 3600000,
                 3600 * (1 + i % 8), 1000000 + (i % 7919) * 1000, 1500000 + (i % 7919) * 1000
          FROM generate_series(${from}, ${to}) AS i,
               LATERAL (SELECT date '2026-01-01' + (i % ${DAYS}) AS d) AS days`);
        process.stderr.write(`[bench] loaded ${to + 1} usage rows\n`);
      }
    });
    log(
      `load: ${ROWS.toLocaleString('en-US')} usage rows in ${round(
        loadMs / 1000,
      )} s`,
    );

    // The backfill: both rollups from usage in one statement each (what metering keeps up to date).
    const [backfillMs] = await timed(async () => {
      await db.raw(`INSERT INTO ml_cost_daily (day, month, team, source, pool, gpu_type, spot, gpu_seconds, cost_micros, list_cost_micros)
        SELECT day, month, team, source, pool, gpu_type, spot, sum(gpu_seconds), sum(cost_micros), sum(list_cost_micros)
        FROM ml_usage GROUP BY day, month, team, source, pool, gpu_type, spot`);
      for (const [kind, column] of [
        ['job', 'job_id'],
        ['run', 'run_id'],
        ['experiment', 'experiment_id'],
      ])
        await db.raw(`INSERT INTO ml_cost_monthly_items (month, kind, item_id, team, gpu_seconds, cost_micros, list_cost_micros)
          SELECT month, '${kind}', ${column}, min(team), sum(gpu_seconds), sum(cost_micros), sum(list_cost_micros)
          FROM ml_usage GROUP BY month, ${column}`);
      await db.raw('ANALYZE');
    });
    const dailyRows = Number(
      (await db('ml_cost_daily').count({ n: '*' }).first())?.n,
    );
    log(
      `rollups: built from usage in ${round(
        backfillMs / 1000,
      )} s (${dailyRows.toLocaleString('en-US')} daily rows)`,
    );

    const store = DatabaseCostStore.create({ knex: db });
    const configReader = new ConfigReader({
      ml: {
        training: {
          pools: POOLS.map(([pool, gpuType, spot]) => ({
            name: pool,
            target: 'kubernetes',
            provider: 'aws',
            gpuType,
            spot,
          })),
        },
      },
    });
    const pricedPools = readPools(configReader);
    // Quiet: the bench prints its own lines.
    const logger = mockServices.rootLogger({ level: 'none' });
    const cost = new CostService({
      store,
      priceBook: PriceBook.fromConfig(configReader, pricedPools),
      pools: pricedPools,
      budgets: TEAMS.map(team => ({
        team,
        amountMicros: 50_000_000_000,
        thresholds: [0.8, 1],
        hard: false,
      })),
      logger,
      // Permissions off: the bench measures the queries, not a policy.
      access: openAccess(),
    });

    const spendSamples: number[] = [];
    let teamCount = 0;
    for (let i = 0; i < 50; i++) {
      const [ms, rows] = await timed(() =>
        store.spend(['team'], { months: [MONTH] }),
      );
      spendSamples.push(ms);
      teamCount = rows.length;
    }
    log(
      `spend per team for ${MONTH} (${teamCount} teams): p50 ${round(
        p50(spendSamples),
        2,
      )} ms over 50 queries`,
    );

    const caller: Caller = {
      credentials: undefined as never,
      kind: 'service',
      userId: 'ml-bench',
      groups: [],
      owner: TEAMS[0],
    };
    const app = express().use(
      '/api/ml',
      createCostRouter({ cost, resolveCaller: async () => caller }),
    );
    const server = app.listen(0, '127.0.0.1');
    await new Promise(r => server.once('listening', r));
    const url = `http://127.0.0.1:${
      (server.address() as AddressInfo).port
    }/api/ml/cost/summary?month=${MONTH}`;
    const apiSamples: number[] = [];
    for (let i = 0; i < 30; i++) {
      const [ms, status] = await timed(async () => {
        const res = await fetch(url);
        await res.json();
        return res.status;
      });
      if (status !== 200) throw new Error(`summary answered ${status}`);
      apiSamples.push(ms);
    }
    server.close();
    log(
      `GET /cost/summary?month=${MONTH}: p50 ${round(
        p50(apiSamples),
        2,
      )} ms over 30 calls`,
    );

    // Rollup maintenance: the same rows recorded with and without their rollup upserts,
    // three day-slices per attempt as an attempt crossing two midnights leaves.
    const N = 30_000;
    const records = (prefix: string): UsageRecord[] =>
      Array.from({ length: N }, (_, i) => ({
        source: 'training',
        attemptId: `${prefix}-${Math.floor(i / 3)}`,
        jobId: `${prefix}-job-${Math.floor(i / 3)}`,
        team: TEAMS[i % 5],
        pool: POOLS[i % 4][0],
        gpuType: POOLS[i % 4][1],
        gpus: 8,
        spot: POOLS[i % 4][2],
        day: `2026-07-${String(1 + (i % 28)).padStart(2, '0')}`,
        month: '2026-07',
        startMs: Date.parse('2026-07-01T00:00:00Z') + i,
        endMs: Date.parse('2026-07-01T00:00:00Z') + i + 3_600_000,
        gpuSeconds: 28_800,
        costMicros: 64_000_000,
        listCostMicros: 64_000_000,
      }));
    const perAttempt = (rows: UsageRecord[]) =>
      Array.from({ length: N / 3 }, (_, i) => rows.slice(i * 3, i * 3 + 3));
    const [withMs] = await timed(async () => {
      for (const slices of perAttempt(records('with')))
        await db.transaction(tx => store.insertUsage(tx, slices));
    });
    const [withoutMs] = await timed(async () => {
      for (const slices of perAttempt(records('without')))
        await db.transaction(tx =>
          tx('ml_usage').insert(slices.map(toUsageRow)),
        );
    });
    const rollupUs = ((withMs - withoutMs) * 1000) / N;
    log(
      `recording usage: ${round(
        (withMs * 1000) / N,
      )} µs per row with rollups, ${round(
        (withoutMs * 1000) / N,
      )} µs without: rollups cost ${round(rollupUs)} µs per usage row`,
    );

    const curRowsPerS = await curImportRowsPerSecond();

    return {
      cur_import_rows_per_s: curRowsPerS,
      spend_query_p50_ms: round(p50(spendSamples), 2),
      cost_api_p50_ms: round(p50(apiSamples), 2),
      rollup_us_per_usage_row: round(rollupUs),
      usage_rows: ROWS,
    };
  });
}

main().then(
  result => log(JSON.stringify(result)),
  error => {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exit(1);
  },
);
