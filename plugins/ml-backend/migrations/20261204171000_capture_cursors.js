// @ts-check

/**
 * Where the reading of a deployment's captured requests (SageMaker data capture files)
 * stands: the cursor its serving target answered with, opaque to the platform (for S3,
 * the last key read), so each pass reads only what arrived since.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('ml_capture_cursors', table => {
    table.string('deployment_id', 36).primary().notNullable();
    table.string('read_cursor', 1024).nullable();
    table.bigInteger('read_at').notNullable();
    table.index(['read_at'], 'ml_capture_cursors_read_at_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('ml_capture_cursors');
};
