/*
 * Monitoring: per endpoint settings (SLOs, drift sampling and thresholds, retraining),
 * hourly rollups of the serving minutes for long charts, the drift windows' samples
 * (kept only until their window is judged) and results, and alerts.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('ml_endpoint_monitoring', table => {
    table.string('endpoint_id', 36).primary();
    table.text('settings').notNullable();
    table.string('updated_by', 255).notNullable();
    table.bigInteger('updated_at').notNullable();
  });
  // The same measures as ml_serving_minutes, an hour per row (latency histograms merged).
  await knex.schema.createTable('ml_serving_hours', table => {
    table.string('deployment_id', 36).notNullable();
    table.bigInteger('hour').notNullable();
    table.string('endpoint_id', 36).notNullable();
    table.bigInteger('requests').notNullable();
    table.bigInteger('errors').notNullable();
    table.bigInteger('client_errors').notNullable();
    table.bigInteger('bytes_in').notNullable();
    table.text('latency').notNullable();
    // The hour's quantiles, so a long chart reads numbers instead of decoding histograms.
    table.double('p50_ms');
    table.double('p95_ms');
    table.double('p99_ms');
    table.primary(['deployment_id', 'hour']);
    table.index(['endpoint_id', 'hour'], 'ml_serving_hours_endpoint_idx');
  });
  await knex.schema.createTable('ml_drift_samples', table => {
    table.increments('id');
    table.string('endpoint_id', 36).notNullable();
    table.string('deployment_id', 36).notNullable();
    table.bigInteger('window_start').notNullable();
    table.integer('rows').notNullable();
    // Column name → values, as JSON; deleted once the window is judged.
    table.text('columns').notNullable();
    table.index(['endpoint_id', 'window_start'], 'ml_drift_samples_window_idx');
  });
  await knex.schema.createTable('ml_drift_results', table => {
    table.string('endpoint_id', 36).notNullable();
    table.string('deployment_id', 36).notNullable();
    table.bigInteger('window_start').notNullable();
    table.bigInteger('window_end').notNullable();
    table.integer('version').notNullable();
    table.integer('samples').notNullable();
    table.string('status', 16).notNullable();
    table.text('features').notNullable();
    table.primary(['endpoint_id', 'deployment_id', 'window_start']);
  });
  await knex.schema.createTable('ml_monitoring_alerts', table => {
    table.string('id', 36).primary();
    table.string('endpoint_id', 36).notNullable();
    table.string('kind', 16).notNullable();
    table.string('subject', 255).notNullable();
    table.integer('version');
    table.string('status', 16).notNullable();
    table.bigInteger('opened_at').notNullable();
    table.bigInteger('closed_at');
    table.string('closed_by', 255);
    table.text('detail').notNullable();
    table.double('value');
    table.double('threshold');
    table.string('retraining_job_id', 64);
    table.text('retraining_error');
    table.index(
      ['endpoint_id', 'opened_at'],
      'ml_monitoring_alerts_endpoint_idx',
    );
  });
  // One open alert per endpoint, kind and subject, whichever replica sees it first.
  await knex.raw(
    `CREATE UNIQUE INDEX ml_monitoring_alerts_open_idx ON ml_monitoring_alerts (endpoint_id, kind, subject) WHERE status = 'open'`,
  );
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('ml_monitoring_alerts');
  await knex.schema.dropTable('ml_drift_results');
  await knex.schema.dropTable('ml_drift_samples');
  await knex.schema.dropTable('ml_serving_hours');
  await knex.schema.dropTable('ml_endpoint_monitoring');
};
