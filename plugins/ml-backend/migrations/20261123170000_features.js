// @ts-check

/**
 * The feature catalog, imported from Feast registries. Objects are keyed by Feast
 * project and name; lists, tags and features are JSON text. A view no longer in its
 * project's dump keeps its row with `removed_at` set (lineage and history still name
 * it). `ml_feature_view_versions` holds one row per definition change, with what
 * changed; `ml_feature_imports` what each import did.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  /** The columns every Feast object has. @param {import('knex').Knex.CreateTableBuilder} table */
  const feastObject = table => {
    table.string('project', 255).notNullable();
    table.string('name', 255).notNullable();
    table.text('description');
    table.string('owner', 255);
    table.text('tags').notNullable();
    table.bigInteger('updated_at').notNullable();
    table.bigInteger('removed_at');
  };

  await knex.schema.createTable('ml_feature_entities', table => {
    feastObject(table);
    table.text('join_keys').notNullable();
    table.string('value_type', 64);
    table.primary(['project', 'name']);
  });

  await knex.schema.createTable('ml_feature_sources', table => {
    feastObject(table);
    table.string('type', 64).notNullable();
    table.text('location');
    table.string('timestamp_field', 255);
    table.primary(['project', 'name']);
  });

  await knex.schema.createTable('ml_feature_services', table => {
    feastObject(table);
    table.text('feature_views').notNullable();
    table.primary(['project', 'name']);
  });

  await knex.schema.createTable('ml_feature_views', table => {
    // `<project>/<name>`: the lineage node id, so lineage describes views by one column.
    table.string('id', 511).primary();
    feastObject(table);
    table.string('kind', 16).notNullable();
    table.text('entities').notNullable();
    table.text('features').notNullable();
    table.double('ttl_seconds');
    table.boolean('online').notNullable();
    table.boolean('offline').notNullable();
    table.string('batch_source', 255);
    table.string('stream_source', 255);
    table.double('slo_seconds');
    table.bigInteger('last_materialized_at');
    table.integer('version').notNullable();
    table.bigInteger('created_at').notNullable();
    // Lowercased names, descriptions, features, entities and tags that `q` matches.
    table.text('search_text').notNullable();
    table.unique(['project', 'name'], {
      indexName: 'ml_feature_views_project_name_uq',
    });
    table.index(['owner'], 'ml_feature_views_owner_idx');
  });

  await knex.schema.createTable('ml_feature_view_versions', table => {
    table.string('view_id', 511).notNullable();
    table.integer('version').notNullable();
    table.string('import_id', 36).notNullable();
    table.bigInteger('imported_at').notNullable();
    table.text('changes').notNullable();
    table.primary(['view_id', 'version']);
  });

  await knex.schema.createTable('ml_feature_imports', table => {
    // Imports take turns, so `seq` orders the history even within one millisecond.
    table.increments('seq');
    table
      .string('id', 36)
      .notNullable()
      .unique({ indexName: 'ml_feature_imports_id_uq' });
    table.string('source', 255).notNullable();
    table.string('imported_by', 255);
    table.bigInteger('imported_at').notNullable();
    table.text('projects').notNullable();
    table.text('added').notNullable();
    table.text('changed').notNullable();
    table.text('removed').notNullable();
    table.integer('unchanged').notNullable();
    table.text('warnings').notNullable();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('ml_feature_imports');
  await knex.schema.dropTable('ml_feature_view_versions');
  await knex.schema.dropTable('ml_feature_views');
  await knex.schema.dropTable('ml_feature_services');
  await knex.schema.dropTable('ml_feature_sources');
  await knex.schema.dropTable('ml_feature_entities');
};
