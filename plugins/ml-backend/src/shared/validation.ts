import { InputError } from '@backstage/errors';
import {
  DatasetInput,
  Metric,
  ModelVersionStage,
  Param,
  Tag,
} from '@ml-portal/plugin-ml-common';
import { describeValue } from './strings';

/** MLflow's limits (mlflow/utils/validation.py), enforced exactly. @internal */
export const limits = {
  keyLength: 250,
  paramValueLength: 6000,
  tagValueLength: 5000,
  experimentNameLength: 500,
  modelNameLength: 256,
  aliasLength: 255,
  batchMetrics: 1000,
  batchParams: 100,
  batchTags: 100,
  batchTotal: 1000,
} as const;

/**
 * Bounds on request lists that MLflow's protocol leaves open; each costs a query or a
 * binding per element, so an unbounded list holds the database and the event loop.
 * MLflow's own limits (above) bound the rest.
 *
 * @internal
 */
export const requestLimits = {
  /** `experiment_ids` of runs/search (the portal's `experimentIds`). */
  searchExperimentIds: 1000,
  /** `order_by` entries of every search. */
  orderBy: 100,
  /** `stages` of get-latest-versions: MLflow has 4; repeats are harmless. */
  stages: 100,
  /** Datasets of one log-inputs request. */
  datasetInputs: 1000,
  /** `run_ids` of get-history-bulk-interval (MLflow's MAX_RUNS_GET_METRIC_HISTORY_BULK). */
  bulkHistoryRunIds: 100,
} as const;

/** MLflow's limits on dataset inputs (mlflow/utils/validation.py). @internal */
export const datasetLimits = {
  name: 500,
  digest: 36,
  /** Not an MLflow limit: its database column, as MLflow's. */
  sourceType: 36,
  source: 65535,
  schema: 1048575,
  profile: 16384,
  tagKey: 255,
  tagValue: 500,
} as const;

const VALID_KEY = /^[/\w.\- :]*$/;

/**
 * InputError for text with a NUL character, which PostgreSQL's text cannot hold (it
 * would fail as a server error there, and be stored on SQLite).
 *
 * @internal
 */
export function rejectNul(what: string, text: string): string {
  if (text.includes('\0')) {
    throw new InputError(
      `Invalid value for ${what}: it contains a NUL character.`,
    );
  }
  return text;
}

/** A path segment `.` or `..`. */
const DOT_SEGMENT = /(?:^|\/)\.\.?(?:\/|$)/;

/**
 * Keys may become file names: they must not resolve to another name as a path.
 * MLflow's rule (`path_not_unique`): the key is its own normalized path and starts with
 * neither `/` nor `..`. Checked without splitting (it runs per metric of a batch).
 */
function resolvesToOtherPath(key: string): boolean {
  return (
    key.startsWith('/') ||
    key.startsWith('..') ||
    key.endsWith('/') ||
    key.includes('//') ||
    DOT_SEGMENT.test(key)
  );
}

/** @internal */
export function validateKey(
  kind: 'metric' | 'param' | 'tag',
  key: unknown,
): string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new InputError(
      `Missing value for required parameter 'key'. See the API docs for more information about request parameters.`,
    );
  }
  if (!VALID_KEY.test(key)) {
    throw new InputError(
      `Invalid ${kind} name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colons (:) and slashes (/).`,
    );
  }
  if (resolvesToOtherPath(key)) {
    throw new InputError(
      `Invalid ${kind} name: '${key}'. Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '${key
        .split('/')
        .filter(s => s && s !== '.')
        .join('/')}'`,
    );
  }
  if (key.length > limits.keyLength) {
    throw new InputError(
      `'key' exceeds the maximum length of ${limits.keyLength} characters`,
    );
  }
  return key;
}

function validateValue(
  kind: 'param' | 'tag',
  key: string,
  value: unknown,
  max: number,
): string {
  if (typeof value !== 'string') {
    throw new InputError(
      `Invalid value for ${kind} '${key}': expected a string.`,
    );
  }
  rejectNul(`${kind} '${key}'`, value);
  if (value.length > max) {
    throw new InputError(
      `${kind === 'param' ? 'Param' : 'Tag'} value '${value.slice(
        0,
        20,
      )}...' had length ${value.length}, which exceeded length limit of ${max}`,
    );
  }
  return value;
}

/** Request items arrive as anything JSON can hold; each must be an object. */
function entry(kind: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError(
      `Invalid ${kind}: expected an object, got ${describeValue(value)}`,
    );
  }
  return value as Record<string, unknown>;
}

/** @internal */
export function validateParam(input: unknown): Param {
  const param = entry('param', input);
  const key = validateKey('param', param.key);
  return {
    key,
    value: validateValue('param', key, param.value, limits.paramValueLength),
  };
}

/** @internal */
export function validateTag(input: unknown): Tag {
  const tag = entry('tag', input);
  const key = validateKey('tag', tag.key);
  return {
    key,
    value: validateValue('tag', key, tag.value, limits.tagValueLength),
  };
}

/** Metric values arrive as numbers or, for non-finite values, as MLflow's strings. */
function metricValue(key: string, value: unknown): number {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return NaN;
  if (value === 'Infinity' || value === 'inf') return Infinity;
  if (value === '-Infinity' || value === '-inf') return -Infinity;
  if (
    typeof value === 'string' &&
    value.trim() !== '' &&
    !Number.isNaN(Number(value))
  ) {
    return Number(value);
  }
  throw new InputError(
    `Got invalid value ${describeValue(
      value,
    )} for metric '${key}' (timestamp=...). Please specify value as a valid double (64-bit floating point)`,
  );
}

function integer(name: string, value: unknown, fallback?: number): number {
  if (value === undefined || value === null) {
    if (fallback !== undefined) return fallback;
    throw new InputError(`Missing value for required parameter '${name}'.`);
  }
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) {
    throw new InputError(
      `Invalid value ${describeValue(
        value,
      )} for parameter '${name}' supplied: expected an integer.`,
    );
  }
  return n;
}

/**
 * A validator of a batch's metrics: each distinct key is checked once (a training
 * loop's batch repeats a few keys hundreds of times).
 *
 * @internal
 */
export function metricValidator(): (input: unknown) => Metric {
  const valid = new Set<string>();
  return input => {
    const metric = entry('metric', input);
    const key =
      typeof metric.key === 'string' && valid.has(metric.key)
        ? metric.key
        : validateKey('metric', metric.key);
    valid.add(key);
    return {
      key,
      value: metricValue(key, metric.value),
      timestamp: integer('timestamp', metric.timestamp),
      step: integer('step', metric.step, 0),
    };
  };
}

/** @internal */
export function validateBatchSize(batch: {
  metrics: unknown[];
  params: unknown[];
  tags: unknown[];
}) {
  const check = (count: number, max: number, what: string) => {
    if (count > max) {
      throw new InputError(
        `A batch logging request can contain at most ${max} ${what}. Got ${count} ${what}. Please split up ${what} across multiple requests and try again.`,
      );
    }
  };
  check(batch.metrics.length, limits.batchMetrics, 'metrics');
  check(batch.params.length, limits.batchParams, 'params');
  check(batch.tags.length, limits.batchTags, 'tags');
  const total = batch.metrics.length + batch.params.length + batch.tags.length;
  if (total > limits.batchTotal) {
    throw new InputError(
      `A batch logging request can contain at most ${limits.batchTotal} total metrics, params, and tags. Got ${total} total. Please split up across multiple requests and try again.`,
    );
  }
}

/** @internal */
export function validateExperimentName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new InputError(
      `Invalid experiment name: ${
        typeof name === 'string' || name === undefined || name === null
          ? `'${name ?? ''}'`
          : describeValue(name)
      }`,
    );
  }
  if (name.length > limits.experimentNameLength) {
    throw new InputError(
      `Experiment name exceeds the maximum length of ${limits.experimentNameLength} characters`,
    );
  }
  return rejectNul('the experiment name', name);
}

/**
 * A dataset input of log-inputs as MLflow's request holds it (`{dataset: {name, digest,
 * source_type, source, schema?, profile?}, tags: [{key, value}]}`), checked against
 * MLflow's types and limits. Missing required fields are left to the service, which
 * names them.
 *
 * @internal
 */
export function validateDatasetInput(raw: unknown): DatasetInput {
  const input = entry('dataset input', raw);
  const d =
    input.dataset === undefined || input.dataset === null
      ? {}
      : entry('dataset', input.dataset);
  const text = (name: string, value: unknown, max: number) => {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') {
      throw new InputError(
        `Invalid value ${describeValue(
          value,
        )} for parameter 'dataset.${name}' supplied: expected a string.`,
      );
    }
    if (value.length > max) {
      throw new InputError(
        `Dataset ${name} exceeds the maximum length of ${max} characters`,
      );
    }
    return rejectNul(`parameter 'dataset.${name}'`, value);
  };
  const tags =
    input.tags === undefined || input.tags === null ? [] : input.tags;
  if (!Array.isArray(tags)) {
    throw new InputError(
      "Invalid value for parameter 'tags' of a dataset input: expected a list.",
    );
  }
  return {
    dataset: {
      name: text('name', d.name, datasetLimits.name)!,
      digest: text('digest', d.digest, datasetLimits.digest)!,
      sourceType: text('source_type', d.source_type, datasetLimits.sourceType)!,
      source: text('source', d.source, datasetLimits.source)!,
      schema: text('schema', d.schema, datasetLimits.schema),
      profile: text('profile', d.profile, datasetLimits.profile),
    },
    tags: tags.map(rawTag => {
      const tag = entry('input tag', rawTag);
      const key = tag.key;
      if (typeof key !== 'string' || key === '') {
        throw new InputError(
          "Missing value for required parameter 'key' of an input tag.",
        );
      }
      if (key.length > datasetLimits.tagKey) {
        throw new InputError(
          `Input tag key exceeds the maximum length of ${datasetLimits.tagKey} characters`,
        );
      }
      if (typeof tag.value !== 'string') {
        throw new InputError(
          `Invalid value for input tag '${key}': expected a string.`,
        );
      }
      if (tag.value.length > datasetLimits.tagValue) {
        throw new InputError(
          `Input tag value exceeds the maximum length of ${datasetLimits.tagValue} characters`,
        );
      }
      return {
        key: rejectNul('an input tag key', key),
        value: rejectNul(`input tag '${key}'`, tag.value),
      };
    }),
  };
}

/**
 * Lengths of the database columns that request strings land in, where MLflow states no
 * limit of its own: longer values would fail on PostgreSQL (`varchar(n)`) as server
 * errors. A run's artifact URI is its experiment's location plus
 * `/<32-character run id>/artifacts`, within 1,000.
 *
 * @internal
 */
export const columnLimits = {
  runName: 250,
  userId: 255,
  artifactLocation: 1000 - '/'.length - 32 - '/artifacts'.length,
} as const;

function bounded(label: string, value: string | undefined, max: number) {
  if (value !== undefined && value.length > max) {
    throw new InputError(
      `${label} '${value.slice(0, 20)}...' had length ${
        value.length
      }, which exceeded length limit of ${max}`,
    );
  }
  return value;
}

/** A run name, from `run_name` or the `mlflow.runName` tag. @internal */
export function validateRunName(name: string | undefined): string | undefined {
  return bounded('Run name', name, columnLimits.runName);
}

/** @internal */
export function validateUserId(userId: string | undefined): string | undefined {
  return bounded('User id', userId, columnLimits.userId);
}

/** @internal */
export function validateArtifactLocation(
  location: string | undefined,
): string | undefined {
  return bounded('Artifact location', location, columnLimits.artifactLocation);
}

/**
 * The `mlflow.runName` tags among request tags name the run: their values are run
 * names. Other entries are left to {@link validateTag}.
 *
 * @internal
 */
export function validateRunNameTags(tags: unknown[] | undefined): void {
  for (const tag of tags ?? []) {
    const { key, value } = (tag ?? {}) as { key?: unknown; value?: unknown };
    if (key === 'mlflow.runName' && typeof value === 'string') {
      validateRunName(value);
    }
  }
}

/** A list of tags, each as `validate` checks it. @internal */
export function validateTags(
  tags: unknown,
  validate: (tag: unknown) => Tag = validateTag,
): Tag[] {
  if (tags === undefined || tags === null) return [];
  if (!Array.isArray(tags)) {
    throw new InputError(
      "Invalid value for parameter 'tags': expected a list.",
    );
  }
  return tags.map(validate);
}

const STAGES: ModelVersionStage[] = [
  'None',
  'Staging',
  'Production',
  'Archived',
];

/** MLflow's canonical model version stage for any casing; InputError naming the valid ones. @internal */
export function canonicalStage(stage: unknown): ModelVersionStage {
  const found = STAGES.find(
    s => s.toLowerCase() === String(stage ?? '').toLowerCase(),
  );
  if (!found) {
    throw new InputError(
      `Invalid Model Version stage: ${stage}. Value must be one of ${STAGES.join(
        ', ',
      )}.`,
    );
  }
  return found;
}

/** A registered model's name; `parameter` names the request field in MLflow's message. @internal */
export function validateModelName(name: unknown, parameter = 'name'): string {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new InputError(
      parameter === 'name'
        ? 'Registered model name cannot be empty.'
        : `Missing value for required parameter '${parameter}'.`,
    );
  }
  if (name.length > limits.modelNameLength) {
    throw new InputError(
      `Registered model name '${name.slice(
        0,
        20,
      )}...' exceeds the maximum length of ${
        limits.modelNameLength
      } characters`,
    );
  }
  return name;
}

/** @internal */
export function validateModelVersion(version: unknown): string {
  const text = String(version ?? '');
  if (!/^[1-9]\d{0,9}$/.test(text)) {
    throw new InputError(`Model version must be an integer, got '${text}'`);
  }
  return text;
}

/** A registered model alias (mlflow/utils/validation.py). @internal */
export function validateAlias(alias: unknown): string {
  if (typeof alias !== 'string' || alias === '') {
    throw new InputError('Registered model alias name cannot be empty.');
  }
  if (!/^[\w-]*$/.test(alias)) {
    throw new InputError(
      `Invalid alias name: '${alias}'. Names may only contain alphanumerics, underscores (_), and dashes (-).`,
    );
  }
  if (alias.length > limits.aliasLength) {
    throw new InputError(
      `alias name '${alias.slice(0, 20)}...' exceeds the maximum length of ${
        limits.aliasLength
      } characters`,
    );
  }
  if (alias.toLowerCase() === 'latest') {
    throw new InputError("'latest' alias name (case insensitive) is reserved.");
  }
  if (/^[vV]\d+$/.test(alias)) {
    throw new InputError(`Version alias name '${alias}' is reserved.`);
  }
  return alias;
}
