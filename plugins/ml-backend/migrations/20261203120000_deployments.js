// @ts-check

/**
 * Deployments: endpoints serve registered model versions. An endpoint follows an alias
 * (`follows_alias`) or serves what it was given; each version it serves is a deployment
 * row with its traffic weight (`role` stable, canary or retired: retired rows keep the
 * history the rollback button reads). A canary is a row of its own holding the analysis'
 * settings and verdict, so an analysis survives a backend restart. Events are the
 * endpoint's timeline; they have no foreign key, so they outlive a deleted endpoint.
 * Serving minutes are the router's own counts per deployment and minute, with a
 * mergeable latency histogram (HdrHistogram, compressed base64).
 * Times are epoch milliseconds, as in the registry.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('ml_endpoints', table => {
    table.string('endpoint_id', 36).primary();
    table.string('name', 63).notNullable().unique({
      indexName: 'ml_endpoints_name_uq',
    });
    table.string('owner', 255).notNullable();
    table.string('kind', 20).notNullable();
    table.string('target', 64).notNullable();
    table.string('model_name', 256).notNullable();
    table.string('follows_alias', 256);
    table.string('pool', 128);
    table.string('region', 64);
    table.string('instance_type', 64);
    table.integer('gpus').notNullable().defaultTo(0);
    table.integer('min_replicas').notNullable();
    table.integer('max_replicas').notNullable();
    table.integer('target_concurrency').notNullable();
    table.integer('scale_to_zero_seconds');
    // Canary settings of this endpoint: percent, minutes, thresholds (JSON).
    table.text('canary_policy').notNullable();
    table.string('status', 20).notNullable();
    table.text('status_reason');
    table.text('url');
    table.text('description');
    table.string('created_by', 255).notNullable();
    table.bigInteger('created_at').notNullable();
    table.bigInteger('updated_at').notNullable();
    table.index(['owner'], 'ml_endpoints_owner_idx');
    table.index(['model_name'], 'ml_endpoints_model_idx');
  });

  await knex.schema.createTable('ml_endpoint_deployments', table => {
    table.string('deployment_id', 36).primary();
    table
      .string('endpoint_id', 36)
      .notNullable()
      .references('endpoint_id')
      .inTable('ml_endpoints')
      .onDelete('CASCADE');
    table.string('name', 63).notNullable();
    table.integer('model_version').notNullable();
    table.string('version_id', 36);
    table.string('role', 10).notNullable();
    table.integer('weight').notNullable();
    table.string('state', 20).notNullable();
    table.text('reason');
    table.text('log_tail');
    table.integer('last_cold_start_ms');
    table.bigInteger('created_at').notNullable();
    table.bigInteger('ready_at');
    table.bigInteger('retired_at');
    table.index(['endpoint_id', 'role'], 'ml_endpoint_deployments_role_idx');
  });
  // One stable and at most one canary per endpoint at a time.
  await knex.raw(
    `CREATE UNIQUE INDEX ml_endpoint_deployments_live_uq
       ON ml_endpoint_deployments (endpoint_id, role)
       WHERE role <> 'retired'`,
  );

  await knex.schema.createTable('ml_canaries', table => {
    table.string('canary_id', 36).primary();
    table
      .string('endpoint_id', 36)
      .notNullable()
      .references('endpoint_id')
      .inTable('ml_endpoints')
      .onDelete('CASCADE');
    table.string('deployment_id', 36).notNullable();
    table.string('stable_deployment_id', 36).notNullable();
    table.integer('model_version').notNullable();
    table.integer('stable_version').notNullable();
    table.integer('percent').notNullable();
    table.text('policy').notNullable();
    table.string('status', 20).notNullable();
    table.text('verdict');
    table.string('promotion_request_id', 36);
    table.string('alias', 256);
    table.string('started_by', 255).notNullable();
    table.bigInteger('started_at').notNullable();
    table.string('decided_by', 255);
    table.bigInteger('decided_at');
    table.index(['status'], 'ml_canaries_status_idx');
  });
  await knex.raw(
    `CREATE UNIQUE INDEX ml_canaries_running_uq
       ON ml_canaries (endpoint_id)
       WHERE status = 'RUNNING'`,
  );

  await knex.schema.createTable('ml_endpoint_events', table => {
    table.increments('event_id');
    table.string('endpoint_id', 36).notNullable();
    table.bigInteger('at').notNullable();
    table.string('actor', 255).notNullable();
    table.string('kind', 40).notNullable();
    table.integer('model_version');
    table.text('detail').notNullable();
    table.index(['endpoint_id', 'at'], 'ml_endpoint_events_endpoint_idx');
  });

  await knex.schema.createTable('ml_serving_minutes', table => {
    table.string('deployment_id', 36).notNullable();
    table.bigInteger('minute').notNullable();
    table.string('endpoint_id', 36).notNullable();
    table.integer('requests').notNullable();
    table.integer('errors').notNullable();
    table.integer('client_errors').notNullable();
    table.bigInteger('bytes_in').notNullable();
    table.integer('cold_starts').notNullable();
    table.bigInteger('cold_start_ms').notNullable();
    table.text('latency').notNullable();
    table.primary(['deployment_id', 'minute']);
    table.index(['endpoint_id', 'minute'], 'ml_serving_minutes_endpoint_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('ml_serving_minutes');
  await knex.schema.dropTable('ml_endpoint_events');
  await knex.schema.dropTable('ml_canaries');
  await knex.schema.dropTable('ml_endpoint_deployments');
  await knex.schema.dropTable('ml_endpoints');
};
