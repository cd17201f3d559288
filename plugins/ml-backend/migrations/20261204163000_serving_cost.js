// @ts-check

/**
 * Serving cost. `ml_endpoint_replicas` is what each deployment ran, as intervals of a
 * replica count (0 while scaled to zero), written by the reconciler when the count it
 * sees changes; each row carries the endpoint's settings of the time (owner, pool, GPUs,
 * model version), so a deleted endpoint's usage is still priced. At most one interval
 * per deployment is open (`to_ms` null).
 *
 * Serving usage is metered per closed hour: `ml_serving_meter_hours` holds the hours
 * metered, claimed in the transaction that writes their usage, so two backends record
 * an hour once. Usage rows gain the endpoint, deployment and model version they were
 * for, and the daily rollup gains `source` (training, endpoint, storage) in its key, so
 * the page shows serving beside training.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('ml_endpoint_replicas', table => {
    table.increments('interval_id').primary();
    table.string('deployment_id', 36).notNullable();
    table.string('endpoint_id', 36).notNullable();
    table.string('endpoint_name', 63).notNullable();
    table.string('team', 255).notNullable();
    table.string('kind', 20).notNullable();
    table.string('target', 64).notNullable();
    table.string('pool', 128);
    table.string('region', 64);
    table.string('instance_type', 64);
    table.integer('gpus').notNullable();
    table.integer('min_replicas').notNullable();
    table.string('model_name', 256).notNullable();
    table.integer('model_version').notNullable();
    table.string('version_id', 36);
    table.integer('replicas').notNullable();
    table.bigInteger('from_ms').notNullable();
    table.bigInteger('to_ms');
    // A window reads the intervals that end in or after it (or are open).
    table.index(['to_ms'], 'ml_endpoint_replicas_to_idx');
    table.index(['endpoint_id'], 'ml_endpoint_replicas_endpoint_idx');
  });
  await knex.raw(
    `CREATE UNIQUE INDEX ml_endpoint_replicas_open_uq
       ON ml_endpoint_replicas (deployment_id)
       WHERE to_ms IS NULL`,
  );

  await knex.schema.createTable('ml_serving_meter_hours', table => {
    table.bigInteger('hour_ms').primary();
    table.bigInteger('metered_at').notNullable();
  });

  await knex.schema.alterTable('ml_usage', table => {
    table.string('endpoint_id', 36);
    table.string('endpoint_name', 63);
    table.string('deployment_id', 36);
    table.string('model_version_id', 36);
    table.unique(['deployment_id', 'start_ms'], {
      indexName: 'ml_usage_deployment_uq',
    });
    table.index(['model_version_id'], 'ml_usage_model_version_idx');
  });

  // The key changes: a new table with `source`, the old rows as training's.
  await knex.schema.createTable('ml_cost_daily_by_source', table => {
    table.string('day', 10).notNullable();
    table.string('month', 7).notNullable();
    table.string('team', 255).notNullable();
    table.string('source', 20).notNullable();
    table.string('pool', 100).notNullable();
    table.string('gpu_type', 50).notNullable();
    table.boolean('spot').notNullable();
    table.double('gpu_seconds').notNullable();
    table.bigInteger('cost_micros').notNullable();
    table.bigInteger('list_cost_micros').notNullable();
    table.primary(['day', 'team', 'source', 'pool', 'gpu_type', 'spot']);
  });
  await knex.raw(
    `INSERT INTO ml_cost_daily_by_source
       (day, month, team, source, pool, gpu_type, spot, gpu_seconds, cost_micros, list_cost_micros)
     SELECT day, month, team, 'training', pool, gpu_type, spot, gpu_seconds, cost_micros, list_cost_micros
       FROM ml_cost_daily`,
  );
  await knex.schema.dropTable('ml_cost_daily');
  await knex.schema.renameTable('ml_cost_daily_by_source', 'ml_cost_daily');
  await knex.schema.alterTable('ml_cost_daily', table => {
    table.index(['month', 'team'], 'ml_cost_daily_month_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.createTable('ml_cost_daily_without_source', table => {
    table.string('day', 10).notNullable();
    table.string('month', 7).notNullable();
    table.string('team', 255).notNullable();
    table.string('pool', 100).notNullable();
    table.string('gpu_type', 50).notNullable();
    table.boolean('spot').notNullable();
    table.double('gpu_seconds').notNullable();
    table.bigInteger('cost_micros').notNullable();
    table.bigInteger('list_cost_micros').notNullable();
    table.primary(['day', 'team', 'pool', 'gpu_type', 'spot']);
  });
  await knex.raw(
    `INSERT INTO ml_cost_daily_without_source
       (day, month, team, pool, gpu_type, spot, gpu_seconds, cost_micros, list_cost_micros)
     SELECT day, month, team, pool, gpu_type, spot,
            SUM(gpu_seconds), SUM(cost_micros), SUM(list_cost_micros)
       FROM ml_cost_daily
      GROUP BY day, month, team, pool, gpu_type, spot`,
  );
  await knex.schema.dropTable('ml_cost_daily');
  await knex.schema.renameTable(
    'ml_cost_daily_without_source',
    'ml_cost_daily',
  );
  await knex.schema.alterTable('ml_cost_daily', table => {
    table.index(['month', 'team'], 'ml_cost_daily_month_idx');
  });
  await knex.schema.alterTable('ml_usage', table => {
    table.dropIndex(['model_version_id'], 'ml_usage_model_version_idx');
    table.dropUnique(['deployment_id', 'start_ms'], 'ml_usage_deployment_uq');
    table.dropColumns(
      'endpoint_id',
      'endpoint_name',
      'deployment_id',
      'model_version_id',
    );
  });
  await knex.schema.dropTable('ml_serving_meter_hours');
  await knex.schema.dropTable('ml_endpoint_replicas');
};
