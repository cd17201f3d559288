// @ts-check

/** The columns of both shapes of the table. */
const COLUMNS = [
  'model_id',
  'key',
  'value',
  'is_nan',
  'timestamp',
  'step',
  'run_uuid',
  'dataset_name',
  'dataset_digest',
];

/**
 * Logged models keep only the latest value per metric (key, dataset, run): the points
 * themselves are in the run's chunked series, which every metric logged against a model
 * also enters (MLflow logs them to the run too). `ml_logged_model_latest_metrics` is to
 * logged models what `ml_latest_metrics` is to runs: the search index, and what a model's
 * `data.metrics` lists. Latest is MLflow's order: highest step, then timestamp, then value.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await createTable(knex, 'ml_logged_model_latest_metrics', [
    'model_id',
    'key',
    'dataset_name',
    'dataset_digest',
    'run_uuid',
  ]);
  await copyLatest(
    knex,
    'ml_logged_model_metrics',
    'ml_logged_model_latest_metrics',
  );
  await knex.schema.dropTable('ml_logged_model_metrics');
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await createTable(knex, 'ml_logged_model_metrics', [
    'model_id',
    'key',
    'dataset_name',
    'dataset_digest',
    'run_uuid',
    'step',
    'timestamp',
    'value',
    'is_nan',
  ]);
  await knex
    .insert(knex.select(COLUMNS).from('ml_logged_model_latest_metrics'))
    .into(knex.raw('ml_logged_model_metrics (??)', [COLUMNS]));
  await knex.schema.dropTable('ml_logged_model_latest_metrics');
};

/**
 * @param {import('knex').Knex} knex
 * @param {string} name
 * @param {string[]} primaryKey
 */
async function createTable(knex, name, primaryKey) {
  await knex.schema.createTable(name, table => {
    table
      .string('model_id', 64)
      .notNullable()
      .references('model_id')
      .inTable('ml_logged_models')
      .onDelete('CASCADE');
    table.string('key', 250).notNullable();
    table.double('value').notNullable();
    table.boolean('is_nan').notNullable().defaultTo(false);
    table.bigInteger('timestamp').notNullable();
    table.bigInteger('step').notNullable().defaultTo(0);
    table.string('run_uuid', 32).notNullable();
    // '' when the metric names no dataset: primary key columns cannot be NULL.
    table.string('dataset_name', 500).notNullable().defaultTo('');
    table.string('dataset_digest', 36).notNullable().defaultTo('');
    table.primary(primaryKey, `${name}_pk`);
  });
}

/**
 * Copies the latest point of each (model, key, dataset, run) from `from` into `to`.
 *
 * @param {import('knex').Knex} knex
 * @param {string} from
 * @param {string} to
 */
async function copyLatest(knex, from, to) {
  const ranked = knex
    .select([
      ...COLUMNS.map(c => `p.${c}`),
      knex.raw(
        `ROW_NUMBER() OVER (
           PARTITION BY p.model_id, p.key, p.dataset_name, p.dataset_digest, p.run_uuid
           ORDER BY p.step DESC, p.timestamp DESC,
             CASE WHEN p.is_nan THEN 0 ELSE 1 END DESC, p.value DESC) AS latest_rank`,
      ),
    ])
    .from(`${from} as p`);
  await knex
    .insert(knex.select(COLUMNS).from(ranked.as('r')).where('r.latest_rank', 1))
    .into(knex.raw('?? (??)', [to, COLUMNS]));
}
