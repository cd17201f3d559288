import {
  ComputeTarget,
  DispatchRequest,
  ExternalJobStatus,
} from '@ml-portal/plugin-ml-node';

type FakeAttempt = {
  jobId: string;
  status: ExternalJobStatus;
  cancelled: boolean;
};

/**
 * A fake cluster for API tests: it runs nothing, and each attempt it is given runs until
 * the test ends it (`finish`). One instance may serve several portals, as one cluster
 * serves every replica of a backend.
 */
export class FakeComputeTarget implements ComputeTarget {
  private readonly attempts = new Map<string, FakeAttempt>();

  constructor(readonly id = 'fake') {}

  async dispatch(request: DispatchRequest) {
    // Idempotent, as the contract asks: a replayed dispatch finds its attempt.
    if (!this.attempts.has(request.externalName)) {
      this.attempts.set(request.externalName, {
        jobId: request.jobId,
        status: { state: 'running', startedAt: new Date() },
        cancelled: false,
      });
    }
    return { externalId: request.externalName };
  }

  async status(externalName: string): Promise<ExternalJobStatus> {
    return this.attempts.get(externalName)?.status ?? { state: 'not-found' };
  }

  async cancel(externalName: string) {
    const attempt = this.attempts.get(externalName);
    if (!attempt || attempt.cancelled) return;
    attempt.cancelled = true;
    attempt.status = {
      ...attempt.status,
      state: 'failed',
      reason: 'cancelled',
      finishedAt: new Date(),
    };
  }

  /** The job's attempts that run now (not ended, not cancelled). */
  running(jobId: string): string[] {
    return [...this.attempts]
      .filter(([, a]) => a.jobId === jobId && a.status.state === 'running')
      .map(([name]) => name);
  }

  /** The job's attempts the platform cancelled (a cancel, a preemption). */
  cancelled(jobId: string): string[] {
    return [...this.attempts]
      .filter(([, a]) => a.jobId === jobId && a.cancelled)
      .map(([name]) => name);
  }

  /** Ends the job's running attempt as the cluster would report it. */
  finish(jobId: string, state: 'succeeded' | 'failed' = 'succeeded') {
    const [name] = this.running(jobId);
    if (!name) throw new Error(`No attempt of job ${jobId} is running`);
    const attempt = this.attempts.get(name)!;
    attempt.status = { ...attempt.status, state, finishedAt: new Date() };
  }
}
