// @ts-check

/**
 * The counters a scrape of a remote model server read, per deployment and scrape
 * interval: the next interval's scrape writes its minutes as the difference.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('ml_scrape_baselines', table => {
    table.string('deployment_id', 36).notNullable();
    table.bigInteger('interval_start').notNullable();
    table.bigInteger('scraped_at').notNullable();
    table.text('counters').notNullable();
    table.primary(['deployment_id', 'interval_start']);
    table.index(['interval_start'], 'ml_scrape_baselines_interval_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('ml_scrape_baselines');
};
