import { createHash } from 'node:crypto';

/** Vertex AI's rule for label values (ASCII subset): lowercase letters, digits, `_` and `-`. */
const LABEL_VALUE = /^[a-z0-9_-]{1,63}$/;
const MAX_LENGTH = 63;
const HASH_LENGTH = 8;

/**
 * The Vertex AI label value of a platform name (external name, job id, pool). A name
 * that already is one (at most 63 of `[a-z0-9_-]`) is used unchanged; any other is
 * normalised deterministically: lower-cased, runs of other characters turned into `-`,
 * cut to fit, and a short hash of the original appended. So a replayed dispatch, `status`
 * and `cancel` all find the attempt's job by its label, and two different names never
 * share a value.
 *
 * @public
 */
export function toVertexLabelValue(name: string): string {
  if (LABEL_VALUE.test(name)) {
    return name;
  }
  const hash = createHash('sha256').update(name).digest('hex');
  const base = name
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '-')
    .slice(0, MAX_LENGTH - HASH_LENGTH - 1)
    .replace(/^-+|-+$/g, '');
  return base ? `${base}-${hash.slice(0, HASH_LENGTH)}` : hash.slice(0, 12);
}
