// @ts-check

/**
 * MLflow 3's logged models. `ml_logged_models` holds one row per model (an id `m-<hex>`,
 * its experiment, the run that made it, its status); tags and params are keyed per
 * model; `ml_logged_model_metrics` holds the metrics logged against a model (with the
 * run and dataset they were computed on), as MLflow's `logged_model_metrics`; and
 * `ml_run_outputs` the models a run produced (MLflow's run outputs). Model versions name
 * the logged model they were registered from in `logged_model_id` (`model_id` there is
 * the registered model's).
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('ml_logged_models', table => {
    table.string('model_id', 64).primary();
    table
      .integer('experiment_id')
      .unsigned()
      .notNullable()
      .references('experiment_id')
      .inTable('ml_experiments')
      .onDelete('CASCADE');
    table.string('name', 500).notNullable();
    table.string('artifact_location', 1000).notNullable();
    table.string('status', 40).notNullable();
    table.text('status_message');
    table.string('model_type', 500);
    table.string('source_run_id', 32);
    table.string('created_by', 255);
    table.string('lifecycle_stage', 32).notNullable().defaultTo('active');
    table.bigInteger('creation_time').notNullable();
    table.bigInteger('last_updated_time').notNullable();
    // Search's default order within an experiment, and a run's models.
    table.index(
      ['experiment_id', 'creation_time'],
      'ml_logged_models_experiment_idx',
    );
    table.index(['source_run_id'], 'ml_logged_models_run_idx');
  });

  const modelRef = (/** @type {import('knex').Knex.CreateTableBuilder} */ t) =>
    t
      .string('model_id', 64)
      .notNullable()
      .references('model_id')
      .inTable('ml_logged_models')
      .onDelete('CASCADE');

  for (const name of ['ml_logged_model_tags', 'ml_logged_model_params']) {
    await knex.schema.createTable(name, table => {
      modelRef(table);
      table.string('key', 250).notNullable();
      table.text('value').notNullable();
      table.primary(['model_id', 'key']);
    });
  }

  await knex.schema.createTable('ml_logged_model_metrics', table => {
    modelRef(table);
    table.string('key', 250).notNullable();
    table.double('value').notNullable();
    table.boolean('is_nan').notNullable().defaultTo(false);
    table.bigInteger('timestamp').notNullable();
    table.bigInteger('step').notNullable().defaultTo(0);
    table.string('run_uuid', 32).notNullable();
    // '' when the metric names no dataset: primary key columns cannot be NULL.
    table.string('dataset_name', 500).notNullable().defaultTo('');
    table.string('dataset_digest', 36).notNullable().defaultTo('');
    // Logging the same point twice is one point, as for run metrics.
    table.primary(
      [
        'model_id',
        'key',
        'dataset_name',
        'dataset_digest',
        'run_uuid',
        'step',
        'timestamp',
        'value',
        'is_nan',
      ],
      'ml_logged_model_metrics_pk',
    );
  });

  await knex.schema.createTable('ml_run_outputs', table => {
    table
      .string('run_uuid', 32)
      .notNullable()
      .references('run_uuid')
      .inTable('ml_runs')
      .onDelete('CASCADE');
    modelRef(table);
    table.bigInteger('step').notNullable().defaultTo(0);
    table.primary(['run_uuid', 'model_id']);
  });

  await knex.schema.alterTable('ml_model_versions', table => {
    table.string('logged_model_id', 64);
    table.index(['logged_model_id'], 'ml_model_versions_logged_model_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('ml_model_versions', table => {
    table.dropIndex(['logged_model_id'], 'ml_model_versions_logged_model_idx');
    table.dropColumn('logged_model_id');
  });
  await knex.schema.dropTable('ml_run_outputs');
  await knex.schema.dropTable('ml_logged_model_metrics');
  await knex.schema.dropTable('ml_logged_model_params');
  await knex.schema.dropTable('ml_logged_model_tags');
  await knex.schema.dropTable('ml_logged_models');
};
