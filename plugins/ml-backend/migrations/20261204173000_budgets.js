// @ts-check

/**
 * Teams' monthly GPU budgets set through the API (`PUT /cost/budgets/{team}`); a team
 * without a row keeps its `ml.cost.budgets` config budget.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('ml_budgets', table => {
    table.string('team', 255).primary().notNullable();
    table.decimal('monthly_usd', 16, 6).notNullable();
    // Alert thresholds as a JSON array of fractions of the amount, ascending.
    table.text('alert_at').notNullable();
    table.boolean('hard').notNullable().defaultTo(false);
    table.string('updated_by', 255).nullable();
    table.bigInteger('updated_at').notNullable();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('ml_budgets');
};
