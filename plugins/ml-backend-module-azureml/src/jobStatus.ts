import { JobBase } from '@azure/arm-machinelearning';
import { ExternalJobStatus } from '@ml-portal/plugin-ml-node';

const PREEMPTED_REASON = 'low-priority nodes preempted';

/** What run history reports about a job's run (`runs/{name}/details`), as far as read here. @internal */
export type RunDetails = {
  startTimeUtc?: string;
  endTimeUtc?: string;
  error?: { error?: RunError };
};
type RunError = { code?: string; message?: string; innerError?: RunError };

/** Statuses whose run details add something: start and end times, the error. */
const WITH_RUN_DETAILS = new Set([
  'Running',
  'Finalizing',
  'NotResponding',
  'Completed',
  'Failed',
  'Canceled',
]);

/** Whether a job in this status has run details worth reading. @internal */
export const hasRunDetails = (status: string) => WITH_RUN_DETAILS.has(status);

/**
 * Maps a job and its run's details to the platform's view of the attempt.
 *
 * @internal
 */
export function toExternalJobStatus(
  job: JobBase,
  status: string,
  run: RunDetails | undefined,
): ExternalJobStatus {
  const computeId = job.properties.computeId;
  const base = {
    startedAt: date(run?.startTimeUtc),
    finishedAt: date(run?.endTimeUtc),
    instanceType: computeId?.slice(computeId.lastIndexOf('/') + 1),
  };
  const error = run?.error?.error;

  switch (status) {
    case 'Completed':
      return { ...base, state: 'succeeded' };
    case 'Failed': {
      if (error && isPreemption(error)) {
        // Azure ML gave up on the run after its low-priority nodes were reclaimed: the
        // platform may resume it from its checkpoint.
        return {
          ...base,
          state: 'preempted',
          reason: `${PREEMPTED_REASON}: ${error.message ?? error.code}`,
        };
      }
      const studio = job.properties.services?.Studio?.endpoint;
      return {
        ...base,
        state: 'failed',
        reason:
          error?.message ??
          `Azure ML reports the job Failed${studio ? `; see ${studio}` : ''}`,
      };
    }
    case 'CancelRequested':
    case 'Canceled':
      return { ...base, state: 'failed', reason: 'cancelled' };
    case 'Running':
    case 'Finalizing':
      return { ...base, state: 'running' };
    case 'NotResponding':
      // Azure ML lost the job's heartbeat; the job may recover, so it is not failed.
      return {
        ...base,
        state: 'running',
        reason: 'NotResponding: Azure ML gets no heartbeat from the job',
      };
    default:
      // NotStarted, Starting, Provisioning, Preparing, Queued (waiting for nodes or
      // setting up), Paused, Unknown: not running yet.
      return { ...base, state: 'pending', reason: status };
  }
}

/** Azure ML fails a run whose nodes were preempted with `PreemptionError: Nodes of this job got pre-empted...`. */
function isPreemption(error: RunError): boolean {
  for (let e: RunError | undefined = error; e; e = e.innerError) {
    if (/PreemptionError|\bpre-?empted\b/i.test(`${e.code} ${e.message}`)) {
      return true;
    }
  }
  return false;
}

function date(value: string | undefined): Date | undefined {
  return value ? new Date(value) : undefined;
}
