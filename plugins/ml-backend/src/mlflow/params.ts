import { InputError } from '@backstage/errors';
import { Caller } from '../tracking/TrackingService';

/** Request fields, from the JSON body or the query string. @internal */
export type Params = Record<string, any>;

/** One MLflow endpoint: validates, calls a service, serialises MLflow's JSON. @internal */
export type Handler = (caller: Caller, params: Params) => Promise<object>;

/** The value of the first of `names` that is set, as a string; MLflow's error otherwise. @internal */
export function required(params: Params, ...names: string[]): string {
  for (const name of names) {
    const value = params[name];
    if (value !== undefined && value !== null && value !== '') {
      return String(value);
    }
  }
  throw new InputError(
    `Missing value for required parameter '${names[0]}'. See the API docs for more information about request parameters.`,
  );
}

/** @internal */
export function optionalInt(params: Params, name: string): number | undefined {
  const value = params[name];
  if (value === undefined || value === null || value === '') return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n)) {
    throw new InputError(
      `Invalid value ${JSON.stringify(
        value,
      )} for parameter '${name}' supplied: expected an integer.`,
    );
  }
  return n;
}

/** A boolean from JSON (`true`) or a query string (`"true"`). @internal */
export function optionalBool(params: Params, name: string): boolean {
  const value = params[name];
  if (value === undefined || value === null || value === '') return false;
  if (value === true || value === 'true' || value === 'True') return true;
  if (value === false || value === 'false' || value === 'False') return false;
  throw new InputError(
    `Invalid value ${JSON.stringify(
      value,
    )} for parameter '${name}' supplied: expected a boolean.`,
  );
}

/** Repeated query parameters arrive as arrays, single ones as strings. @internal */
export function list(value: unknown): string[] {
  if (value === undefined || value === null || value === '') return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}
