import { InputError } from '@backstage/errors';
import { TrainingJob } from '@ml-portal/plugin-ml-common';
import { Caller } from '../shared/caller';
import { JobSubmission } from './JobSubmission';
import { TrainingStore } from './TrainingStore';

/**
 * Trains a model again the way it was trained: the spec of the job that created `runId`,
 * on `profile` (its pool choice and limits), submitted like any job (admission, quotas,
 * budgets and the caller's permissions apply), with a new run.
 *
 * @internal
 */
export async function resubmitTraining(
  deps: { store: Pick<TrainingStore, 'jobOfRun'>; submission: JobSubmission },
  caller: Caller,
  input: { runId: string; profile: string; reason: string },
): Promise<TrainingJob> {
  const original = await deps.store.jobOfRun(input.runId);
  if (!original) {
    throw new InputError(
      `Run ${input.runId} was not trained by a portal job: there is no spec to train again`,
    );
  }
  const { pool, ...spec } = original.spec as Record<string, unknown> & {
    name: string;
    env?: Record<string, string>;
  };
  return deps.submission.submit(caller, {
    ...spec,
    name: `${spec.name} (retrained)`.slice(0, 250),
    profile: input.profile,
    owner: original.owner,
    env: { ...spec.env, ML_RETRAINING_REASON: input.reason.slice(0, 500) },
  });
}
