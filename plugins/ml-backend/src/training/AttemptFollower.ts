import { LoggerService } from '@backstage/backend-plugin-api';
import { AttemptState, TrainingJob } from '@ml-portal/plugin-ml-common';
import { ComputeTarget, ExternalJobStatus } from '@ml-portal/plugin-ml-node';
import { AdmissionCycle } from './AdmissionCycle';
import { SecretScope, TrainingConfig } from './config';
import { ComputeTargets, enabledTarget, refusalToRun } from './targets';
import { TrainingQueues } from './TrainingQueues';
import {
  ACTIVE_ATTEMPT_STATES,
  ActiveAttempt,
  JobTransition,
  TrainingStore,
} from './TrainingStore';

/** Attempt ends the platform decides (not the target): what a dispatch started must stop. */
const STOPPED_BY_PLATFORM: AttemptState[] = [
  'CANCELLED',
  'PREEMPTED',
  'FAILED',
];

/**
 * Attempts from dispatch to their end: starting an admitted job on its target, then
 * following it on every tick (running, succeeded, failed and retried while tries are
 * left, preempted by the target and queued again to resume, lost), stopping what a
 * dispatch started when the platform ended its attempt meanwhile. The tick also meters
 * ended attempts, re-queues the dispatches Redis lost and runs an admission cycle.
 *
 * @internal
 */
export class AttemptFollower {
  constructor(
    private readonly options: {
      store: TrainingStore;
      config: TrainingConfig;
      targets: ComputeTargets;
      queues: Pick<TrainingQueues, 'requestAdmission' | 'ensureDispatchQueued'>;
      admission: Pick<AdmissionCycle, 'run'>;
      /** Teams' secret scopes now (API-set over config's); config's without it. */
      secretScopes?: () => Promise<SecretScope[]>;
      /** MLFLOW_TRACKING_URI as jobs see it. */
      trackingUri: string;
      logger: LoggerService;
      /** Records the usage of ended attempts (the cost domain); run on every tick. */
      meter?: () => Promise<unknown>;
    },
  ) {}

  /** Starts an admitted job's attempt on its pool's target; a replay finds the same attempt. */
  async dispatch(jobId: string): Promise<void> {
    const { store, config } = this.options;
    const job = await store.getJob(jobId);
    if (!job || !['ADMITTED', 'DISPATCHING'].includes(job.status) || !job.pool)
      return;
    const pool = config.pools.find(p => p.name === job.pool)!;
    const target = enabledTarget(this.options.targets, pool.target);
    // Checked again: what was allowed at submit may not be any more.
    const refusal = refusalToRun(
      {
        local: config.local,
        secretScopes:
          (await this.options.secretScopes?.()) ?? config.secretScopes,
      },
      job.owner,
      pool.target,
      job.spec.secretEnv ?? [],
    );
    if (refusal) {
      await this.refuseDispatch(job, refusal.message);
      return;
    }
    const attempt = await store.startAttempt(job, pool);
    if (!attempt) return; // cancelled or preempted before it started
    const checkpointUri =
      job.spec.checkpoint?.uri ??
      (pool.target === 'local' ? `.data/checkpoints/${jobId}` : undefined);
    const { externalId } = await target.dispatch({
      externalName: attempt.externalName,
      jobId,
      attemptId: attempt.attemptId,
      pool,
      image: job.spec.image,
      command: job.spec.command,
      env: {
        ...job.spec.env,
        MLFLOW_TRACKING_URI: this.options.trackingUri,
        ...(job.runId && { MLFLOW_RUN_ID: job.runId }),
        ...(job.experimentId && { MLFLOW_EXPERIMENT_ID: job.experimentId }),
        ML_JOB_ID: jobId,
        ML_JOB_ATTEMPT: String(attempt.attemptNumber),
      },
      secretEnv: job.spec.secretEnv ?? [],
      resources: job.spec.resources,
      maxRuntimeSeconds: job.spec.maxRuntimeSeconds,
      // One checkpoint location per job, so every attempt resumes where the last stopped;
      // locally a folder of the data directory, elsewhere the target's own default.
      checkpoint: checkpointUri
        ? {
            uri: checkpointUri,
            intervalSeconds: job.spec.checkpoint?.intervalSeconds,
          }
        : undefined,
    });
    // Only from DISPATCHING: a cancel or a preemption may have ended the attempt while
    // the target started it, and must not be undone.
    const outcome = await store.updateAttempt(
      attempt.attemptId,
      ['DISPATCHING'],
      { state: 'PENDING', externalId },
      {
        jobId,
        from: ['DISPATCHING'],
        to: 'RUNNING',
        type: 'dispatched',
        message: `Dispatched to ${pool.target} as ${attempt.externalName}`,
      },
    );
    if (outcome !== 'updated') await this.stopAbandoned(attempt, target);
  }

  /**
   * A dispatch whose attempt the platform ended while the target started it (a cancel,
   * a preemption): what it started must not run on. An attempt the tick found running
   * meanwhile is left to it.
   */
  private async stopAbandoned(attempt: ActiveAttempt, target: ComputeTarget) {
    const { store } = this.options;
    let now = await store.getAttempt(attempt.attemptId);
    if (now?.state === 'DISPATCHING') {
      // Its job moved on without it (a cancel ends it too): end it here.
      await store.updateAttempt(attempt.attemptId, ['DISPATCHING'], {
        state: 'CANCELLED',
        endedAt: Date.now(),
        exitReason: 'its job moved on while it was being dispatched',
      });
      now = await store.getAttempt(attempt.attemptId);
    }
    if (!now || !STOPPED_BY_PLATFORM.includes(now.state)) return;
    await target.cancel(attempt.externalName);
    const job = await store.getJob(attempt.jobId);
    if (job) {
      await store.recordEvent(
        attempt.jobId,
        'dispatch-stopped',
        job.status,
        `Stopped ${attempt.externalName} on ${target.id}: attempt ${
          attempt.attemptNumber
        } was ${now.state.toLowerCase()} while it was being dispatched`,
        attempt.attemptId,
      );
    }
  }

  /** Fails a job whose dispatch is no longer allowed (its group, its secrets), before it runs. */
  private refuseDispatch(job: TrainingJob, message: string) {
    return this.failBeforeRunning(
      job.jobId,
      'refused',
      `Refused: ${message}`,
      message,
    );
  }

  /** A dispatch that failed all its retries: the job fails before it ran. */
  async dispatchFailed(jobId: string, error: Error): Promise<void> {
    await this.failBeforeRunning(
      jobId,
      'dispatch-failed',
      `Dispatch failed: ${error.message}`,
      error.message,
    );
  }

  /**
   * Fails a job that has not run, with its dispatching attempt, and stops whatever the
   * attempt left on the target; then admission may fill the freed GPUs.
   */
  private async failBeforeRunning(
    jobId: string,
    type: string,
    message: string,
    exitReason: string,
  ) {
    const { store } = this.options;
    const transition: JobTransition = {
      jobId,
      from: ['ADMITTED', 'DISPATCHING'],
      to: 'FAILED',
      type,
      message,
    };
    const attempt = await store.activeAttemptOf(jobId);
    if (!attempt) {
      await store.jobTransition(transition);
    } else if (
      // One the tick found running meanwhile is followed, not failed.
      (await store.updateAttempt(
        attempt.attemptId,
        ['DISPATCHING'],
        { state: 'FAILED', endedAt: Date.now(), exitReason },
        transition,
      )) !== 'attempt-moved'
    ) {
      await enabledTarget(this.options.targets, attempt.target)
        .cancel(attempt.externalName)
        .catch(e =>
          this.options.logger.warn(
            `Could not stop ${attempt.externalName} after its dispatch failed: ${e}`,
          ),
        );
    }
    await this.options.queues.requestAdmission().catch(() => {});
  }

  /** The periodic work: follow every active attempt, re-queue lost dispatches, admit. */
  async tick(): Promise<void> {
    const { store } = this.options;
    for (const attempt of await store.activeAttempts()) {
      await this.follow(attempt).catch(error =>
        this.options.logger.warn(
          `Could not follow attempt ${attempt.attemptId}: ${error}`,
        ),
      );
    }
    await this.options
      .meter?.()
      .catch(error =>
        this.options.logger.warn(`Could not meter GPU usage: ${error}`),
      );
    // The row is the truth: a dispatch Redis lost (or whose failure went unrecorded) is
    // queued again under its deterministic id, so one still queued is not doubled.
    for (const jobId of await store.jobIdsWithStatus(['ADMITTED'])) {
      await this.options.queues.ensureDispatchQueued(
        jobId,
        (await store.attemptCount(jobId)) + 1,
        true,
      );
    }
    for (const jobId of await store.jobIdsWithStatus(['DISPATCHING'])) {
      await this.options.queues.ensureDispatchQueued(
        jobId,
        await store.attemptCount(jobId),
      );
    }
    await this.options.admission.run();
  }

  private async follow(attempt: ActiveAttempt) {
    const status = await enabledTarget(
      this.options.targets,
      attempt.target,
    ).status(attempt.externalName);
    await this.apply(attempt, status);
  }

  private async apply(attempt: ActiveAttempt, status: ExternalJobStatus) {
    const { store } = this.options;
    const ended = {
      // An attempt can end between two polls without ever being seen running: its
      // start still comes from the target, or it would be metered as free.
      startedAt: attempt.startedAt ?? status.startedAt?.getTime(),
      endedAt: status.finishedAt?.getTime() ?? Date.now(),
      billableSeconds: status.billableSeconds,
      instanceType: status.instanceType,
    };
    switch (status.state) {
      case 'pending':
        return;
      case 'running':
        if (attempt.state !== 'RUNNING') {
          const outcome = await store.updateAttempt(
            attempt.attemptId,
            ['DISPATCHING', 'PENDING'],
            {
              state: 'RUNNING',
              startedAt: status.startedAt?.getTime() ?? Date.now(),
              instanceType: status.instanceType,
            },
          );
          if (outcome !== 'updated') return; // ended meanwhile (a cancel)
          await store.recordEvent(
            attempt.jobId,
            'running',
            'RUNNING',
            `Attempt ${attempt.attemptNumber} is running on ${attempt.pool}`,
            attempt.attemptId,
          );
          // Its dispatcher died after starting it: the target's answer settles the outcome.
          await store.jobTransition(
            {
              jobId: attempt.jobId,
              from: ['DISPATCHING'],
              to: 'RUNNING',
              type: 'dispatched',
              message: `Found running on ${attempt.target} as ${attempt.externalName}`,
            },
            attempt.attemptId,
          );
        }
        return;
      case 'succeeded':
        await store.updateAttempt(
          attempt.attemptId,
          ACTIVE_ATTEMPT_STATES,
          { state: 'SUCCEEDED', ...ended },
          {
            jobId: attempt.jobId,
            from: ['RUNNING', 'DISPATCHING'],
            to: 'SUCCEEDED',
            type: 'succeeded',
            message: `Attempt ${attempt.attemptNumber} succeeded`,
          },
        );
        break;
      case 'preempted':
        await store.updateAttempt(
          attempt.attemptId,
          ACTIVE_ATTEMPT_STATES,
          { state: 'PREEMPTED', exitReason: status.reason, ...ended },
          {
            jobId: attempt.jobId,
            from: ['RUNNING', 'DISPATCHING'],
            to: 'PENDING',
            type: 'preempted',
            message: `Preempted (${
              status.reason ?? 'capacity reclaimed'
            }); it resumes from its checkpoint when admitted again`,
            extra: { pool: null },
          },
        );
        break;
      case 'failed':
      case 'not-found': {
        // A just-created attempt may not be visible yet: its dispatch is retried, not failed.
        if (status.state === 'not-found' && attempt.state === 'DISPATCHING')
          return;
        const lost = status.state === 'not-found';
        const reason =
          status.reason ?? (lost ? 'the external job disappeared' : 'failed');
        const what = `Attempt ${attempt.attemptNumber} ${
          lost ? 'was lost' : 'failed'
        }`;
        const tries = await store.attemptCount(attempt.jobId);
        await store.updateAttempt(
          attempt.attemptId,
          ACTIVE_ATTEMPT_STATES,
          { state: lost ? 'LOST' : 'FAILED', exitReason: reason, ...ended },
          tries <= attempt.maxRetries
            ? {
                jobId: attempt.jobId,
                from: ['RUNNING', 'DISPATCHING'],
                to: 'PENDING',
                type: 'retrying',
                message: `${what} (${reason}); retrying (${tries} of ${
                  attempt.maxRetries + 1
                } tries used)`,
                extra: { pool: null },
              }
            : {
                jobId: attempt.jobId,
                from: ['RUNNING', 'DISPATCHING'],
                to: 'FAILED',
                type: 'failed',
                message: `${what}: ${reason}`,
              },
        );
        break;
      }
      default:
        return;
    }
    await this.options.queues.requestAdmission().catch(() => {});
  }
}
