import { createHash } from 'node:crypto';

/** SageMaker's rule for `TrainingJobName`. */
const TRAINING_JOB_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
const MAX_LENGTH = 63;
const HASH_LENGTH = 8;

/**
 * The SageMaker `TrainingJobName` of an attempt's external name. A name that already
 * follows SageMaker's rule (`^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$`) is used unchanged;
 * any other is normalised deterministically: runs of other characters become `-`, the
 * result is trimmed to fit, and a short hash of the original name is appended, so two
 * different external names never share a training job and a replayed dispatch, `status`
 * and `cancel` all find the same one.
 *
 * @public
 */
export function toTrainingJobName(externalName: string): string {
  if (TRAINING_JOB_NAME.test(externalName)) {
    return externalName;
  }
  const hash = createHash('sha256')
    .update(externalName)
    .digest('hex')
    .slice(0, HASH_LENGTH);
  const base = externalName
    .replace(/[^a-zA-Z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, MAX_LENGTH - HASH_LENGTH - 1)
    .replace(/-+$/, '');
  return base ? `${base}-${hash}` : hash;
}
