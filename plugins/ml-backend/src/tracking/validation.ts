import { InputError } from '@backstage/errors';
import { Metric, Param, Tag } from '@ml-portal/plugin-ml-common';

/** MLflow's limits (mlflow/utils/validation.py), enforced exactly. @internal */
export const limits = {
  keyLength: 250,
  paramValueLength: 6000,
  tagValueLength: 5000,
  experimentNameLength: 500,
  batchMetrics: 1000,
  batchParams: 100,
  batchTags: 100,
  batchTotal: 1000,
} as const;

const VALID_KEY = /^[/\w.\- :]*$/;

/** Keys may become file names: they must not resolve to another name as a path. */
function resolvesToOtherPath(key: string): boolean {
  const segments = key.split('/');
  return (
    key.startsWith('/') ||
    segments.some(s => s === '.' || s === '..' || s === '') ||
    key.endsWith('/')
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
      `Invalid ${kind}: expected an object, got ${JSON.stringify(value)}`,
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
    `Got invalid value ${JSON.stringify(
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
      `Invalid value ${JSON.stringify(
        value,
      )} for parameter '${name}' supplied: expected an integer.`,
    );
  }
  return n;
}

/** @internal */
export function validateMetric(input: unknown): Metric {
  const metric = entry('metric', input);
  const key = validateKey('metric', metric.key);
  return {
    key,
    value: metricValue(key, metric.value),
    timestamp: integer('timestamp', metric.timestamp),
    step: integer('step', metric.step, 0),
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
    throw new InputError(`Invalid experiment name: '${name ?? ''}'`);
  }
  if (name.length > limits.experimentNameLength) {
    throw new InputError(
      `Experiment name exceeds the maximum length of ${limits.experimentNameLength} characters`,
    );
  }
  return name;
}
