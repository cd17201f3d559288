import {
  JobAttempt,
  JobStatus,
  TrainingJob,
} from '@ml-portal/plugin-ml-common';
import { Knex } from 'knex';
import { ActiveAttempt, JobTransition } from './TrainingStore';

/** Job statuses that hold GPUs of a pool. */
export const ACTIVE_JOB_STATUSES: JobStatus[] = [
  'ADMITTED',
  'DISPATCHING',
  'RUNNING',
];

const num = (v: unknown) =>
  v === null || v === undefined ? undefined : Number(v);

export function toJob(row: any): TrainingJob {
  return {
    jobId: row.job_id,
    name: row.name,
    owner: row.owner,
    status: row.status,
    statusMessage: row.status_message ?? undefined,
    pendingReason: row.pending_reason ?? undefined,
    profile: row.profile ?? undefined,
    profileVersion: num(row.profile_version),
    pool: row.pool ?? row.requested_pool ?? undefined,
    priority: Number(row.priority),
    gpus: Number(row.gpus),
    spotAllowed: Boolean(row.spot_allowed),
    submittedBy: row.submitted_by ?? undefined,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    experimentId: row.experiment_id ?? undefined,
    runId: row.run_id ?? undefined,
    spec: JSON.parse(row.spec),
  };
}

export function toAttempt(row: any): JobAttempt {
  return {
    attemptId: row.attempt_id,
    attemptNumber: Number(row.attempt_number),
    pool: row.pool,
    target: row.target,
    externalName: row.external_name,
    state: row.state,
    spot: Boolean(row.spot),
    gpus: Number(row.gpus),
    gpuType: row.gpu_type,
    instanceType: row.instance_type ?? undefined,
    startedAt: num(row.started_at),
    endedAt: num(row.ended_at),
    exitReason: row.exit_reason ?? undefined,
    billableSeconds: num(row.billable_seconds),
  };
}

/** An attempt row joined with its job's `max_retries`. */
export function toActiveAttempt(row: any): ActiveAttempt {
  return {
    ...toAttempt(row),
    jobId: row.job_id,
    maxRetries: Number(row.max_retries),
  };
}

/** One entry of a job's timeline. */
export async function writeEvent(
  db: Knex,
  jobId: string,
  type: string,
  status: JobStatus,
  message: string,
  attemptId?: string,
) {
  await db('ml_job_events').insert({
    job_id: jobId,
    attempt_id: attemptId ?? null,
    at: Date.now(),
    type,
    status,
    message,
  });
}

/** Moves a job between statuses and records why; false when it was not in `from`. */
export async function moveJob(
  db: Knex,
  { jobId, from, to, type, message, extra = {} }: JobTransition,
  attemptId?: string,
): Promise<boolean> {
  const updated = await db('ml_jobs')
    .where({ job_id: jobId })
    .whereIn('status', from)
    .update({
      status: to,
      status_message: message,
      updated_at: Date.now(),
      ...extra,
    });
  if (updated > 0) await writeEvent(db, jobId, type, to, message, attemptId);
  return updated > 0;
}
