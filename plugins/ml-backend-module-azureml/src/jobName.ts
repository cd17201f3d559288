import { createHash } from 'node:crypto';

/** Azure ML's rule for job names (the SDK checks it before sending). */
const JOB_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,254}$/;
const MAX_LENGTH = 255;
const HASH_LENGTH = 8;

/**
 * The Azure ML job name of an attempt's external name. Azure ML job names are chosen by
 * the caller, so the name is what makes dispatch idempotent. A name that already follows
 * Azure ML's rule (`^[a-zA-Z0-9][a-zA-Z0-9_-]{0,254}$`) is used unchanged; any other is
 * normalised deterministically (runs of other characters become `-`, the result is cut
 * to fit, and a short hash of the original is appended), so a replayed dispatch,
 * `status` and `cancel` find the same job and two external names never share one.
 *
 * @public
 */
export function toAzureMlJobName(externalName: string): string {
  if (JOB_NAME.test(externalName)) {
    return externalName;
  }
  const hash = createHash('sha256')
    .update(externalName)
    .digest('hex')
    .slice(0, HASH_LENGTH);
  const base = externalName
    .replace(/[^a-zA-Z0-9_-]+/g, '-')
    .replace(/^[_-]+/, '')
    .slice(0, MAX_LENGTH - HASH_LENGTH - 1);
  return base ? `${base}-${hash}` : hash;
}
