// @ts-check

/**
 * MLflow 3's model inputs of a run (`log-inputs` with `models`): the logged models a run
 * read, e.g. the model an evaluation run scored. One row per run and model.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('ml_run_model_inputs', table => {
    table
      .string('run_uuid', 32)
      .notNullable()
      .references('run_uuid')
      .inTable('ml_runs')
      .onDelete('CASCADE');
    table
      .string('model_id', 64)
      .notNullable()
      .references('model_id')
      .inTable('ml_logged_models')
      .onDelete('CASCADE');
    table.primary(['run_uuid', 'model_id']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('ml_run_model_inputs');
};
