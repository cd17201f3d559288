import { Metric } from '@ml-portal/plugin-ml-common';
import { Knex } from 'knex';
import { chunks } from '../database/chunks';
import {
  addPoint,
  chunkRows,
  comparePoints,
  decodeColumns,
  decodeMetrics,
  emptyTier,
  mergeTier,
  Point,
  pointIdentity,
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

const CHUNK_WRITE: Columns = [
  ['key', 'text'],
  ['point_count', 'int4'],
  ['step_lo', 'int8'],
  ['step_hi', 'int8'],
  ['min_value', 'float8'],
  ['max_value', 'float8'],
  ['first_value', 'float8'],
  ['last_value', 'float8'],
  ['points', 'bytea'],
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

const LATEST_MERGE = ['value', 'is_nan', 'timestamp', 'step']
  .map(c => `${c} = excluded.${c}`)
  .join(', ');

/** One write's rows, each without its run. */
type SeriesRows = {
  chunks: Array<Record<string, unknown>>;
  tiers: Array<Record<string, unknown>>;
  latest: Array<Record<string, unknown>>;
};

/** A value in a PostgreSQL array literal: doubles as `Infinity`, not `inf`. */
const pgArrayValue = (value: unknown) =>
  typeof value === 'number' ? String(value) : value;

/** `INSERT ... SELECT` of the rows as one array per column (PostgreSQL). */
function pgInsert(
  table: string,
  columns: Columns,
  runId: string,
  rows: Array<Record<string, unknown>>,
): { sql: string; bindings: Knex.Value[] } {
  const names = columns.map(([name]) => name).join(', ');
  return {
    sql: `INSERT INTO ${table} (run_uuid, ${names}) SELECT ?, u.* FROM unnest(${columns
      .map(([, type]) => `?::${type}[]`)
      .join(', ')}) AS u(${names})`,
    bindings: [
      runId,
      ...columns.map(([name]) => rows.map(row => pgArrayValue(row[name]))),
    ] as Knex.Value[],
  };
}

/**
 * Writes a request's chunks, tier aggregates and latest values. PostgreSQL: one
 * statement (data-modifying CTEs over unnest'ed arrays), one round trip whatever the
 * number of series. SQLite: a multi-row statement per table.
 */
async function writeSeriesRows(
  tx: Knex.Transaction,
  runId: string,
  rows: SeriesRows,
) {
  if (tx.client.config.client === 'pg') {
    const chunkInsert = pgInsert(
      'ml_metric_chunks',
      CHUNK_WRITE,
      runId,
      rows.chunks,
    );
    const tierInsert = pgInsert(
      'ml_metric_tiers',
      TIER_WRITE,
      runId,
      rows.tiers,
    );
    const latestInsert = pgInsert(
      'ml_latest_metrics',
      LATEST_WRITE,
      runId,
      rows.latest,
    );
    await tx.raw(
      `WITH c AS (${chunkInsert.sql}),
       t AS (${tierInsert.sql} ON CONFLICT (run_uuid, key, tier, bucket) DO UPDATE SET ${TIER_MERGE})
       ${latestInsert.sql} ON CONFLICT (run_uuid, key) DO UPDATE SET ${LATEST_MERGE}`,
      [
        ...chunkInsert.bindings,
        ...tierInsert.bindings,
        ...latestInsert.bindings,
      ],
    );
    return;
  }
  const sqlite = async (
    table: string,
    columns: Columns,
    list: Array<Record<string, unknown>>,
    conflict: string,
  ) => {
    const names = ['run_uuid', ...columns.map(([name]) => name)];
    const tuple = `(${names.map(() => '?').join(', ')})`;
    for (const batch of chunks(list)) {
      const bindings: unknown[] = [];
      for (const row of batch) {
        bindings.push(runId);
        for (const [name] of columns) bindings.push(row[name]);
      }
      await tx.raw(
        `INSERT INTO ${table} (${names.join(', ')}) VALUES ${batch
          .map(() => tuple)
          .join(', ')} ${conflict}`,
        bindings as Knex.Value[],
      );
    }
  };
  await sqlite('ml_metric_chunks', CHUNK_WRITE, rows.chunks, '');
  await sqlite(
    'ml_metric_tiers',
    TIER_WRITE,
    rows.tiers,
    `ON CONFLICT (run_uuid, key, tier, bucket) DO UPDATE SET ${TIER_MERGE}`,
  );
  await sqlite(
    'ml_latest_metrics',
    LATEST_WRITE,
    rows.latest,
    `ON CONFLICT (run_uuid, key) DO UPDATE SET ${LATEST_MERGE}`,
  );
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
  constructor(private readonly db: Knex) {}

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
  ): Promise<Metric[]> {
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
    if (wanted.length === 0) return [];
    const buffers = new Map<string, Buffer>();
    for (const ids of chunks(wanted.flatMap(g => g.ids))) {
      const rows: Array<{ chunk_id: number | string; points: Buffer }> =
        await this.db('ml_metric_chunks')
          .whereIn('chunk_id', ids)
          .select('chunk_id', 'points');
      for (const row of rows) buffers.set(String(row.chunk_id), row.points);
    }
    const points: Metric[] = [];
    for (const group of wanted) {
      const parts = group.ids.map(id =>
        decodeMetrics(buffers.get(String(id))!, key),
      );
      if (parts.length === 1) {
        for (const p of parts[0]) points.push(p);
      } else {
        for (const p of parts.flat().sort(comparePoints)) points.push(p);
      }
    }
    const first = wanted[0].start;
    return points.slice(offset - first, end - first);
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
      return { points: await this.history(runId, key), totalPoints };
    }
    if (totalPoints <= EXACT_CHART_POINTS) {
      const each = (await this.history(runId, key)).map(p => {
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
   * Appends points (one chunk per key, split past CHUNK_POINTS), folds them into the
   * tiers and keeps `ml_latest_metrics` current, in the caller's transaction. A point
   * already stored is left out, as MLflow's primary key does: only keys whose batch
   * reaches back to the steps already logged need their stored chunks read.
   */
  async append(tx: Knex.Transaction, runId: string, metrics: Metric[]) {
    const byKey = new Map<string, Metric[]>();
    for (const metric of metrics) {
      const list = byKey.get(metric.key);
      if (list) list.push(metric);
      else byKey.set(metric.key, [metric]);
    }
    const latest = new Map<string, Metric>();
    for (const keys of chunks([...byKey.keys()])) {
      const rows: MetricRow[] = await tx('ml_latest_metrics')
        .where({ run_uuid: runId })
        .whereIn('key', keys)
        .select('key', 'value', 'is_nan', 'timestamp', 'step');
      for (const row of rows) latest.set(row.key, toMetric(row));
    }

    const rows: SeriesRows = { chunks: [], tiers: [], latest: [] };
    for (const [key, list] of byKey) {
      let points = sortedDistinct(list);
      const stored = latest.get(key);
      if (stored && points[0].step <= stored.step) {
        points = await this.withoutStored(tx, runId, key, points);
      }
      if (points.length === 0) continue;
      for (const row of chunkRows(points)) rows.chunks.push({ key, ...row });
      for (const row of tierRows(points)) rows.tiers.push({ key, ...row });
      const last = points.reduce((a, b) => (isLater(b, a) ? b : a));
      if (!stored || isLater(last, stored)) {
        rows.latest.push(toMetricRow(runId, { ...last, key }));
      }
    }
    await writeSeriesRows(tx, runId, rows);
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
