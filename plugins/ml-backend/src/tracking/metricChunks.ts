import { Metric } from '@ml-portal/plugin-ml-common';

/*
 * The storage form of a metric series: append-only chunks of points (one row per series
 * per write, up to CHUNK_POINTS points) and pre-aggregated tiers (per step bucket of
 * 16^k steps: count, min, max, first, last), so that a chart reads a bounded number of
 * rows whatever the series' length. Pure functions: the store binds them to SQL, the
 * benchmark bulk-loads with them.
 */

/** Points per chunk at most: a request's points of one series are one chunk up to this. */
export const CHUNK_POINTS = 4096;

/**
 * Tier k groups steps in buckets of 16^k, k = 2..7 (256 to ~2.7e8 steps): a factor of 16
 * between tiers keeps a chart within 1/16 of the rows it may read, and the coarsest
 * still keeps a span of 1e12 steps (steps that are timestamps) to ~4,000 rows.
 */
export const TIERS: ReadonlyArray<{ tier: number; width: number }> = Array.from(
  { length: 6 },
  (_, i) => ({ tier: i + 2, width: 16 ** (i + 2) }),
);

/** A point without its key: the series names it. */
export type Point = { step: number; timestamp: number; value: number };

/** A chunk row's columns, less the series' (run and key). */
export type ChunkRow = {
  point_count: number;
  step_lo: number;
  step_hi: number;
  /** Extremes of the values that are not NaN; null when all are. */
  min_value: number | null;
  max_value: number | null;
  /** The first and last point's values in history order; null for NaN. */
  first_value: number | null;
  last_value: number | null;
  points: Buffer;
};

/** A tier row's columns, less the series'. first/last are over the points that are not NaN. */
export type TierRow = {
  tier: number;
  bucket: number;
  point_count: number;
  min_value: number | null;
  max_value: number | null;
  first_step: number | null;
  first_ts: number | null;
  first_value: number | null;
  last_step: number | null;
  last_ts: number | null;
  last_value: number | null;
};

/**
 * MLflow's history order: step, then timestamp, then value with NaN after numbers (the
 * order `ml_metrics`' primary key gave: is_nan, then value).
 */
export function comparePoints(a: Point, b: Point): number {
  if (a.step !== b.step) return a.step - b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp - b.timestamp;
  const an = Number.isNaN(a.value);
  const bn = Number.isNaN(b.value);
  if (an || bn) return Number(an) - Number(bn);
  if (a.value === b.value) return 0;
  return a.value < b.value ? -1 : 1;
}

/** Points equal as MLflow's primary key sees them (NaN equals NaN). */
export const samePoint = (a: Point, b: Point) => comparePoints(a, b) === 0;

/** Identity of a point for de-duplication against stored chunks. */
export const pointIdentity = (p: Point) =>
  `${p.step}|${p.timestamp}|${Number.isNaN(p.value) ? 'NaN' : p.value}`;

/** Sorts in history order (in place) and drops repeats of one point. */
export function sortedDistinct<T extends Point>(points: T[]): T[] {
  let sorted = true;
  for (let i = 1; i < points.length && sorted; i++) {
    sorted = comparePoints(points[i - 1], points[i]) <= 0;
  }
  if (!sorted) points.sort(comparePoints);
  const result: T[] = [];
  for (const point of points) {
    const last = result[result.length - 1];
    if (!last || !samePoint(last, point)) result.push(point);
  }
  return result;
}

/** Points as one buffer: steps, timestamps and values as little-endian float64 runs. */
export function encodePoints(points: Point[]): Buffer {
  const n = points.length;
  const array = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    const p = points[i];
    array[i] = p.step;
    array[n + i] = p.timestamp;
    array[2 * n + i] = p.value;
  }
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
}

/** The columns of a chunk buffer, copied to aligned memory. */
export function decodeColumns(buffer: Buffer | Uint8Array): {
  steps: Float64Array;
  timestamps: Float64Array;
  values: Float64Array;
} {
  const copy = new Float64Array(buffer.byteLength / 8);
  new Uint8Array(copy.buffer).set(buffer);
  const n = copy.length / 3;
  return {
    steps: copy.subarray(0, n),
    timestamps: copy.subarray(n, 2 * n),
    values: copy.subarray(2 * n),
  };
}

/** Points as columns, in history order: a series read without an object per point. */
export type PointColumns = {
  steps: Float64Array;
  timestamps: Float64Array;
  values: Float64Array;
};

/** Room for `count` points. */
export function allocateColumns(count: number): PointColumns {
  const memory = new Float64Array(3 * count);
  return {
    steps: memory.subarray(0, count),
    timestamps: memory.subarray(count, 2 * count),
    values: memory.subarray(2 * count),
  };
}

/** Points `start` to `end` (exclusive) of `columns`, sharing their memory. */
export function sliceColumns(
  columns: PointColumns,
  start: number,
  end: number = columns.steps.length,
): PointColumns {
  return {
    steps: columns.steps.subarray(start, end),
    timestamps: columns.timestamps.subarray(start, end),
    values: columns.values.subarray(start, end),
  };
}

/** The points of a chunk buffer. */
export const chunkPointCount = (buffer: Uint8Array) => buffer.byteLength / 24;

/** Copies a chunk's points into `into` from index `at`: one byte copy per column. */
export function copyChunk(buffer: Uint8Array, into: PointColumns, at: number) {
  const n = chunkPointCount(buffer);
  const target = (column: Float64Array) =>
    new Uint8Array(column.buffer, column.byteOffset + 8 * at, 8 * n);
  target(into.steps).set(buffer.subarray(0, 8 * n));
  target(into.timestamps).set(buffer.subarray(8 * n, 16 * n));
  target(into.values).set(buffer.subarray(16 * n, 24 * n));
}

/** A chunk's points as objects. */
export function decodePoints(buffer: Uint8Array): Point[] {
  const { steps, timestamps, values } = decodeColumns(buffer);
  const points: Point[] = new Array(steps.length);
  for (let i = 0; i < steps.length; i++) {
    points[i] = { step: steps[i], timestamp: timestamps[i], value: values[i] };
  }
  return points;
}

/** Columns as metrics of `key`. */
export function metricsOf(key: string, columns: PointColumns): Metric[] {
  const { steps, timestamps, values } = columns;
  const metrics: Metric[] = new Array(steps.length);
  for (let i = 0; i < steps.length; i++) {
    metrics[i] = {
      key,
      value: values[i],
      timestamp: timestamps[i],
      step: steps[i],
    };
  }
  return metrics;
}

const finite = (value: number) => (Number.isNaN(value) ? null : value);

/** Chunk rows of points already in history order, CHUNK_POINTS at most each. */
export function chunkRows(points: Point[]): ChunkRow[] {
  const rows: ChunkRow[] = [];
  for (let start = 0; start < points.length; start += CHUNK_POINTS) {
    const part = points.slice(start, start + CHUNK_POINTS);
    let min: number | null = null;
    let max: number | null = null;
    for (const { value } of part) {
      if (Number.isNaN(value)) continue;
      if (min === null || value < min) min = value;
      if (max === null || value > max) max = value;
    }
    rows.push({
      point_count: part.length,
      step_lo: part[0].step,
      step_hi: part[part.length - 1].step,
      min_value: min,
      max_value: max,
      first_value: finite(part[0].value),
      last_value: finite(part[part.length - 1].value),
      points: encodePoints(part),
    });
  }
  return rows;
}

/** An aggregate of no points yet. */
export const emptyTier = (tier: number, bucket: number): TierRow => ({
  tier,
  bucket,
  point_count: 0,
  min_value: null,
  max_value: null,
  first_step: null,
  first_ts: null,
  first_value: null,
  last_step: null,
  last_ts: null,
  last_value: null,
});

/** Folds one point into an aggregate. */
export function addPoint(row: TierRow, p: Point) {
  row.point_count++;
  if (Number.isNaN(p.value)) return;
  if (row.min_value === null || p.value < row.min_value)
    row.min_value = p.value;
  if (row.max_value === null || p.value > row.max_value)
    row.max_value = p.value;
  if (
    row.first_step === null ||
    p.step < row.first_step ||
    (p.step === row.first_step && p.timestamp < row.first_ts!)
  ) {
    row.first_step = p.step;
    row.first_ts = p.timestamp;
    row.first_value = p.value;
  }
  if (
    row.last_step === null ||
    p.step > row.last_step ||
    (p.step === row.last_step && p.timestamp >= row.last_ts!)
  ) {
    row.last_step = p.step;
    row.last_ts = p.timestamp;
    row.last_value = p.value;
  }
}

/**
 * The tier rows `points` (in history order) add to, one per (tier, bucket) they touch,
 * in tier order. The finest tier folds the points; each coarser one folds the rows of
 * the tier below it (16 of them at most per bucket), so each point is folded once.
 */
export function tierRows(points: Point[]): TierRow[] {
  const [finest, ...coarser] = TIERS;
  let below: TierRow[] = [];
  let current: TierRow | undefined;
  for (const p of points) {
    const bucket = Math.floor(p.step / finest.width);
    if (current?.bucket !== bucket) {
      current = emptyTier(finest.tier, bucket);
      below.push(current);
    }
    addPoint(current, p);
  }
  const rows = [...below];
  let belowWidth = finest.width;
  for (const { tier, width } of coarser) {
    const ratio = width / belowWidth;
    const level: TierRow[] = [];
    for (const row of below) {
      const bucket = Math.floor(row.bucket / ratio);
      let into = level[level.length - 1];
      if (into?.bucket !== bucket) {
        into = emptyTier(tier, bucket);
        level.push(into);
      }
      mergeTier(into, row);
    }
    rows.push(...level);
    below = level;
    belowWidth = width;
  }
  return rows;
}

/** Merges tier rows of one (tier, bucket) or of one chart bucket, as the upsert does. */
export function mergeTier(into: TierRow, row: TierRow) {
  into.point_count += row.point_count;
  if (
    row.min_value !== null &&
    (into.min_value === null || row.min_value < into.min_value)
  ) {
    into.min_value = row.min_value;
  }
  if (
    row.max_value !== null &&
    (into.max_value === null || row.max_value > into.max_value)
  ) {
    into.max_value = row.max_value;
  }
  if (row.first_step !== null) {
    addPoint(into, {
      step: row.first_step,
      timestamp: row.first_ts!,
      value: row.first_value!,
    });
    into.point_count--;
  }
  if (row.last_step !== null) {
    addPoint(into, {
      step: row.last_step,
      timestamp: row.last_ts!,
      value: row.last_value!,
    });
    into.point_count--;
  }
}

/** The finest tier whose buckets over `span` steps number at most `maxRows`; else the coarsest. */
export function tierFor(span: number, maxRows: number) {
  return TIERS.find(t => span / t.width <= maxRows) ?? TIERS[TIERS.length - 1];
}
