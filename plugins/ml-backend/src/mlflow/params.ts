import { InputError } from '@backstage/errors';
import { Caller } from '../shared/caller';
import { describeValue } from '../shared/strings';

/** Request fields, from the JSON body or the query string. @internal */
export type Params = Record<string, any>;

/** One MLflow endpoint: validates, calls a service, serialises MLflow's JSON. @internal */
export type Handler = (caller: Caller, params: Params) => Promise<object>;

/** A field's value when the request has it as its own: never `constructor` from the prototype. */
function field(params: Params, name: string): unknown {
  return Object.hasOwn(params, name) ? params[name] : undefined;
}

function invalid(name: string, value: unknown, expected: string): InputError {
  return new InputError(
    `Invalid value ${describeValue(
      value,
    )} for parameter '${name}' supplied: expected ${expected}.`,
  );
}

/**
 * A string field's value: strings as they are, numbers and booleans as text (MLflow
 * clients send ids either way), `InputError` for lists, objects and NUL characters.
 */
function text(name: string, value: unknown): string {
  if (typeof value === 'string') {
    // PostgreSQL's text holds no NUL: it would fail as a server error.
    if (value.includes('\0')) {
      throw new InputError(
        `Invalid value for parameter '${name}' supplied: it contains a NUL character.`,
      );
    }
    return value;
  }
  if (typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  throw invalid(name, value, 'a string');
}

/** The value of the first of `names` that is set, as a string; MLflow's error otherwise. @internal */
export function required(params: Params, ...names: string[]): string {
  for (const name of names) {
    const value = field(params, name);
    if (value !== undefined && value !== null && value !== '') {
      return text(name, value);
    }
  }
  throw new InputError(
    `Missing value for required parameter '${names[0]}'. See the API docs for more information about request parameters.`,
  );
}

/**
 * A field as the request has it, for the service to validate (names, whose checks say
 * what a name must be), except that text with a NUL character is refused here.
 *
 * @internal
 */
export function passThrough(params: Params, name: string): unknown {
  const value = field(params, name);
  if (typeof value === 'string') text(name, value);
  return value;
}

/** A string field, `''` included; undefined when absent or null. @internal */
export function optionalString(
  params: Params,
  name: string,
): string | undefined {
  const value = field(params, name);
  if (value === undefined || value === null) return undefined;
  return text(name, value);
}

/** @internal */
export function optionalInt(params: Params, name: string): number | undefined {
  const value = field(params, name);
  if (value === undefined || value === null || value === '') return undefined;
  const n =
    typeof value === 'number' || typeof value === 'string'
      ? Number(value)
      : NaN;
  if (!Number.isSafeInteger(n)) {
    throw invalid(name, value, 'an integer');
  }
  return n;
}

/** A boolean from JSON (`true`) or a query string (`"true"`). @internal */
export function optionalBool(params: Params, name: string): boolean {
  const value = field(params, name);
  if (value === undefined || value === null || value === '') return false;
  if (value === true || value === 'true' || value === 'True') return true;
  if (value === false || value === 'false' || value === 'False') return false;
  throw invalid(name, value, 'a boolean');
}

/**
 * A list field, as an array of whatever JSON holds; undefined when absent or null,
 * `InputError` for anything but a list, or a list longer than `max`.
 *
 * @internal
 */
export function optionalArray(
  params: Params,
  name: string,
  max?: number,
): unknown[] | undefined {
  const value = field(params, name);
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    throw new InputError(
      `Invalid value for parameter '${name}': expected a list.`,
    );
  }
  if (max !== undefined) checkLength(name, value.length, max);
  return value;
}

/**
 * A list of strings: repeated query parameters arrive as arrays, single ones as
 * strings. `InputError` for elements that are lists or objects, or for more than `max`
 * elements (checked before any element is read).
 *
 * @internal
 */
export function list(params: Params, name: string, max: number): string[] {
  const value = field(params, name);
  if (value === undefined || value === null || value === '') return [];
  const values: unknown[] = Array.isArray(value) ? value : [value];
  checkLength(name, values.length, max);
  return values.map(v => text(name, v));
}

function checkLength(name: string, length: number, max: number) {
  if (length > max) {
    throw new InputError(
      `Invalid value for parameter '${name}': a request may list at most ${max} values, got ${length}.`,
    );
  }
}
