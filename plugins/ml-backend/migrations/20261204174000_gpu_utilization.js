/*
 * GPU utilisation where a scraped model server reports it (Triton's nv_gpu_utilization):
 * the mean in percent per deployment and minute, and per hour in the rollups.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  for (const table of ['ml_serving_minutes', 'ml_serving_hours']) {
    await knex.schema.alterTable(table, t => {
      t.double('gpu_util');
    });
  }
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  for (const table of ['ml_serving_minutes', 'ml_serving_hours']) {
    await knex.schema.alterTable(table, t => {
      t.dropColumn('gpu_util');
    });
  }
};
