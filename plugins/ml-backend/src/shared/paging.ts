import { InputError } from '@backstage/errors';

/**
 * An opaque page token: base64url of `{"offset": n}`, as MLflow's tokens are
 * base64 JSON. Clients must not rely on the format.
 *
 * @internal
 */
export function encodePageToken(offset: number): string {
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new RangeError(
      `Page offset must be a non-negative integer, got ${offset}`,
    );
  }
  return Buffer.from(JSON.stringify({ offset })).toString('base64url');
}

/**
 * The offset a page token stands for; 0 when there is none.
 *
 * @internal
 */
export function decodePageToken(token: string | undefined): number {
  if (token === undefined || token === '') {
    return 0;
  }
  // Buffer's decoder skips foreign characters silently, so check them first.
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(token)) {
    throw new InputError('Invalid page token, could not base64-decode');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw new InputError('Invalid page token, could not parse it');
  }
  const offset = (parsed as { offset?: unknown } | null)?.offset;
  if (
    typeof offset !== 'number' ||
    !Number.isSafeInteger(offset) ||
    offset < 0
  ) {
    throw new InputError(
      `Invalid page token, bad offset in ${JSON.stringify(parsed)}`,
    );
  }
  return offset;
}

/** A search's slice of rows: `offset` from a decoded page token, `limit` the page size. @internal */
export type PageWindow = { offset: number; limit: number };

/**
 * The page size a search asks for (MLflow's `max_results`), `bounds.fallback` when it
 * asks none; InputError with MLflow's message outside 1..`bounds.max`.
 *
 * @internal
 */
export function pageSize(
  requested: number | undefined,
  bounds: { fallback: number; max: number },
): number {
  const size = requested ?? bounds.fallback;
  if (!Number.isSafeInteger(size) || size < 1 || size > bounds.max) {
    throw new InputError(
      `Invalid value for request parameter max_results. It must be at most ${bounds.max}, but got value ${requested}`,
    );
  }
  return size;
}
