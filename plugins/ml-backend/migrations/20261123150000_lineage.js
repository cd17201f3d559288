// @ts-check

/**
 * Lineage. `ml_lineage_edges` holds one row per fact "from relates to to"; the primary
 * key makes recording idempotent and serves downstream walks (from → to), a second
 * index serves upstream walks (to → from). Both cover the walk's columns, so a
 * recursive step reads only the index. `ml_lineage_datasets` are datasets as
 * first-class records across experiments, one per name and digest.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('ml_lineage_edges', table => {
    table.string('from_kind', 20).notNullable();
    table.string('from_id', 255).notNullable();
    table.string('to_kind', 20).notNullable();
    table.string('to_id', 255).notNullable();
    table.string('relation', 20).notNullable();
    table.bigInteger('created_at').notNullable();
    table.primary(['from_kind', 'from_id', 'to_kind', 'to_id', 'relation']);
    table.index(
      ['to_kind', 'to_id', 'from_kind', 'from_id', 'relation'],
      'ml_lineage_edges_upstream_idx',
    );
  });

  await knex.schema.createTable('ml_lineage_datasets', table => {
    table.string('id', 36).primary();
    table.string('name', 500).notNullable();
    table.string('digest', 64).notNullable();
    table.string('source_type', 64).notNullable();
    table.text('source').notNullable();
    table.text('schema');
    table.string('owner', 255).notNullable();
    table.string('residency', 50);
    table.bigInteger('created_at').notNullable();
    table.unique(['name', 'digest'], { indexName: 'ml_lineage_datasets_name_uq' });
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('ml_lineage_datasets');
  await knex.schema.dropTable('ml_lineage_edges');
};
