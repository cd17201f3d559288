// @ts-check

/** A column referencing an experiment; its rows go with it. */
function experimentRef(
  /** @type {import('knex').Knex.CreateTableBuilder} */ table,
) {
  table
    .integer('experiment_id')
    .unsigned()
    .notNullable()
    .references('experiment_id')
    .inTable('ml_experiments')
    .onDelete('CASCADE');
}

/** A column referencing a run; its rows go with it. */
function runRef(/** @type {import('knex').Knex.CreateTableBuilder} */ table) {
  table
    .string('run_uuid', 32)
    .notNullable()
    .references('run_uuid')
    .inTable('ml_runs')
    .onDelete('CASCADE');
}

/**
 * Experiment tracking, in MLflow's model: experiments own runs; runs hold params
 * (immutable), tags, the full metric history and the latest value per metric key
 * (what search and sorting read); datasets are logged as run inputs.
 * Times are epoch milliseconds (bigint), as MLflow's API speaks them.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('ml_experiments', table => {
    table.increments('experiment_id').primary();
    table.string('name', 500).notNullable().unique();
    table
      .string('owner', 255)
      .notNullable()
      .comment('Backstage group entity ref');
    table.string('artifact_location', 1000).notNullable();
    table.string('lifecycle_stage', 32).notNullable().defaultTo('active');
    table.string('created_by', 255);
    table.bigInteger('creation_time').notNullable();
    table.bigInteger('last_update_time').notNullable();
    table.index(['owner'], 'ml_experiments_owner_idx');
  });

  await knex.schema.createTable('ml_experiment_tags', table => {
    experimentRef(table);
    table.string('key', 250).notNullable();
    table.text('value').notNullable();
    table.primary(['experiment_id', 'key']);
  });

  await knex.schema.createTable('ml_runs', table => {
    table.string('run_uuid', 32).primary();
    experimentRef(table);
    table.string('name', 250).notNullable();
    table.string('user_id', 255);
    table.string('status', 20).notNullable();
    table.bigInteger('start_time').notNullable();
    table.bigInteger('end_time');
    table.string('lifecycle_stage', 32).notNullable().defaultTo('active');
    table.string('artifact_uri', 1000).notNullable();
    table.bigInteger('deleted_time');
    table.index(
      ['experiment_id', 'start_time'],
      'ml_runs_experiment_start_idx',
    );
  });

  for (const name of ['ml_params', 'ml_run_tags']) {
    await knex.schema.createTable(name, table => {
      runRef(table);
      table.string('key', 250).notNullable();
      table.text('value').notNullable();
      table.primary(['run_uuid', 'key']);
    });
  }

  // NaN is stored as value 0 with is_nan set, as MLflow does; ±Infinity as is.
  await knex.schema.createTable('ml_metrics', table => {
    runRef(table);
    table.string('key', 250).notNullable();
    table.double('value').notNullable();
    table.boolean('is_nan').notNullable().defaultTo(false);
    table.bigInteger('timestamp').notNullable();
    table.bigInteger('step').notNullable().defaultTo(0);
    // Logging the same point twice is idempotent.
    table.primary(['run_uuid', 'key', 'timestamp', 'step', 'value', 'is_nan']);
    table.index(['run_uuid', 'key', 'step'], 'ml_metrics_history_idx');
  });

  await knex.schema.createTable('ml_latest_metrics', table => {
    runRef(table);
    table.string('key', 250).notNullable();
    table.double('value').notNullable();
    table.boolean('is_nan').notNullable().defaultTo(false);
    table.bigInteger('timestamp').notNullable();
    table.bigInteger('step').notNullable();
    table.primary(['run_uuid', 'key']);
    table.index(['key', 'value'], 'ml_latest_metrics_key_value_idx');
  });

  await knex.schema.createTable('ml_datasets', table => {
    table.string('dataset_uuid', 36).primary();
    experimentRef(table);
    table.string('name', 500).notNullable();
    table.string('digest', 36).notNullable();
    table.string('source_type', 36).notNullable();
    table.text('source').notNullable();
    table.text('schema');
    table.text('profile');
    table.unique(['experiment_id', 'name', 'digest'], {
      indexName: 'ml_datasets_identity_uq',
    });
  });

  await knex.schema.createTable('ml_run_inputs', table => {
    table.string('input_uuid', 36).primary();
    table
      .string('dataset_uuid', 36)
      .notNullable()
      .references('dataset_uuid')
      .inTable('ml_datasets')
      .onDelete('CASCADE');
    runRef(table);
    // Input tags such as mlflow.data.context=training, as JSON.
    table.text('tags').notNullable().defaultTo('[]');
    table.unique(['dataset_uuid', 'run_uuid'], {
      indexName: 'ml_run_inputs_uq',
    });
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  for (const name of [
    'ml_run_inputs',
    'ml_datasets',
    'ml_latest_metrics',
    'ml_metrics',
    'ml_run_tags',
    'ml_params',
    'ml_runs',
    'ml_experiment_tags',
    'ml_experiments',
  ]) {
    await knex.schema.dropTable(name);
  }
};
