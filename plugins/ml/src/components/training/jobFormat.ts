import {
  FINAL_JOB_STATUSES,
  JobAttempt,
  JobStatus,
  PendingReason,
  TrainingJob,
} from '@ml-portal/plugin-ml-common';

/** Whether nothing more will happen to a job. @internal */
export function isFinalJob(status: JobStatus): boolean {
  return FINAL_JOB_STATUSES.includes(status);
}

/**
 * How long a job has existed: from submission to its end, or to now while it is
 * not final. A job's row is last updated when it reaches its final state.
 *
 * @internal
 */
export function jobDuration(job: TrainingJob, now = Date.now()): number {
  return (isFinalJob(job.status) ? job.updatedAt : now) - job.createdAt;
}

/** How long an attempt ran, or has been running; unknown before it started. @internal */
export function attemptDuration(
  attempt: JobAttempt,
  now = Date.now(),
): number | undefined {
  if (attempt.startedAt === undefined) return undefined;
  return (attempt.endedAt ?? now) - attempt.startedAt;
}

/** The admission check that holds a pending job, as a short heading for its message. @internal */
export const pendingReasonLabel: Record<PendingReason, string> = {
  quota: 'Team quota reached',
  capacity: 'No free GPUs',
  budget: 'Budget hold',
  residency: 'No pool satisfies residency or compliance',
  priority: 'Behind higher-priority jobs',
};
