import { decideAdmissions } from './admission';
import { profilePools, TeamQuota, TrainingConfig } from './config';
import { ComputeTargets, enabledTarget } from './targets';
import { TrainingQueues } from './TrainingQueues';
import {
  ACTIVE_ATTEMPT_STATES,
  PendingMark,
  TrainingStore,
} from './TrainingStore';

/**
 * The admission cycle: the pure decision (`decideAdmissions`) over what is pending and
 * held, taken under the admission lock in one transaction however many jobs it admits;
 * after it commits, the admitted jobs are queued for dispatch and the jobs it preempts
 * to give a team its quota back are stopped.
 *
 * @internal
 */
export class AdmissionCycle {
  constructor(
    private readonly options: {
      store: TrainingStore;
      config: TrainingConfig;
      targets: ComputeTargets;
      queues: Pick<TrainingQueues, 'requestDispatch'>;
      /** The budget hook: teams whose new jobs are held, with the reason (the cost domain). */
      budgetHolds?: () => Promise<Map<string, string>>;
      /** Teams' quotas now (API-set over config's); config's `quotas` without it. */
      quotas?: () => Promise<TeamQuota[]>;
    },
  ) {}

  async run(): Promise<void> {
    const { store, config } = this.options;
    const admitted: string[] = [];
    const victims: Array<{ jobId: string; message: string }> = [];
    const holds = (await this.options.budgetHolds?.()) ?? new Map();
    const quotas = (await this.options.quotas?.()) ?? config.quotas;
    await store.withAdmissionLock(async cycle => {
      const pending = await cycle.pendingJobs((profile, version) =>
        profilePools(config, profile, version),
      );
      if (pending.length === 0) return;
      const previous = new Map(
        pending.map(job => [job.jobId, job.statusMessage]),
      );
      const decisions = decideAdmissions({
        pending,
        holdings: await cycle.holdings(),
        pools: config.pools,
        quotas,
        teamWeights: config.teamWeights,
        budgetHold: team => holds.get(team),
      });
      const waiting: PendingMark[] = [];
      for (const decision of decisions) {
        if (decision.kind === 'admit') {
          await cycle.markAdmitted(decision.jobId, decision.pool);
          admitted.push(decision.jobId);
          continue;
        }
        const reason =
          decision.kind === 'pending' ? decision.reason : 'priority';
        waiting.push({
          jobId: decision.jobId,
          reason,
          message: decision.message,
          previous: previous.get(decision.jobId),
        });
        if (decision.kind === 'preempt') {
          victims.push(
            ...decision.victims.map(jobId => ({
              jobId,
              message: decision.message,
            })),
          );
        }
      }
      await cycle.markPending(waiting);
    });
    for (const jobId of admitted) {
      await this.options.queues.requestDispatch(
        jobId,
        (await store.attemptCount(jobId)) + 1,
      );
    }
    for (const victim of victims)
      await this.preempt(victim.jobId, victim.message);
  }

  /** Stops a running job to give its GPUs back; it returns to the queue. */
  private async preempt(jobId: string, message: string) {
    const { store } = this.options;
    const attempt = await store.activeAttemptOf(jobId);
    if (!attempt) return;
    const outcome = await store.updateAttempt(
      attempt.attemptId,
      ACTIVE_ATTEMPT_STATES,
      { state: 'PREEMPTED', endedAt: Date.now(), exitReason: message },
      {
        jobId,
        from: ['RUNNING', 'DISPATCHING'],
        to: 'PENDING',
        type: 'preempted',
        message: `Preempted: ${message}; it resumes from its checkpoint when admitted again`,
        extra: { pool: null },
      },
    );
    if (outcome === 'attempt-moved') return; // it ended on its own meanwhile
    await enabledTarget(this.options.targets, attempt.target).cancel(
      attempt.externalName,
    );
  }
}
