// @ts-check

/**
 * Teams' GPU quotas and secret scopes set by the platform team through the API
 * (`PUT /training/quotas/{team}`, `PUT /training/secret-scopes/{team}`). One row per
 * team holding its whole set, so an empty set (no quota, no secret) differs from no
 * row: a team without a row keeps its `ml.training.quotas` / `ml.training.secretScopes`
 * config entries.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('ml_team_quotas', table => {
    table.string('team', 255).primary().notNullable();
    // JSON array of { pool, nominalGpus, borrowingLimitGpus }, one entry per pool.
    table.text('quotas').notNullable();
    table.string('updated_by', 255).nullable();
    table.bigInteger('updated_at').notNullable();
  });
  await knex.schema.createTable('ml_team_secret_scopes', table => {
    table.string('team', 255).primary().notNullable();
    // JSON array of { target?, secrets }: references or `prefix*` patterns per target.
    table.text('scopes').notNullable();
    table.string('updated_by', 255).nullable();
    table.bigInteger('updated_at').notNullable();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('ml_team_secret_scopes');
  await knex.schema.dropTable('ml_team_quotas');
};
