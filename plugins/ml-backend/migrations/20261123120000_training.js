// @ts-check

/**
 * Training jobs. The job row is the truth (the BullMQ queues can be lost and are
 * rebuilt from it); each try on compute is an attempt row; every transition is an event
 * with a human-readable message. `ml_admission_lock` holds one row that admission
 * locks (SELECT ... FOR UPDATE on PostgreSQL) so that several workers never
 * oversubscribe a quota.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('ml_jobs', table => {
    table.string('job_id', 36).primary();
    table.string('name', 250).notNullable();
    table.string('owner', 255).notNullable();
    table.string('status', 20).notNullable();
    table.text('status_message');
    table.string('pending_reason', 20);
    table.string('profile', 100);
    table.string('requested_pool', 100);
    table.string('pool', 100).comment('The pool admission chose');
    table.integer('priority').notNullable().defaultTo(0);
    table.integer('gpus').notNullable();
    table.boolean('spot_allowed').notNullable().defaultTo(false);
    table.integer('max_retries').notNullable().defaultTo(0);
    table.string('submitted_by', 255);
    table.string('experiment_id', 20);
    table.string('run_id', 32);
    table.text('spec').notNullable().comment('JobSpec as JSON; secret references only');
    table.bigInteger('created_at').notNullable();
    table.bigInteger('updated_at').notNullable();
    table.index(['status', 'priority', 'created_at'], 'ml_jobs_queue_idx');
    table.index(['owner'], 'ml_jobs_owner_idx');
  });

  await knex.schema.createTable('ml_job_attempts', table => {
    table.string('attempt_id', 36).primary();
    table
      .string('job_id', 36)
      .notNullable()
      .references('job_id')
      .inTable('ml_jobs')
      .onDelete('CASCADE');
    table.integer('attempt_number').notNullable();
    table.string('pool', 100).notNullable();
    table.string('target', 50).notNullable();
    table.string('external_name', 100).notNullable().unique();
    table.string('external_id', 255);
    table.string('state', 20).notNullable();
    table.boolean('spot').notNullable();
    table.integer('gpus').notNullable();
    table.string('gpu_type', 50).notNullable();
    table.string('instance_type', 100);
    table.string('region', 50).notNullable();
    table.bigInteger('started_at');
    table.bigInteger('ended_at');
    table.text('exit_reason');
    table.integer('billable_seconds');
    table.unique(['job_id', 'attempt_number'], { indexName: 'ml_job_attempts_number_uq' });
    table.index(['state'], 'ml_job_attempts_state_idx');
  });

  await knex.schema.createTable('ml_job_events', table => {
    table.increments('event_id').primary();
    table
      .string('job_id', 36)
      .notNullable()
      .references('job_id')
      .inTable('ml_jobs')
      .onDelete('CASCADE');
    table.string('attempt_id', 36);
    table.bigInteger('at').notNullable();
    table.string('type', 40).notNullable();
    table.string('status', 20).notNullable();
    table.text('message').notNullable();
    table.index(['job_id', 'event_id'], 'ml_job_events_job_idx');
  });

  await knex.schema.createTable('ml_admission_lock', table => {
    table.integer('id').primary();
    table.bigInteger('last_cycle_at');
  });
  await knex('ml_admission_lock').insert({ id: 1, last_cycle_at: 0 });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  for (const name of ['ml_admission_lock', 'ml_job_events', 'ml_job_attempts', 'ml_jobs']) {
    await knex.schema.dropTable(name);
  }
};
