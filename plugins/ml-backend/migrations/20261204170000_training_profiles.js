// @ts-check

/**
 * Training profiles as owned, versioned assets. `ml_training_profile_versions` holds
 * every version ever made (never updated: a change is a new row, so a job's version
 * always says what it was submitted under); `ml_training_profiles` points at each
 * profile's current version, with its owner group and the digest of the config
 * definition last synced into it (a config profile only makes a new version when
 * config changed, so an edit through the API is not overwritten at the next start).
 * Jobs record the version they were submitted with.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('ml_training_profiles', table => {
    table.string('name', 100).primary();
    table.string('owner', 255).notNullable();
    table.integer('current_version').notNullable();
    table
      .string('config_digest', 64)
      .comment(
        'SHA-256 of the config definition last synced; null if never in config',
      );
    table.bigInteger('created_at').notNullable();
    table.bigInteger('updated_at').notNullable();
  });

  await knex.schema.createTable('ml_training_profile_versions', table => {
    table
      .string('name', 100)
      .notNullable()
      .references('name')
      .inTable('ml_training_profiles')
      .onDelete('CASCADE');
    table.integer('version').notNullable();
    table.string('owner', 255).notNullable();
    table.text('definition').notNullable().comment('The profile as JSON');
    table.string('source', 10).notNullable().comment('config or api');
    table.string('created_by', 255);
    table.bigInteger('created_at').notNullable();
    table.primary(['name', 'version'], 'ml_training_profile_versions_pk');
  });

  await knex.schema.alterTable('ml_jobs', table => {
    table.integer('profile_version');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('ml_jobs', table => {
    table.dropColumn('profile_version');
  });
  await knex.schema.dropTable('ml_training_profile_versions');
  await knex.schema.dropTable('ml_training_profiles');
};
