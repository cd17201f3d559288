import { Metric } from '@ml-portal/plugin-ml-common';
import { Knex } from 'knex';
import { createHash } from 'node:crypto';
import { chunks } from '../database/chunks';
import {
  addPoint,
  chunkRows,
  comparePoints,
  allocateColumns,
  chunkPointCount,
  copyChunk,
  decodeColumns,
  decodePoints,
  metricsOf,
  emptyTier,
  mergeTier,
  Point,
  PointColumns,
  pointIdentity,
  sliceColumns,
  sortedDistinct,
  TierRow,
  tierFor,
  tierRows,
} from './metricChunks';

/*
 * Metric series: chunks of points (`ml_metric_chunks`, one row per series per write),
 * their step-bucket aggregates (`ml_metric_tiers`, for charts) and the latest value per
 * key (`ml_latest_metrics`, the search index). Kept apart from the rest of the tracking
 * store so the series' storage can change on its own.
 */

export type MetricRow = {
  key: string;
  value: number | string;
  is_nan: boolean | number;
  timestamp: number | string;
  step: number | string;
};

export function toMetric(row: MetricRow): Metric {
  return {
    key: row.key,
    value: row.is_nan ? NaN : Number(row.value),
    timestamp: Number(row.timestamp),
    step: Number(row.step),
  };
}

/** MLflow's order for "latest": highest step, then timestamp, then value (NaN lowest). */
export function isLater(a: Metric, b: Metric): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  const av = Number.isNaN(a.value) ? -Infinity : a.value;
  const bv = Number.isNaN(b.value) ? -Infinity : b.value;
  return av > bv;
}

/** A point as the latest-metrics table stores it: NaN as a flag, since SQL has no NaN. */
const toMetricRow = (runId: string, m: Metric) => ({
  run_uuid: runId,
  key: m.key,
  value: Number.isNaN(m.value) ? 0 : m.value,
  is_nan: Number.isNaN(m.value),
  timestamp: m.timestamp,
  step: m.step,
});

/** Up to this many points a chart is reduced exactly from the points themselves. */
const EXACT_CHART_POINTS = 20_000;

/**
 * A chart reads at most this many tier rows per bucket it asks for: bounded whatever the
 * series' length, and with tiers 16 apart the tier read is at most one bucket wide.
 */
const TIER_ROWS_PER_BUCKET = 16;

/** Columns a write sets besides `run_uuid`, with their PostgreSQL types (for unnest). */
type Columns = ReadonlyArray<readonly [string, string]>;

/** A chunk's columns less its points, which travel in one binary parameter (PostgreSQL). */
const CHUNK_WRITE: Columns = [
  ['key', 'text'],
  ['point_count', 'int4'],
  ['step_lo', 'int8'],
  ['step_hi', 'int8'],
  ['min_value', 'float8'],
  ['max_value', 'float8'],
  ['first_value', 'float8'],
  ['last_value', 'float8'],
];

const TIER_WRITE: Columns = [
  ['key', 'text'],
  ['tier', 'int4'],
  ['bucket', 'int8'],
  ['point_count', 'int8'],
  ['min_value', 'float8'],
  ['max_value', 'float8'],
  ['first_step', 'int8'],
  ['first_ts', 'int8'],
  ['first_value', 'float8'],
  ['last_step', 'int8'],
  ['last_ts', 'int8'],
  ['last_value', 'float8'],
];

const LATEST_WRITE: Columns = [
  ['key', 'text'],
  ['value', 'float8'],
  ['is_nan', 'bool'],
  ['timestamp', 'int8'],
  ['step', 'int8'],
];

/** How an upsert folds a write's aggregate (`excluded`) into the stored one. */
const TIER_MERGE = (() => {
  const t = 'ml_metric_tiers';
  const firstWins = `excluded.first_step IS NOT NULL AND (${t}.first_step IS NULL OR excluded.first_step < ${t}.first_step OR (excluded.first_step = ${t}.first_step AND excluded.first_ts < ${t}.first_ts))`;
  const lastWins = `excluded.last_step IS NOT NULL AND (${t}.last_step IS NULL OR excluded.last_step > ${t}.last_step OR (excluded.last_step = ${t}.last_step AND excluded.last_ts >= ${t}.last_ts))`;
  const pick = (column: string, wins: string) =>
    `${column} = CASE WHEN ${wins} THEN excluded.${column} ELSE ${t}.${column} END`;
  return [
    `point_count = ${t}.point_count + excluded.point_count`,
    pick(
      'min_value',
      `excluded.min_value IS NOT NULL AND (${t}.min_value IS NULL OR excluded.min_value < ${t}.min_value)`,
    ),
    pick(
      'max_value',
      `excluded.max_value IS NOT NULL AND (${t}.max_value IS NULL OR excluded.max_value > ${t}.max_value)`,
    ),
    ...['first_step', 'first_ts', 'first_value'].map(c => pick(c, firstWins)),
    ...['last_step', 'last_ts', 'last_value'].map(c => pick(c, lastWins)),
  ].join(', ');
})();

/**
 * How an upsert replaces the stored latest value: only with a later one, in MLflow's
 * order (step, then timestamp, then value with NaN lowest), decided against the row as
 * committed, so that writers of one series at once leave the latest of both. The
 * `-1.797…e308` bound tells -Infinity (not later than NaN) from finite values.
 */
const LATEST_MERGE = (() => {
  const t = 'ml_latest_metrics';
  const valueLater = `NOT excluded.is_nan AND CASE WHEN ${t}.is_nan THEN excluded.value >= -1.7976931348623157e308 ELSE excluded.value > ${t}.value END`;
  const later = `excluded.step > ${t}.step OR (excluded.step = ${t}.step AND (excluded.timestamp > ${t}.timestamp OR (excluded.timestamp = ${t}.timestamp AND ${valueLater})))`;
  return `${['value', 'is_nan', 'timestamp', 'step']
    .map(c => `${c} = excluded.${c}`)
    .join(', ')} WHERE ${later}`;
})();

type Row = Record<string, unknown>;

/** One write's rows, each without its run. */
type SeriesRows = {
  chunks: Row[];
  tiers: Row[];
  latest: Row[];
};

/**
 * Column `name` of `rows` as a PostgreSQL array literal, built here rather than by the
 * driver: numbers as JavaScript prints them (PostgreSQL reads `Infinity`), text quoted,
 * null as NULL. One string built in one pass: it runs for every column of every write.
 */
function pgArray(rows: Row[], name: string): string {
  let text = '{';
  for (let i = 0; i < rows.length; i++) {
    const value = rows[i][name];
    if (i > 0) text += ',';
    if (value === null || value === undefined) {
      text += 'NULL';
    } else if (typeof value !== 'string') {
      text += String(value);
    } else if (value.includes('"') || value.includes('\\')) {
      text += `"${value.replace(/["\\]/g, '\\$&')}"`;
    } else {
      text += `"${value}"`;
    }
  }
  return `${text}}`;
}

const names = (columns: Columns) => columns.map(([name]) => name).join(', ');

/** The chunk columns of the PostgreSQL write: the points in base64 (an array of bytea would be hex). */
const CHUNK_BASE64: Columns = [...CHUNK_WRITE, ['points_base64', 'text']];

/**
 * The PostgreSQL write of a request's chunks, tier aggregates and latest values: one
 * statement (data-modifying CTEs over unnest'ed arrays), so one round trip whatever the
 * number of series, and one text, prepared once per connection. It writes nothing when
 * the run is not active (`active` false: missing or deleted; the caller may have checked
 * its lifecycle before, but not in this statement) or when a key's first step in `reach`
 * is at or before the latest step stored for it (`back` true): those points may repeat
 * stored ones, which only the transaction path reads. With `lz4`, the points it writes
 * are compressed with lz4 rather than pglz (PostgreSQL compresses values past 2 KB):
 * several times cheaper, and set for this statement's transaction only.
 */
function pgSeriesWriteSql(lz4: boolean): string {
  let n = 0;
  const param = (type: string) => `$${++n}::${type}`;
  const unnest = (columns: Columns) =>
    `unnest(${columns
      .map(([, type]) => param(`${type}[]`))
      .join(', ')}) AS u(${names(columns)})`;
  const reach = unnest([
    ['key', 'text'],
    ['first_step', 'int8'],
  ]);
  const runId = param('text');
  const ahead = 'WHERE (SELECT active AND NOT back FROM guard)';
  return `WITH guard AS (
      SELECT EXISTS (
        SELECT 1 FROM ml_latest_metrics l JOIN ${reach} ON l.key = u.key
        WHERE l.run_uuid = ${runId} AND l.step >= u.first_step) AS back,
      EXISTS (
        SELECT 1 FROM ml_runs WHERE run_uuid = ${runId} AND lifecycle_stage = 'active'
      ) AS active${
        lz4
          ? `, set_config('default_toast_compression', 'lz4', true) AS compression`
          : ''
      }),
    c AS (INSERT INTO ml_metric_chunks (run_uuid, ${names(CHUNK_WRITE)}, points)
      SELECT ${runId}, ${CHUNK_WRITE.map(([name]) => `u.${name}`).join(', ')},
        decode(u.points_base64, 'base64')
      FROM ${unnest(CHUNK_BASE64)} ${ahead}),
    t AS (INSERT INTO ml_metric_tiers (run_uuid, ${names(TIER_WRITE)})
      SELECT ${runId}, u.* FROM ${unnest(TIER_WRITE)} ${ahead}
      ON CONFLICT (run_uuid, key, tier, bucket) DO UPDATE SET ${TIER_MERGE}),
    l AS (INSERT INTO ml_latest_metrics (run_uuid, ${names(LATEST_WRITE)})
      SELECT ${runId}, u.* FROM ${unnest(LATEST_WRITE)} ${ahead}
      ON CONFLICT (run_uuid, key) DO UPDATE SET ${LATEST_MERGE})
    SELECT back, active FROM guard`;
}

/** The statement's two texts, named by their hash: a connection prepares a name once. */
const PG_SERIES_WRITE = [false, true].map(lz4 => {
  const text = pgSeriesWriteSql(lz4);
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  return { name: `ml_metric_series_write_${hash}`, text };
});

/** The parameters of {@link pgSeriesWriteSql}, in its order. */
function pgSeriesWriteValues(
  runId: string,
  rows: SeriesRows,
  reach: Map<string, number>,
): unknown[] {
  for (const chunk of rows.chunks) {
    chunk.points_base64 = (chunk.points as Buffer).toString('base64');
  }
  const columns = (list: Columns, of: Row[]) =>
    list.map(([name]) => pgArray(of, name));
  const reached = [...reach].map(([key, step]) => ({ key, step }));
  return [
    pgArray(reached, 'key'),
    pgArray(reached, 'step'),
    runId,
    ...columns(CHUNK_BASE64, rows.chunks),
    ...columns(TIER_WRITE, rows.tiers),
    ...columns(LATEST_WRITE, rows.latest),
  ];
}

/** What the write needs of a better-sqlite3 connection (knex's SQLite client). */
type SqliteConnection = {
  prepare(sql: string): { run(...values: unknown[]): unknown };
};

/** Prepared statements per connection, by text: knex would prepare each anew. */
const sqliteStatements = new WeakMap<
  SqliteConnection,
  Map<string, ReturnType<SqliteConnection['prepare']>>
>();

/** `sql` prepared on `connection`, once per connection. */
function prepared(connection: SqliteConnection, sql: string) {
  let statements = sqliteStatements.get(connection);
  if (!statements) {
    statements = new Map();
    sqliteStatements.set(connection, statements);
  }
  let statement = statements.get(sql);
  if (!statement) {
    statement = connection.prepare(sql);
    statements.set(sql, statement);
  }
  return statement;
}

/**
 * SQLite: one prepared single-row statement per table, run for each row on the caller's
 * transaction's connection (better-sqlite3 runs them synchronously, a few microseconds
 * each, where a multi-row statement through knex was prepared for every write).
 */
async function sqliteSeriesWrite(
  tx: Knex.Transaction,
  runId: string,
  rows: SeriesRows,
) {
  const connection: SqliteConnection = await tx.client.acquireConnection();
  try {
    const write = (
      table: string,
      columns: Columns,
      list: Row[],
      conflict: string,
    ) => {
      const statement = prepared(
        connection,
        `INSERT INTO ${table} (run_uuid, ${names(columns)}) VALUES (${[
          'run_uuid',
          ...columns,
        ]
          .map(() => '?')
          .join(', ')}) ${conflict}`,
      );
      for (const row of list) {
        // better-sqlite3 binds no booleans (knex turned them into 0 and 1).
        statement.run(
          runId,
          ...columns.map(([name]) => {
            const value = row[name];
            return typeof value === 'boolean' ? Number(value) : value;
          }),
        );
      }
    };
    write(
      'ml_metric_chunks',
      [...CHUNK_WRITE, ['points', 'blob']],
      rows.chunks,
      '',
    );
    write(
      'ml_metric_tiers',
      TIER_WRITE,
      rows.tiers,
      `ON CONFLICT (run_uuid, key, tier, bucket) DO UPDATE SET ${TIER_MERGE}`,
    );
    write(
      'ml_latest_metrics',
      LATEST_WRITE,
      rows.latest,
      `ON CONFLICT (run_uuid, key) DO UPDATE SET ${LATEST_MERGE}`,
    );
  } finally {
    await tx.client.releaseConnection(connection);
  }
}

/** The points of each key, in history order without repeats. */
function seriesOf(metrics: Metric[]): Map<string, Metric[]> {
  const byKey = new Map<string, Metric[]>();
  for (const metric of metrics) {
    const list = byKey.get(metric.key);
    if (list) list.push(metric);
    else byKey.set(metric.key, [metric]);
  }
  for (const [key, list] of byKey) byKey.set(key, sortedDistinct(list));
  return byKey;
}

/** The rows that append `series`; a key's latest row only when later than `latest`'s. */
function seriesRows(
  runId: string,
  series: Map<string, Metric[]>,
  latest: Map<string, Metric>,
): SeriesRows {
  const rows: SeriesRows = { chunks: [], tiers: [], latest: [] };
  for (const [key, points] of series) {
    if (points.length === 0) continue;
    for (const row of chunkRows(points)) rows.chunks.push({ key, ...row });
    for (const row of tierRows(points)) rows.tiers.push({ key, ...row });
    const last = points.reduce((a, b) => (isLater(b, a) ? b : a));
    const stored = latest.get(key);
    if (!stored || isLater(last, stored)) {
      rows.latest.push(toMetricRow(runId, last));
    }
  }
  return rows;
}

/**
 * Reduces aggregates (tier rows, or single points) to `buckets` equal step ranges from
 * `lo` over `span` steps: per bucket its lowest value at its first step and its highest
 * at its last, so spikes survive. An aggregate counts in the bucket of its first step.
 */
function reduceToBuckets(
  key: string,
  rows: TierRow[],
  range: { lo: number; span: number; buckets: number },
): Metric[] {
  const reduced: TierRow[] = [];
  for (const row of rows) {
    if (row.first_step === null) continue;
    const b = Math.min(
      range.buckets - 1,
      Math.floor(((row.first_step - range.lo) * range.buckets) / range.span),
    );
    if (!reduced[b]) reduced[b] = emptyTier(0, b);
    mergeTier(reduced[b], row);
  }
  const points: Metric[] = [];
  for (const row of reduced) {
    if (!row || row.first_step === null) continue;
    points.push({
      key,
      step: row.first_step,
      timestamp: row.first_ts!,
      value: row.min_value!,
    });
    if (row.last_step !== row.first_step) {
      points.push({
        key,
        step: row.last_step!,
        timestamp: row.last_ts!,
        value: row.max_value!,
      });
    }
  }
  return points;
}

/**
 * Reads and writes metric series.
 *
 * @internal
 */
export class MetricSeries {
  private lz4?: Promise<boolean>;

  constructor(private readonly db: Knex) {}

  /**
   * Runs {@link pgSeriesWriteSql} on `db` (the pool, or a transaction's connection) as a
   * prepared statement; answers what its guard saw: whether a key reached back
   * (`reach`: each key's first step) and whether the run is active. It wrote only if
   * the run is active and no key reached back.
   */
  private async pgWrite(
    db: Knex,
    runId: string,
    rows: SeriesRows,
    reach = new Map<string, number>(),
  ) {
    this.lz4 ??= this.db
      .raw(
        "SELECT 'lz4' = ANY(enumvals) AS lz4 FROM pg_settings WHERE name = 'default_toast_compression'",
      )
      .then(result => result.rows[0]?.lz4 === true);
    const statement = PG_SERIES_WRITE[Number(await this.lz4)];
    const values = pgSeriesWriteValues(runId, rows, reach);
    // knex has no prepared statements: the pg client of its connection runs it.
    const connection = await db.client.acquireConnection();
    try {
      const result = await connection.query({ ...statement, values });
      return result.rows[0] as { back: boolean; active: boolean };
    } finally {
      await db.client.releaseConnection(connection);
    }
  }

  /**
   * The series in history order (step, then timestamp, then value), or the slice of it
   * `window` names (`limit` unset: to the end). Only the chunks the slice needs are read:
   * chunks whose step ranges overlap form a group whose points interleave; groups follow
   * one another in step order, so their counts place the slice.
   */
  async history(
    runId: string,
    key: string,
    window?: { offset: number; limit?: number },
  ): Promise<PointColumns> {
    const metas: Array<{
      chunk_id: number | string;
      point_count: number | string;
      step_lo: number | string;
      step_hi: number | string;
    }> = await this.db('ml_metric_chunks')
      .where({ run_uuid: runId, key })
      .orderBy(['step_lo', 'chunk_id'])
      .select('chunk_id', 'point_count', 'step_lo', 'step_hi');
    const offset = window?.offset ?? 0;
    const end = window?.limit === undefined ? Infinity : offset + window.limit;
    const groups: Array<{ ids: Array<number | string>; start: number }> = [];
    let position = 0;
    let highest = -Infinity;
    for (const meta of metas) {
      const lo = Number(meta.step_lo);
      if (groups.length === 0 || lo > highest) {
        groups.push({ ids: [], start: position });
      }
      groups[groups.length - 1].ids.push(meta.chunk_id);
      position += Number(meta.point_count);
      highest = Math.max(highest, Number(meta.step_hi));
    }
    const wanted = groups.filter(
      (group, i) =>
        group.start < end && (groups[i + 1]?.start ?? position) > offset,
    );
    if (wanted.length === 0) return allocateColumns(0);
    const buffers = new Map<string, Buffer>();
    for (const ids of chunks(wanted.flatMap(g => g.ids))) {
      const rows: Array<{ chunk_id: number | string; points: Buffer }> =
        await this.db('ml_metric_chunks')
          .whereIn('chunk_id', ids)
          .select('chunk_id', 'points');
      for (const row of rows) buffers.set(String(row.chunk_id), row.points);
    }
    const first = wanted[0].start;
    const last = wanted[wanted.length - 1];
    const columns = allocateColumns(
      (groups[groups.indexOf(last) + 1]?.start ?? position) - first,
    );
    let at = 0;
    for (const group of wanted) {
      const parts = group.ids.map(id => buffers.get(String(id))!);
      if (parts.length === 1) {
        copyChunk(parts[0], columns, at);
        at += chunkPointCount(parts[0]);
        continue;
      }
      // Chunks whose steps overlap: their points interleave.
      for (const p of parts.flatMap(decodePoints).sort(comparePoints)) {
        columns.steps[at] = p.step;
        columns.timestamps[at] = p.timestamp;
        columns.values[at++] = p.value;
      }
    }
    return sliceColumns(
      columns,
      offset - first,
      Math.min(end - first, columns.steps.length),
    );
  }

  async historyBuckets(
    runId: string,
    key: string,
    buckets: number,
  ): Promise<{ points: Metric[]; totalPoints: number }> {
    // Chunk statistics only: the points stay on their overflow pages.
    const range = await this.db('ml_metric_chunks')
      .where({ run_uuid: runId, key })
      .first(
        this.db.raw('sum(point_count) as n'),
        this.db.raw('min(step_lo) as lo'),
        this.db.raw('max(step_hi) as hi'),
      );
    const totalPoints = Number(range?.n ?? 0);
    if (totalPoints === 0) return { points: [], totalPoints };
    const lo = Number(range.lo);
    const span = Number(range.hi) - lo + 1;
    if (totalPoints <= 2 * buckets) {
      return {
        points: metricsOf(key, await this.history(runId, key)),
        totalPoints,
      };
    }
    if (totalPoints <= EXACT_CHART_POINTS) {
      const each = metricsOf(key, await this.history(runId, key)).map(p => {
        const row = emptyTier(0, 0);
        addPoint(row, p);
        return row;
      });
      return {
        points: reduceToBuckets(key, each, { lo, span, buckets }),
        totalPoints,
      };
    }
    // The tier's rows reduced in the database to one per chart bucket (the bucket of each
    // row's first step). A bucket's first time is its earliest and its last time its
    // latest: steps and times rise together. The cast keeps the bucket integral on
    // SQLite, which binds JavaScript numbers as REAL.
    const { tier } = tierFor(span, TIER_ROWS_PER_BUCKET * buckets);
    const bucket = this.db.raw('CAST(((first_step - ?) * ?) / ? AS INTEGER)', [
      lo,
      buckets,
      span,
    ]);
    const rows: Array<Record<string, number | string>> = await this.db(
      'ml_metric_tiers',
    )
      .where({ run_uuid: runId, key, tier })
      .whereNotNull('first_step')
      .groupBy('b')
      .orderBy('b')
      .select(
        this.db.raw('? as b', [bucket]),
        this.db.raw('min(min_value) as low'),
        this.db.raw('max(max_value) as high'),
        this.db.raw('min(first_step) as first_step'),
        this.db.raw('min(first_ts) as first_ts'),
        this.db.raw('max(last_step) as last_step'),
        this.db.raw('max(last_ts) as last_ts'),
      );
    const points: Metric[] = [];
    for (const row of rows) {
      const first = Number(row.first_step);
      const last = Number(row.last_step);
      points.push({
        key,
        step: first,
        timestamp: Number(row.first_ts),
        value: Number(row.low),
      });
      if (last !== first) {
        points.push({
          key,
          step: last,
          timestamp: Number(row.last_ts),
          value: Number(row.high),
        });
      }
    }
    return { points, totalPoints };
  }

  /** Per run, the highest value any of its keys matching `keyLike` (SQL LIKE) reached. */
  async maxValues(
    runIds: string[],
    keyLike: string,
  ): Promise<Map<string, number>> {
    const peaks = new Map<string, number>();
    for (const batch of chunks(runIds)) {
      const rows: Array<{ run_uuid: string; peak: number | string | null }> =
        await this.db('ml_metric_chunks')
          .whereIn('run_uuid', batch)
          .where('key', 'like', keyLike)
          .select('run_uuid')
          .max({ peak: 'max_value' })
          .groupBy('run_uuid');
      for (const row of rows) {
        if (row.peak !== null) peaks.set(row.run_uuid, Number(row.peak));
      }
    }
    return peaks;
  }

  /**
   * Appends points as {@link MetricSeries.append} does, without a transaction: on
   * PostgreSQL, as one statement that also checks the run is active, when every key's
   * points come after the steps already logged for it (a training loop's batches).
   * Nothing is written unless `written`: `not ahead` when a key's points reach back
   * (they may repeat stored points, which `append` reads), on SQLite, and for no points;
   * `run inactive` when the run is missing or deleted.
   */
  async appendAhead(
    runId: string,
    metrics: Metric[],
  ): Promise<'written' | 'not ahead' | 'run inactive'> {
    if (this.db.client.config.client !== 'pg' || metrics.length === 0) {
      return 'not ahead';
    }
    const series = seriesOf(metrics);
    const reach = new Map<string, number>();
    for (const [key, points] of series) reach.set(key, points[0].step);
    const rows = seriesRows(runId, series, new Map());
    const { back, active } = await this.pgWrite(this.db, runId, rows, reach);
    if (!active) return 'run inactive';
    return back ? 'not ahead' : 'written';
  }

  /**
   * Appends points (one chunk per key, split past CHUNK_POINTS), folds them into the
   * tiers and keeps `ml_latest_metrics` current, in the caller's transaction. A point
   * already stored is left out, as MLflow's primary key does: only keys whose batch
   * reaches back to the steps already logged need their stored chunks read.
   */
  async append(tx: Knex.Transaction, runId: string, metrics: Metric[]) {
    const series = seriesOf(metrics);
    const latest = new Map<string, Metric>();
    for (const keys of chunks([...series.keys()])) {
      const rows: MetricRow[] = await tx('ml_latest_metrics')
        .where({ run_uuid: runId })
        .whereIn('key', keys)
        .select('key', 'value', 'is_nan', 'timestamp', 'step');
      for (const row of rows) latest.set(row.key, toMetric(row));
    }
    for (const [key, points] of series) {
      const stored = latest.get(key);
      if (stored && points[0].step <= stored.step) {
        series.set(key, await this.withoutStored(tx, runId, key, points));
      }
    }
    const rows = seriesRows(runId, series, latest);
    if (tx.client.config.client === 'pg') {
      await this.pgWrite(tx, runId, rows);
    } else {
      await sqliteSeriesWrite(tx, runId, rows);
    }
  }

  /** `points` less those the series already holds (in chunks overlapping their steps). */
  private async withoutStored<T extends Point>(
    tx: Knex.Transaction,
    runId: string,
    key: string,
    points: T[],
  ): Promise<T[]> {
    const rows: Array<{ points: Buffer }> = await tx('ml_metric_chunks')
      .where({ run_uuid: runId, key })
      .where('step_lo', '<=', points[points.length - 1].step)
      .where('step_hi', '>=', points[0].step)
      .select('points');
    if (rows.length === 0) return points;
    const seen = new Set<string>();
    for (const row of rows) {
      const { steps, timestamps, values } = decodeColumns(row.points);
      for (let i = 0; i < steps.length; i++) {
        seen.add(
          pointIdentity({
            step: steps[i],
            timestamp: timestamps[i],
            value: values[i],
          }),
        );
      }
    }
    return points.filter(p => !seen.has(pointIdentity(p)));
  }
}
