// @ts-check

const CHUNK_POINTS = 4096;
/** Rows read at once when moving a series: whole chunks. */
const PAGE = CHUNK_POINTS * 25;

/**
 * Metric series as chunks: `ml_metric_chunks` holds a series' (run, key) points as
 * append-only chunks (one row per series per write, up to 4096 points: steps, timestamps
 * and values as little-endian float64 runs in `points`, with the chunk's count, step
 * range, min/max and first/last value), and `ml_metric_tiers` pre-aggregates per step
 * bucket of 16^tier steps (tiers 2..7) so that charts read a bounded number of rows.
 * The rows of `ml_metrics` (one per point) move into them and the table goes.
 *
 * The encoding below is a frozen copy of `src/tracking/metricChunks.ts` as of this
 * migration: a migration must keep doing what it did when the code moves on.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('ml_metric_chunks', table => {
    table.bigIncrements('chunk_id').primary();
    runRef(table);
    table.string('key', 250).notNullable();
    table.integer('point_count').notNullable();
    table.bigInteger('step_lo').notNullable();
    table.bigInteger('step_hi').notNullable();
    table.double('min_value');
    table.double('max_value');
    table.double('first_value');
    table.double('last_value');
    // Last, so that reads of the statistics leave it on its overflow pages (TOAST).
    table.binary('points').notNullable();
    table.index(['run_uuid', 'key', 'step_lo'], 'ml_metric_chunks_series_idx');
  });
  await knex.schema.createTable('ml_metric_tiers', table => {
    runRef(table);
    table.string('key', 250).notNullable();
    table.integer('tier').notNullable();
    table.bigInteger('bucket').notNullable();
    table.bigInteger('point_count').notNullable();
    table.double('min_value');
    table.double('max_value');
    table.bigInteger('first_step');
    table.bigInteger('first_ts');
    table.double('first_value');
    table.bigInteger('last_step');
    table.bigInteger('last_ts');
    table.double('last_value');
    table.primary(['run_uuid', 'key', 'tier', 'bucket']);
  });

  const series = await knex('ml_metrics').distinct('run_uuid', 'key');
  for (const { run_uuid: runId, key } of series) {
    /** @type {Map<string, any>} */
    const tiers = new Map();
    for (let offset = 0; ; offset += PAGE) {
      const rows = await knex('ml_metrics')
        .where({ run_uuid: runId, key })
        .orderBy(['step', 'timestamp', 'is_nan', 'value'])
        .offset(offset)
        .limit(PAGE)
        .select('step', 'timestamp', 'value', 'is_nan');
      const points = rows.map(r => ({
        step: Number(r.step),
        timestamp: Number(r.timestamp),
        value: r.is_nan ? NaN : Number(r.value),
      }));
      for (let i = 0; i < points.length; i += CHUNK_POINTS) {
        await knex('ml_metric_chunks').insert({
          run_uuid: runId,
          key,
          ...chunkRow(points.slice(i, i + CHUNK_POINTS)),
        });
      }
      for (const p of points) {
        for (let tier = 2; tier <= 7; tier++) {
          const bucket = Math.floor(p.step / 16 ** tier);
          const id = `${tier}:${bucket}`;
          if (!tiers.has(id)) tiers.set(id, emptyTier(tier, bucket));
          addPoint(tiers.get(id), p);
        }
      }
      if (rows.length < PAGE) break;
    }
    const rows = [...tiers.values()].map(t => ({ run_uuid: runId, key, ...t }));
    for (let i = 0; i < rows.length; i += 40) {
      await knex('ml_metric_tiers').insert(rows.slice(i, i + 40));
    }
  }
  await knex.schema.dropTable('ml_metrics');
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.createTable('ml_metrics', table => {
    runRef(table);
    table.string('key', 250).notNullable();
    table.double('value').notNullable();
    table.boolean('is_nan').notNullable().defaultTo(false);
    table.bigInteger('timestamp').notNullable();
    table.bigInteger('step').notNullable().defaultTo(0);
    table.primary(['run_uuid', 'key', 'step', 'timestamp', 'value', 'is_nan']);
  });
  let after = 0;
  for (;;) {
    const chunks = await knex('ml_metric_chunks')
      .where('chunk_id', '>', after)
      .orderBy('chunk_id')
      .limit(10)
      .select('chunk_id', 'run_uuid', 'key', 'points');
    if (chunks.length === 0) break;
    for (const chunk of chunks) {
      const columns = new Float64Array(chunk.points.byteLength / 8);
      new Uint8Array(columns.buffer).set(chunk.points);
      const n = columns.length / 3;
      const rows = [];
      for (let i = 0; i < n; i++) {
        const value = columns[2 * n + i];
        rows.push({
          run_uuid: chunk.run_uuid,
          key: chunk.key,
          step: columns[i],
          timestamp: columns[n + i],
          value: Number.isNaN(value) ? 0 : value,
          is_nan: Number.isNaN(value),
        });
      }
      for (let i = 0; i < rows.length; i += 80) {
        await knex('ml_metrics')
          .insert(rows.slice(i, i + 80))
          .onConflict()
          .ignore();
      }
      after = Number(chunk.chunk_id);
    }
  }
  await knex.schema.dropTable('ml_metric_tiers');
  await knex.schema.dropTable('ml_metric_chunks');
};

/** A column referencing a run; its rows go with it. */
function runRef(/** @type {import('knex').Knex.CreateTableBuilder} */ table) {
  table
    .string('run_uuid', 32)
    .notNullable()
    .references('run_uuid')
    .inTable('ml_runs')
    .onDelete('CASCADE');
}

/** @typedef {{ step: number, timestamp: number, value: number }} Point */

/** @param {number} value */
const finite = value => (Number.isNaN(value) ? null : value);

/** @param {Point[]} points in history order */
function chunkRow(points) {
  const n = points.length;
  const columns = new Float64Array(3 * n);
  /** @type {number | null} */ let min = null;
  /** @type {number | null} */ let max = null;
  points.forEach((p, i) => {
    columns[i] = p.step;
    columns[n + i] = p.timestamp;
    columns[2 * n + i] = p.value;
    if (Number.isNaN(p.value)) return;
    if (min === null || p.value < min) min = p.value;
    if (max === null || p.value > max) max = p.value;
  });
  return {
    point_count: n,
    step_lo: points[0].step,
    step_hi: points[n - 1].step,
    min_value: min,
    max_value: max,
    first_value: finite(points[0].value),
    last_value: finite(points[n - 1].value),
    points: Buffer.from(columns.buffer),
  };
}

/** @param {number} tier @param {number} bucket */
function emptyTier(tier, bucket) {
  return {
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
  };
}

/** @param {any} row @param {Point} p points come in history order */
function addPoint(row, p) {
  row.point_count++;
  if (Number.isNaN(p.value)) return;
  if (row.min_value === null || p.value < row.min_value)
    row.min_value = p.value;
  if (row.max_value === null || p.value > row.max_value)
    row.max_value = p.value;
  if (row.first_step === null) {
    row.first_step = p.step;
    row.first_ts = p.timestamp;
    row.first_value = p.value;
  }
  row.last_step = p.step;
  row.last_ts = p.timestamp;
  row.last_value = p.value;
}
