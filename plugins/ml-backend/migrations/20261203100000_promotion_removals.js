/*
 * Promotion requests that remove a protected alias: `action` is `set` (move the alias to
 * the version) or `remove` (take it off the version it points to). One pending request
 * per model, alias, version and action.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.alterTable('ml_promotion_requests', table => {
    table.string('action', 10).notNullable().defaultTo('set');
  });
  await knex.raw('DROP INDEX ml_promotion_requests_pending_uq');
  await knex.raw(
    `CREATE UNIQUE INDEX ml_promotion_requests_pending_uq
       ON ml_promotion_requests (model_id, alias, version_id, action)
       WHERE status = 'PENDING'`,
  );
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex('ml_promotion_requests').where({ action: 'remove' }).delete();
  await knex.raw('DROP INDEX ml_promotion_requests_pending_uq');
  await knex.raw(
    `CREATE UNIQUE INDEX ml_promotion_requests_pending_uq
       ON ml_promotion_requests (model_id, alias, version_id)
       WHERE status = 'PENDING'`,
  );
  await knex.schema.alterTable('ml_promotion_requests', table => {
    table.dropColumn('action');
  });
};
