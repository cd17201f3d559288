import type {
  V1ContainerStatus,
  V1Job,
  V1Pod,
  V1PodCondition,
} from '@kubernetes/client-node';
import { ExternalJobStatus } from '@ml-portal/plugin-ml-node';

/**
 * Name of the training container in every pod the target creates.
 *
 * @internal
 */
export const TRAINING_CONTAINER = 'train';

function podCondition(
  pod: V1Pod | undefined,
  type: string,
): V1PodCondition | undefined {
  return pod?.status?.conditions?.find(c => c.type === type);
}

/** The pod was evicted for a disruption: preemption, spot reclaim, node drain or shutdown. */
function disruption(pod: V1Pod | undefined): V1PodCondition | undefined {
  const condition = podCondition(pod, 'DisruptionTarget');
  return condition?.status === 'True' ? condition : undefined;
}

function trainingContainer(
  pod: V1Pod | undefined,
): V1ContainerStatus | undefined {
  return pod?.status?.containerStatuses?.find(
    c => c.name === TRAINING_CONTAINER,
  );
}

/**
 * Whether the pod's training container ever started.
 *
 * @internal
 */
export function hasStarted(pod: V1Pod | undefined): boolean {
  const state = trainingContainer(pod)?.state;
  return Boolean(state?.running || state?.terminated);
}

function describe(reason?: string, message?: string): string | undefined {
  if (reason && message) return `${reason}: ${message}`;
  return reason || message || undefined;
}

function preemptionReason(pod: V1Pod): string {
  const condition = disruption(pod)!;
  return `pod ${pod.metadata?.name} was evicted (${
    describe(condition.reason, condition.message) ?? 'DisruptionTarget'
  })`;
}

/** Why a pod has not started yet: its scheduling failure or its container's wait. */
function pendingReason(pod: V1Pod | undefined): string {
  if (!pod) {
    return 'waiting for the Job controller to create a pod';
  }
  const scheduled = podCondition(pod, 'PodScheduled');
  if (scheduled?.status === 'False') {
    return describe(scheduled.reason, scheduled.message) ?? 'Unschedulable';
  }
  const waiting = trainingContainer(pod)?.state?.waiting;
  return (
    describe(waiting?.reason, waiting?.message) ??
    `pod ${pod.metadata?.name} is ${pod.status?.phase ?? 'Pending'}`
  );
}

/**
 * Maps a Job and its pods (oldest first) to the platform's view of the attempt.
 *
 * - `succeeded`: the Job is `Complete`.
 * - `failed`: the Job is `Failed`; the reason names the training container's exit code
 *   (`podFailurePolicy` `FailJob` on a non-zero exit), else the Job's own reason, e.g.
 *   `DeadlineExceeded` when `activeDeadlineSeconds` passed.
 * - `preempted`: the Job is `Failed` and its last pod was evicted (`DisruptionTarget`),
 *   or it ran out of time after an eviction before a replacement pod could start.
 * - `running`: the latest pod runs (or has just ended and the Job controller has not
 *   recorded the outcome yet).
 * - `pending`: no pod runs yet: the reason is the scheduler's (`Unschedulable: 0/3 nodes
 *   are available: ...`) or the container's wait (`ImagePullBackOff: ...`). An evicted
 *   pod is replaced in place (the `Ignore` rule of the pod failure policy), so while its
 *   replacement waits the attempt is `pending`, with the eviction in the reason.
 *
 * @internal
 */
export function toExternalJobStatus(
  job: V1Job,
  pods: V1Pod[],
): ExternalJobStatus {
  const conditions = job.status?.conditions ?? [];
  const isTrue = (type: string) =>
    conditions.find(c => c.type === type && c.status === 'True');
  const latest = pods[pods.length - 1];
  const lastStarted = [...pods].reverse().find(hasStarted);
  const container = trainingContainer(lastStarted)?.state;
  const startedAt =
    container?.running?.startedAt ??
    container?.terminated?.startedAt ??
    lastStarted?.status?.startTime ??
    undefined;
  const instanceType = lastStarted?.spec?.nodeName;
  const evicted = pods.filter(pod => disruption(pod));
  const lastEviction = evicted[evicted.length - 1];

  const complete = isTrue('Complete');
  if (complete) {
    return {
      state: 'succeeded',
      startedAt,
      finishedAt:
        job.status?.completionTime ?? complete.lastTransitionTime ?? undefined,
      instanceType,
    };
  }

  const failed = isTrue('Failed');
  if (failed) {
    const exit = trainingContainer(latest)?.state?.terminated;
    const finishedAt =
      failed.lastTransitionTime ?? exit?.finishedAt ?? undefined;
    if (disruption(latest)) {
      return {
        state: 'preempted',
        reason: preemptionReason(latest),
        startedAt,
        finishedAt,
        instanceType,
      };
    }
    if (lastEviction && !hasStarted(latest)) {
      return {
        state: 'preempted',
        reason: `${preemptionReason(
          lastEviction,
        )}; its replacement did not start (${
          describe(failed.reason, failed.message) ?? 'Job failed'
        })`,
        startedAt,
        finishedAt,
        instanceType,
      };
    }
    const exitReason =
      exit && exit.exitCode !== 0
        ? `container ${TRAINING_CONTAINER} exited with code ${exit.exitCode}${
            exit.reason ? ` (${exit.reason})` : ''
          }${exit.message ? `: ${exit.message}` : ''}`
        : undefined;
    const jobReason = describe(failed.reason, failed.message) ?? 'Job failed';
    return {
      state: 'failed',
      reason:
        failed.reason === 'DeadlineExceeded' || !exitReason
          ? jobReason
          : exitReason,
      startedAt,
      finishedAt,
      instanceType,
    };
  }

  if (isTrue('Suspended')) {
    return { state: 'pending', reason: 'the Job is suspended' };
  }
  const phase = latest?.status?.phase;
  if (
    phase === 'Running' ||
    phase === 'Succeeded' ||
    (phase === 'Failed' && !disruption(latest))
  ) {
    return {
      state: 'running',
      startedAt,
      instanceType,
      ...(lastEviction && {
        reason: `resumed after ${
          evicted.length
        } eviction(s), last: ${preemptionReason(lastEviction)}`,
      }),
    };
  }
  if (lastEviction) {
    const replacement = disruption(latest)
      ? 'a replacement pod is being created'
      : `replacement pod: ${pendingReason(latest)}`;
    return {
      state: 'pending',
      reason: `${preemptionReason(lastEviction)}; ${replacement}`,
    };
  }
  return { state: 'pending', reason: pendingReason(latest) };
}
