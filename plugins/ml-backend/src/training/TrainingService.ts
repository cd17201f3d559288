import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import {
  FINAL_JOB_STATUSES,
  GpuPoolSummary,
  JobStatus,
  mlJobCancelPermission,
  mlJobPreemptPermission,
  mlJobReadPermission,
  TrainingJob,
  TrainingJobDetails,
} from '@ml-portal/plugin-ml-common';
import { AccessControl } from '../shared/AccessControl';
import { Caller } from '../shared/caller';
import { profilePools, TrainingConfig } from './config';
import { ComputeTargets, enabledTarget } from './targets';
import { TrainingQueues } from './TrainingQueues';
import { TrainingProfileStore } from './TrainingProfileStore';
import { TrainingStore } from './TrainingStore';

/** What readers who may not cancel a job see of its env values. */
export const REDACTED_ENV_VALUE = '(hidden)';

const describeJob = (job: TrainingJob) =>
  `training job '${job.name}' (${job.jobId})`;

/**
 * Training jobs as callers see and act on them: a job with its attempts and timeline,
 * the job list, pools, cancel, a simulated preemption and logs, each
 * checked against `ml.job.*`. Submission, admission and following attempts have
 * their own classes (`JobSubmission`, `AdmissionCycle`, `AttemptFollower`).
 *
 * @internal
 */
export class TrainingService {
  constructor(
    private readonly options: {
      store: TrainingStore;
      config: TrainingConfig;
      targets: ComputeTargets;
      queues: Pick<TrainingQueues, 'requestAdmission'>;
      /** Permission checks (ml.job.*), tenancy applied to services too. */
      access: AccessControl;
      /** Profile versions, for the pools pending jobs wait for. */
      profiles: Pick<TrainingProfileStore, 'getVersions'>;
    },
  ) {}

  /** A job with its details; read needs `ml.job.read` on it, env values `ml.job.cancel`. */
  async getJob(caller: Caller, jobId: string): Promise<TrainingJobDetails> {
    const { store, access } = this.options;
    const job = await this.readableJob(caller, jobId);
    const [attempts, events, mayCancel] = await Promise.all([
      store.attempts(jobId),
      store.events(jobId),
      access
        .filter(caller, mlJobCancelPermission, [job], j => j.owner)
        .then(jobs => jobs.length > 0),
    ]);
    return {
      ...this.redacted(job, mayCancel),
      attempts,
      events,
      queuePosition:
        job.status === 'PENDING' ? await store.queuePosition(job) : undefined,
    };
  }

  /**
   * The newest 500 jobs the caller may read, narrowed in SQL to the owners they may read
   * (before the limit, so the page is full); env values only of those they may cancel.
   */
  async listJobs(
    caller: Caller,
    filter: {
      owner?: string;
      status?: string;
    },
  ): Promise<TrainingJob[]> {
    const { access, store } = this.options;
    const statuses = filter.status
      ? (filter.status.split(',') as JobStatus[])
      : undefined;
    const readable = await access.ownersFor(caller, mlJobReadPermission);
    const jobs = await store.listJobs({
      owner: filter.owner,
      owners: readable === 'all' ? undefined : readable,
      statuses,
      limit: 500,
    });
    const cancellable = new Set(
      (
        await access.filter(caller, mlJobCancelPermission, jobs, j => j.owner)
      ).map(job => job.jobId),
    );
    return jobs.map(job => this.redacted(job, cancellable.has(job.jobId)));
  }

  async listPools(): Promise<GpuPoolSummary[]> {
    const { store } = this.options;
    const usage = await store.usageByPool();
    // A pending job counts in every pool it could be admitted to.
    const pending = new Map<string, number>();
    const jobs = await store.listJobs({ statuses: ['PENDING'], limit: 10000 });
    // Each by the profile version it was submitted with, as admission does.
    const versions = new Map(
      (
        await this.options.profiles.getVersions(
          jobs.flatMap(job =>
            job.profile && job.profileVersion
              ? [{ name: job.profile, version: job.profileVersion }]
              : [],
          ),
        )
      ).map(v => [`${v.name}@${v.version}`, v]),
    );
    for (const job of jobs) {
      const pools = job.spec.pool
        ? [job.spec.pool]
        : profilePools(
            this.options.config,
            job.profile,
            versions.get(`${job.profile}@${job.profileVersion}`),
          );
      for (const pool of pools) pending.set(pool, (pending.get(pool) ?? 0) + 1);
    }
    return this.options.config.pools.map(pool => ({
      name: pool.name,
      target: pool.target,
      region: pool.region,
      gpuType: pool.gpuType,
      spot: pool.spot,
      capacityGpus: pool.capacityGpus,
      usedGpus: usage.get(pool.name) ?? 0,
      pendingJobs: pending.get(pool.name) ?? 0,
      compliance: pool.compliance,
    }));
  }

  /**
   * Cancels a job (`ml.job.cancel` on it): the job and its active attempt end together,
   * then the attempt is stopped on its target. A dispatch still running finds its
   * attempt ended and stops what it started.
   */
  async cancel(caller: Caller, jobId: string): Promise<TrainingJob> {
    const { store, access } = this.options;
    const job = await store.getJob(jobId);
    if (!job) throw new NotFoundError(`No training job ${jobId}`);
    await access.authorize(caller, mlJobCancelPermission, {
      owner: job.owner,
      describe: describeJob(job),
    });
    const ended = FINAL_JOB_STATUSES.includes(job.status)
      ? undefined
      : await store.cancelJob(
          jobId,
          `Cancelled by ${caller.userId ?? 'a client'}`,
        );
    if (!ended) {
      const now = (await store.getJob(jobId))!;
      throw new ConflictError(`Job ${jobId} is already ${now.status}`);
    }
    for (const attempt of ended) {
      await enabledTarget(this.options.targets, attempt.target).cancel(
        attempt.externalName,
      );
    }
    await this.options.queues.requestAdmission().catch(() => {});
    return this.redacted((await store.getJob(jobId))!, true);
  }

  /** Simulates a spot reclaim of a running job on the local target, to exercise resume. */
  async simulatePreemption(caller: Caller, jobId: string): Promise<void> {
    const { store, access } = this.options;
    const job = await store.getJob(jobId);
    if (!job) throw new NotFoundError(`No training job ${jobId}`);
    await access.authorize(caller, mlJobPreemptPermission, {
      owner: job.owner,
      describe: describeJob(job),
    });
    const attempt = await store.activeAttemptOf(jobId);
    const target =
      attempt && enabledTarget(this.options.targets, attempt.target);
    if (!attempt || !target?.simulatePreemption) {
      throw new InputError(
        `Job ${jobId} has no running attempt on a target that can simulate preemption`,
      );
    }
    await target.simulatePreemption(attempt.externalName);
  }

  async logs(
    caller: Caller,
    jobId: string,
    tailLines: number,
  ): Promise<string> {
    await this.readableJob(caller, jobId);
    const attempts = await this.options.store.attempts(jobId);
    const last = attempts[attempts.length - 1];
    if (!last) return '';
    const target = this.options.targets.get(last.target);
    return target?.logs ? target.logs(last.externalName, { tailLines }) : '';
  }

  /** The job, when it exists (404) and the caller may read it (403). */
  private async readableJob(caller: Caller, jobId: string) {
    const job = await this.options.store.getJob(jobId);
    if (!job) throw new NotFoundError(`No training job ${jobId}`);
    await this.options.access.authorize(caller, mlJobReadPermission, {
      owner: job.owner,
      describe: describeJob(job),
    });
    return job;
  }

  /**
   * The job as a reader sees it: env names always, their values only for those who may
   * cancel it (its team): values are often tokens the submitter put there by hand.
   * Secret references are names of secrets, never values, and stay.
   */
  private redacted<T extends TrainingJob>(job: T, mayCancel: boolean): T {
    if (mayCancel || !job.spec.env) return job;
    return {
      ...job,
      spec: {
        ...job.spec,
        env: Object.fromEntries(
          Object.keys(job.spec.env).map(name => [name, REDACTED_ENV_VALUE]),
        ),
      },
    };
  }
}
