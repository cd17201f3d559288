// @ts-check

/**
 * GPU spend. `ml_usage` holds the priced facts (one row per attempt, UTC day and price;
 * integer micro-dollars); two rollups are maintained in the same transaction as each
 * usage row, so pages never aggregate raw usage: per day × team × pool × GPU type ×
 * spot, and per month × job, run and experiment (the top lists, and a model version's
 * cost through its runs' lineage). Imported bills and sent budget alerts have
 * tables of their own; attempts get `metered_at` once their usage is recorded.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('ml_usage', table => {
    table.increments('usage_id').primary();
    table.string('source', 20).notNullable(); // training | endpoint | storage
    table.string('attempt_id', 36);
    table.string('job_id', 36);
    table.string('team', 255).notNullable();
    table.string('pool', 100).notNullable();
    table.string('provider', 20);
    table.string('region', 50);
    table.string('gpu_type', 50).notNullable();
    table.integer('gpus').notNullable();
    table.boolean('spot').notNullable();
    table.string('experiment_id', 36);
    table.string('run_id', 36);
    table.string('day', 10).notNullable();
    table.string('month', 7).notNullable();
    table.bigInteger('start_ms').notNullable();
    table.bigInteger('end_ms').notNullable();
    table.double('gpu_seconds').notNullable();
    table.bigInteger('cost_micros').notNullable();
    table.bigInteger('list_cost_micros').notNullable();
    table.unique(['attempt_id', 'start_ms'], { indexName: 'ml_usage_attempt_uq' });
    table.index(['month', 'team'], 'ml_usage_month_idx');
  });

  await knex.schema.createTable('ml_cost_daily', table => {
    table.string('day', 10).notNullable();
    table.string('month', 7).notNullable();
    table.string('team', 255).notNullable();
    table.string('pool', 100).notNullable();
    table.string('gpu_type', 50).notNullable();
    table.boolean('spot').notNullable();
    table.double('gpu_seconds').notNullable();
    table.bigInteger('cost_micros').notNullable();
    table.bigInteger('list_cost_micros').notNullable();
    table.primary(['day', 'team', 'pool', 'gpu_type', 'spot']);
    table.index(['month', 'team'], 'ml_cost_daily_month_idx');
  });

  // Spend per month of each job, run and experiment: the top lists read one index range.
  await knex.schema.createTable('ml_cost_monthly_items', table => {
    table.string('month', 7).notNullable();
    table.string('kind', 12).notNullable(); // job | run | experiment
    table.string('item_id', 36).notNullable();
    table.string('team', 255).notNullable();
    table.double('gpu_seconds').notNullable();
    table.bigInteger('cost_micros').notNullable();
    table.bigInteger('list_cost_micros').notNullable();
    table.primary(['month', 'kind', 'item_id']);
    table.index(['month', 'kind', 'cost_micros'], 'ml_cost_monthly_items_cost_idx');
    table.index(['kind', 'item_id'], 'ml_cost_monthly_items_item_idx');
  });

  await knex.schema.createTable('ml_billed_costs', table => {
    table.string('source', 50).notNullable();
    table.string('line_key', 500).notNullable();
    table.string('team', 255);
    table.string('month', 7).notNullable();
    table.bigInteger('period_start_ms').notNullable();
    table.bigInteger('period_end_ms').notNullable();
    table.string('gpu_type', 50);
    table.text('description').notNullable();
    table.bigInteger('amount_micros').notNullable();
    table.bigInteger('imported_at').notNullable();
    table.primary(['source', 'line_key']);
    table.index(['month', 'team'], 'ml_billed_costs_month_idx');
  });

  await knex.schema.createTable('ml_budget_alerts', table => {
    table.string('team', 255).notNullable();
    table.string('month', 7).notNullable();
    table.double('threshold').notNullable();
    table.bigInteger('spent_micros').notNullable();
    table.bigInteger('at').notNullable();
    table.primary(['team', 'month', 'threshold']);
  });

  await knex.schema.alterTable('ml_job_attempts', table => {
    table.bigInteger('metered_at');
    // The tick looks for ended, unmetered attempts: few rows among many metered ones.
    table.index(['metered_at'], 'ml_job_attempts_metered_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('ml_job_attempts', table => {
    table.dropIndex(['metered_at'], 'ml_job_attempts_metered_idx');
    table.dropColumn('metered_at');
  });
  for (const name of ['ml_budget_alerts', 'ml_billed_costs', 'ml_cost_monthly_items', 'ml_cost_daily', 'ml_usage']) {
    await knex.schema.dropTable(name);
  }
};
