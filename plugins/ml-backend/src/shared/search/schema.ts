/**
 * What each search may name: entity prefixes, attributes and the columns they
 * map to. The parser validates identifiers against it; the compiler reads the
 * columns. Every SQL fragment here is a constant, never user input.
 */

/** @internal */
export type EntityType = 'metric' | 'param' | 'tag' | 'attribute' | 'dataset';

/** @internal */
export type AttributeSpec = {
  /** The column, qualified with the searched table's alias. */
  column: string;
  type: 'numeric' | 'string';
  /** NULLs sort last, as MLflow sorts missing values. */
  nullable?: boolean;
  /** Accepted in order_by only, as MLflow does for experiment_id. */
  orderOnly?: boolean;
};

/** @internal */
export type SearchSchema = {
  /** Entity prefixes, MLflow's alternates included, to the entity they name. */
  entities: Readonly<Record<string, EntityType>>;
  /** The entities order_by accepts. */
  orderable: readonly EntityType[];
  attributes: Readonly<Record<string, AttributeSpec>>;
  /** Alternate attribute names MLflow accepts, to the canonical name. */
  aliases: Readonly<Record<string, string>>;
};

/** The dataset fields `datasets.<key>` may name. @internal */
export const DATASET_KEYS = ['name', 'digest', 'context'] as const;

/** @internal */
export type DatasetKey = (typeof DATASET_KEYS)[number];

/** Searching `ml_runs as r`. @internal */
export const runSearchSchema: SearchSchema = {
  entities: {
    metric: 'metric',
    metrics: 'metric',
    param: 'param',
    params: 'param',
    parameter: 'param',
    parameters: 'param',
    tag: 'tag',
    tags: 'tag',
    attribute: 'attribute',
    attributes: 'attribute',
    attr: 'attribute',
    run: 'attribute',
    dataset: 'dataset',
    datasets: 'dataset',
  },
  orderable: ['metric', 'param', 'tag', 'attribute'],
  attributes: {
    run_id: { column: 'r.run_uuid', type: 'string' },
    run_name: { column: 'r.name', type: 'string' },
    status: { column: 'r.status', type: 'string' },
    user_id: { column: 'r.user_id', type: 'string', nullable: true },
    artifact_uri: { column: 'r.artifact_uri', type: 'string' },
    lifecycle_stage: { column: 'r.lifecycle_stage', type: 'string' },
    start_time: { column: 'r.start_time', type: 'numeric' },
    end_time: { column: 'r.end_time', type: 'numeric', nullable: true },
  },
  aliases: {
    created: 'start_time',
    Created: 'start_time',
    'run name': 'run_name',
    'Run name': 'run_name',
    'Run Name': 'run_name',
  },
};

/** Searching `ml_experiments as e`. @internal */
export const experimentSearchSchema: SearchSchema = {
  entities: {
    attribute: 'attribute',
    attributes: 'attribute',
    attr: 'attribute',
    tag: 'tag',
    tags: 'tag',
  },
  orderable: ['attribute'],
  attributes: {
    name: { column: 'e.name', type: 'string' },
    creation_time: { column: 'e.creation_time', type: 'numeric' },
    last_update_time: { column: 'e.last_update_time', type: 'numeric' },
    experiment_id: {
      column: 'e.experiment_id',
      type: 'numeric',
      orderOnly: true,
    },
  },
  aliases: {},
};

/**
 * The spec of an attribute the parser resolved. Looked up as an own property only, so a
 * name such as `constructor` never reaches the prototype.
 *
 * @internal
 */
export function attributeSpec(
  schema: SearchSchema,
  key: string,
): AttributeSpec {
  if (!Object.hasOwn(schema.attributes, key)) {
    throw new Error(`The search schema has no attribute '${key}'`);
  }
  return schema.attributes[key];
}
