// @ts-check

/**
 * Model registry. Models and versions have ids of their own (a version's id is its
 * lineage node id), so renaming a model rewrites one row and versions, tags, aliases
 * and requests keep pointing at it. `last_version` is the per-model counter new
 * version numbers are taken from under the model row's lock: numbers are never
 * reused, even after deletes. At most one identical promotion request is pending at a
 * time (a partial unique index, same syntax on PostgreSQL and SQLite). Audit events
 * have no foreign key: the trail outlives the model.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('ml_registered_models', table => {
    table.string('model_id', 36).primary();
    table.string('name', 256).notNullable().unique({
      indexName: 'ml_registered_models_name_uq',
    });
    table.string('owner', 255).notNullable();
    table.text('description');
    table.integer('last_version').notNullable().defaultTo(0);
    table.bigInteger('creation_time').notNullable();
    table.bigInteger('last_updated_time').notNullable();
    table.index(['last_updated_time'], 'ml_registered_models_updated_idx');
  });

  await knex.schema.createTable('ml_model_versions', table => {
    table.string('version_id', 36).primary();
    table
      .string('model_id', 36)
      .notNullable()
      .references('model_id')
      .inTable('ml_registered_models')
      .onDelete('CASCADE');
    table.integer('version').notNullable();
    table.text('source').notNullable();
    table.string('run_id', 36);
    table.string('experiment_id', 36);
    table.string('stage', 20).notNullable();
    table.string('status', 30).notNullable();
    table.text('status_message');
    table.text('description');
    table.string('user_id', 255);
    table.bigInteger('creation_time').notNullable();
    table.bigInteger('last_updated_time').notNullable();
    table.unique(['model_id', 'version'], {
      indexName: 'ml_model_versions_number_uq',
    });
    table.index(['run_id'], 'ml_model_versions_run_idx');
  });

  await knex.schema.createTable('ml_registered_model_tags', table => {
    table
      .string('model_id', 36)
      .notNullable()
      .references('model_id')
      .inTable('ml_registered_models')
      .onDelete('CASCADE');
    table.string('key', 250).notNullable();
    table.text('value').notNullable();
    table.primary(['model_id', 'key']);
  });

  await knex.schema.createTable('ml_model_version_tags', table => {
    table
      .string('version_id', 36)
      .notNullable()
      .references('version_id')
      .inTable('ml_model_versions')
      .onDelete('CASCADE');
    table.string('key', 250).notNullable();
    table.text('value').notNullable();
    table.primary(['version_id', 'key']);
  });

  await knex.schema.createTable('ml_model_aliases', table => {
    table
      .string('model_id', 36)
      .notNullable()
      .references('model_id')
      .inTable('ml_registered_models')
      .onDelete('CASCADE');
    table.string('alias', 255).notNullable();
    table
      .string('version_id', 36)
      .notNullable()
      .references('version_id')
      .inTable('ml_model_versions')
      .onDelete('CASCADE');
    table.primary(['model_id', 'alias']);
    table.index(['version_id'], 'ml_model_aliases_version_idx');
  });

  await knex.schema.createTable('ml_promotion_requests', table => {
    table.string('request_id', 36).primary();
    table
      .string('model_id', 36)
      .notNullable()
      .references('model_id')
      .inTable('ml_registered_models')
      .onDelete('CASCADE');
    table
      .string('version_id', 36)
      .notNullable()
      .references('version_id')
      .inTable('ml_model_versions')
      .onDelete('CASCADE');
    table.string('alias', 255).notNullable();
    table.string('status', 20).notNullable();
    table.string('requested_by', 255).notNullable();
    table.bigInteger('requested_at').notNullable();
    table.text('reason');
    table.text('metrics').notNullable(); // JSON object: metric key → value
    table.text('gates').notNullable(); // JSON array of GateResult
    table.string('decided_by', 255);
    table.bigInteger('decided_at');
    table.text('decision_comment');
    table.index(['status', 'requested_at'], 'ml_promotion_requests_status_idx');
    table.index(
      ['model_id', 'requested_at'],
      'ml_promotion_requests_model_idx',
    );
  });
  await knex.raw(
    `CREATE UNIQUE INDEX ml_promotion_requests_pending_uq
       ON ml_promotion_requests (model_id, alias, version_id)
       WHERE status = 'PENDING'`,
  );

  await knex.schema.createTable('ml_registry_audit', table => {
    // Increasing, so events of the same millisecond keep their order.
    table.increments('event_id').primary();
    table.bigInteger('at').notNullable();
    table.string('actor', 255).notNullable();
    table.string('model_id', 36).notNullable();
    // The model's name and version number when it happened.
    table.string('model_name', 256).notNullable();
    table.string('version', 20);
    table.string('action', 50).notNullable();
    table.text('detail').notNullable();
    table.text('metrics'); // JSON object, for promotion events
    table.string('request_id', 36);
    table.index(['model_id', 'event_id'], 'ml_registry_audit_model_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('ml_registry_audit');
  await knex.schema.dropTable('ml_promotion_requests');
  await knex.schema.dropTable('ml_model_aliases');
  await knex.schema.dropTable('ml_model_version_tags');
  await knex.schema.dropTable('ml_registered_model_tags');
  await knex.schema.dropTable('ml_model_versions');
  await knex.schema.dropTable('ml_registered_models');
};
