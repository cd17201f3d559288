import { Metric } from '@ml-portal/plugin-ml-common';
import { Knex } from 'knex';
import { chunks } from '../database/chunks';

/*
 * Metric series: the history table (`ml_metrics`, one row per point in its primary key's
 * order) and the latest value per key (`ml_latest_metrics`, the search index). Kept apart
 * from the rest of the tracking store so the series' storage can change on its own.
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
function isLater(a: Metric, b: Metric): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  const av = Number.isNaN(a.value) ? -Infinity : a.value;
  const bv = Number.isNaN(b.value) ? -Infinity : b.value;
  return av > bv;
}

/** A double as PostgreSQL reads it in an array literal (`Infinity`, not `inf`). */
function pgFloat(value: number): string {
  return String(value);
}

/** A point as both metric tables store it: NaN as a flag, since SQL has no NaN. */
const toMetricRow = (runId: string, m: Metric) => ({
  run_uuid: runId,
  key: m.key,
  value: Number.isNaN(m.value) ? 0 : m.value,
  is_nan: Number.isNaN(m.value),
  timestamp: m.timestamp,
  step: m.step,
});

/**
 * Reads and writes metric series.
 *
 * @internal
 */
export class MetricSeries {
  constructor(private readonly db: Knex) {}

  /**
   * The series in history order (step, then timestamp), or the slice of it `window`
   * names (`limit` unset: to the end), sliced in the database.
   */
  async history(
    runId: string,
    key: string,
    window?: { offset: number; limit?: number },
  ): Promise<Metric[]> {
    // The history index's order (run, key, step): an index scan. Value and NaN break
    // ties between points of one step and time, so that pages never overlap.
    const query = this.db('ml_metrics')
      .where({ run_uuid: runId, key })
      .orderBy([
        { column: 'step', order: 'asc' },
        { column: 'timestamp', order: 'asc' },
        { column: 'is_nan', order: 'asc' },
        { column: 'value', order: 'asc' },
      ])
      .select('value', 'is_nan', 'timestamp', 'step');
    if (window?.offset) query.offset(window.offset);
    if (window?.limit !== undefined) query.limit(window.limit);
    const rows: Omit<MetricRow, 'key'>[] = await query;
    return rows.map(row => toMetric({ ...row, key }));
  }

  async historyBuckets(
    runId: string,
    key: string,
    buckets: number,
  ): Promise<{ points: Metric[]; totalPoints: number }> {
    // min/max of the key's steps come from the primary key's order: two index probes.
    const range = await this.db('ml_metrics')
      .where({ run_uuid: runId, key })
      .first(this.db.raw('min(step) as lo'), this.db.raw('max(step) as hi'));
    if (range?.lo === null || range?.lo === undefined) {
      return { points: [], totalPoints: 0 };
    }
    const lo = Number(range.lo);
    const span = Number(range.hi) - lo + 1;
    // Bucket index 0..buckets-1 by step. The cast keeps it integral on SQLite, which
    // binds JavaScript numbers as REAL and so divides in floating point.
    const bucket = this.db.raw('CAST(((step - ?) * ?) / ? AS INTEGER)', [
      lo,
      buckets,
      span,
    ]);
    // One pass: per bucket its size and the extremes of its non-NaN values.
    const finite = 'CASE WHEN is_nan THEN NULL ELSE';
    const rows = await this.db('ml_metrics')
      .where({ run_uuid: runId, key })
      .groupBy('b')
      .orderBy('b')
      .select(
        this.db.raw('? as b', [bucket]),
        this.db.raw('count(*) as n'),
        this.db.raw(`min(${finite} step END) as first_step`),
        this.db.raw(`max(${finite} step END) as last_step`),
        this.db.raw(`min(${finite} timestamp END) as first_ts`),
        this.db.raw(`max(${finite} timestamp END) as last_ts`),
        this.db.raw(`min(${finite} value END) as low`),
        this.db.raw(`max(${finite} value END) as high`),
      );
    const totalPoints = rows.reduce((sum, row) => sum + Number(row.n), 0);
    if (totalPoints <= 2 * buckets) {
      return { points: await this.history(runId, key), totalPoints };
    }
    const points: Metric[] = [];
    for (const row of rows.filter(r => r.low !== null)) {
      points.push({
        key,
        step: Number(row.first_step),
        timestamp: Number(row.first_ts),
        value: Number(row.low),
      });
      if (Number(row.last_step) !== Number(row.first_step)) {
        points.push({
          key,
          step: Number(row.last_step),
          timestamp: Number(row.last_ts),
          value: Number(row.high),
        });
      }
    }
    return { points, totalPoints };
  }

  /** Appends points and keeps `ml_latest_metrics` current, in the caller's transaction. */
  async append(tx: Knex.Transaction, runId: string, metrics: Metric[]) {
    const rows = metrics.map(m => toMetricRow(runId, m));
    if (tx.client.config.client === 'pg') {
      // One statement per batch, whatever its size: arrays bound as five parameters.
      await tx.raw(
        `INSERT INTO ml_metrics (run_uuid, key, value, is_nan, timestamp, step)
         SELECT ?, * FROM unnest(?::text[], ?::float8[], ?::bool[], ?::int8[], ?::int8[])
         ON CONFLICT DO NOTHING`,
        [
          runId,
          rows.map(r => r.key),
          rows.map(r => pgFloat(r.value)),
          rows.map(r => r.is_nan),
          rows.map(r => r.timestamp),
          rows.map(r => r.step),
        ],
      );
    } else {
      for (const chunk of chunks(rows)) {
        await tx('ml_metrics')
          .insert(chunk)
          .onConflict([
            'run_uuid',
            'key',
            'timestamp',
            'step',
            'value',
            'is_nan',
          ])
          .ignore();
      }
    }

    const latestInBatch = new Map<string, Metric>();
    for (const metric of metrics) {
      const current = latestInBatch.get(metric.key);
      if (!current || isLater(metric, current))
        latestInBatch.set(metric.key, metric);
    }
    const existing: MetricRow[] = await tx('ml_latest_metrics')
      .where({ run_uuid: runId })
      .whereIn('key', [...latestInBatch.keys()])
      .select('key', 'value', 'is_nan', 'timestamp', 'step');
    const existingByKey = new Map(
      existing.map(row => [row.key, toMetric(row)]),
    );
    const changed = [...latestInBatch.values()].filter(metric => {
      const stored = existingByKey.get(metric.key);
      return !stored || isLater(metric, stored);
    });
    for (const chunk of chunks(changed)) {
      await tx('ml_latest_metrics')
        .insert(chunk.map(m => toMetricRow(runId, m)))
        .onConflict(['run_uuid', 'key'])
        .merge(['value', 'is_nan', 'timestamp', 'step']);
    }
  }
}
