import { randomUUID } from 'node:crypto';
import {
  AttemptState,
  JobAttempt,
  JobEvent,
  JobSpec,
  JobStatus,
  PendingReason,
  TrainingJob,
} from '@ml-portal/plugin-ml-common';
import { Knex } from 'knex';
import { chunks } from '../database/chunks';
import { Holding, PendingJob } from './admission';

/** An attempt with the job fields dispatch and polling need. @internal */
export type ActiveAttempt = JobAttempt & { jobId: string; maxRetries: number };

/**
 * What a conditional attempt change did: `updated`; nothing, because the attempt was no
 * longer in an expected state (`attempt-moved`); or, with a job transition, the job was
 * not in its expected status (`job-moved`): then a change that ends the attempt is kept
 * (an ended attempt must not stay active under a job that moved on), any other is
 * rolled back (a dispatched attempt under a cancelled job would run on).
 *
 * @internal
 */
export type AttemptUpdate = 'updated' | 'attempt-moved' | 'job-moved';

/** The MLflow run a job reports to, created with it (the tracking tables' row). @internal */
export type JobRun = {
  experimentId: string;
  runName: string;
  userId?: string;
  /** The experiment's artifact location; the run's artifacts go under it. */
  artifactLocation: string;
  tags: Array<{ key: string; value: string }>;
};

class JobMoved extends Error {}

const ACTIVE_JOB_STATUSES: JobStatus[] = ['ADMITTED', 'DISPATCHING', 'RUNNING'];
/** @internal */
export const ACTIVE_ATTEMPT_STATES: AttemptState[] = [
  'DISPATCHING',
  'PENDING',
  'RUNNING',
];
/** Job statuses a cancel ends. */
const CANCELLABLE_JOB_STATUSES: JobStatus[] = [
  'PENDING',
  'ADMITTED',
  'DISPATCHING',
  'RUNNING',
];

const num = (v: unknown) =>
  v === null || v === undefined ? undefined : Number(v);

function toJob(row: any): TrainingJob {
  return {
    jobId: row.job_id,
    name: row.name,
    owner: row.owner,
    status: row.status,
    statusMessage: row.status_message ?? undefined,
    pendingReason: row.pending_reason ?? undefined,
    profile: row.profile ?? undefined,
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

function toAttempt(row: any): JobAttempt {
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

/**
 * Persistence of training jobs, attempts and their timeline: the only code touching
 * the training tables. Every status change writes its event in the same transaction.
 *
 * @internal
 */
export class DatabaseTrainingStore {
  private constructor(private readonly db: Knex) {}

  static create(options: { knex: Knex }) {
    return new DatabaseTrainingStore(options.knex);
  }

  async insertJob(job: {
    owner: string;
    spec: JobSpec;
    gpus: number;
    priority: number;
    spotAllowed: boolean;
    maxRetries: number;
    profile?: string;
    requestedPool?: string;
    submittedBy?: string;
    /**
     * The job's MLflow run, created in the same transaction: a job whose insert fails
     * leaves no run behind, and no job is without its run. Written here as the tracking
     * store writes a new run (run row, tags), since that store cannot join this
     * transaction.
     */
    run?: JobRun;
    /** More writes that commit with the job (its lineage); `runId` when it has a run. */
    alsoInTransaction?: (
      tx: Knex.Transaction,
      jobId: string,
      runId?: string,
    ) => Promise<void>;
  }): Promise<TrainingJob> {
    const now = Date.now();
    const jobId = randomUUID();
    const { run } = job;
    // MLflow's run id form, as the tracking store makes them.
    const runId = run && randomUUID().replace(/-/g, '');
    await this.db.transaction(async tx => {
      if (run && runId) {
        await tx('ml_runs').insert({
          run_uuid: runId,
          experiment_id: Number(run.experimentId),
          name: run.runName,
          user_id: run.userId ?? null,
          status: 'RUNNING',
          start_time: now,
          lifecycle_stage: 'active',
          artifact_uri: `${run.artifactLocation}/${runId}/artifacts`,
        });
        if (run.tags.length > 0) {
          await tx('ml_run_tags').insert(
            run.tags.map(tag => ({ run_uuid: runId, ...tag })),
          );
        }
      }
      await tx('ml_jobs').insert({
        job_id: jobId,
        name: job.spec.name,
        owner: job.owner,
        status: 'PENDING',
        status_message: 'Waiting for the next admission cycle',
        profile: job.profile ?? null,
        requested_pool: job.requestedPool ?? null,
        priority: job.priority,
        gpus: job.gpus,
        spot_allowed: job.spotAllowed,
        max_retries: job.maxRetries,
        submitted_by: job.submittedBy ?? null,
        experiment_id: run?.experimentId ?? null,
        run_id: runId ?? null,
        spec: JSON.stringify(job.spec),
        created_at: now,
        updated_at: now,
      });
      await this.event(
        tx,
        jobId,
        'submitted',
        'PENDING',
        `Submitted by ${job.submittedBy ?? 'an anonymous client'}`,
      );
      await job.alsoInTransaction?.(tx, jobId, runId);
    });
    return (await this.getJob(jobId))!;
  }

  async getJob(jobId: string): Promise<TrainingJob | undefined> {
    const row = await this.db('ml_jobs').where({ job_id: jobId }).first();
    return row && toJob(row);
  }

  /** Many jobs in one query; unknown ids are left out. */
  async getJobs(jobIds: string[]): Promise<TrainingJob[]> {
    const jobs: TrainingJob[] = [];
    for (const batch of chunks(jobIds)) {
      const rows = await this.db('ml_jobs').whereIn('job_id', batch);
      jobs.push(...rows.map(toJob));
    }
    return jobs;
  }

  async listJobs(filter: {
    owner?: string;
    /** Only jobs of these owners; every owner when unset. */
    owners?: string[];
    statuses?: JobStatus[];
    limit: number;
  }): Promise<TrainingJob[]> {
    const query = this.db('ml_jobs')
      .orderBy('created_at', 'desc')
      .limit(filter.limit);
    if (filter.owner) query.where('owner', filter.owner);
    if (filter.owners) query.whereIn('owner', filter.owners);
    if (filter.statuses) query.whereIn('status', filter.statuses);
    return (await query).map(toJob);
  }

  async attempts(jobId: string): Promise<JobAttempt[]> {
    return (
      await this.db('ml_job_attempts')
        .where({ job_id: jobId })
        .orderBy('attempt_number')
    ).map(toAttempt);
  }

  async events(jobId: string): Promise<JobEvent[]> {
    const rows = await this.db('ml_job_events')
      .where({ job_id: jobId })
      .orderBy('event_id');
    return rows.map(r => ({
      at: Number(r.at),
      type: r.type,
      status: r.status,
      message: r.message,
      attemptId: r.attempt_id ?? undefined,
    }));
  }

  /**
   * Runs `fn` holding the admission lock: a row lock on PostgreSQL, so replicas take
   * turns; SQLite serialises write transactions on its own.
   */
  async withAdmissionLock<T>(
    fn: (tx: Knex.Transaction) => Promise<T>,
  ): Promise<T> {
    return this.db.transaction(async tx => {
      const lock = tx('ml_admission_lock').where({ id: 1 });
      if (tx.client.config.client === 'pg') lock.forUpdate();
      await lock.update({ last_cycle_at: Date.now() });
      return fn(tx);
    });
  }

  async pendingJobs(
    tx: Knex.Transaction,
    profilePools: (profile: string) => string[],
  ): Promise<Array<PendingJob & { statusMessage?: string }>> {
    const rows = await tx('ml_jobs').where({ status: 'PENDING' });
    return rows.map(row => {
      const spec: JobSpec = JSON.parse(row.spec);
      return {
        jobId: row.job_id,
        owner: row.owner,
        gpus: Number(row.gpus),
        priority: Number(row.priority),
        createdAt: Number(row.created_at),
        pools: row.requested_pool
          ? [row.requested_pool]
          : profilePools(row.profile),
        dataResidency: spec.dataResidency,
        compliance: spec.compliance ?? [],
        statusMessage: row.status_message ?? undefined,
      };
    });
  }

  async holdings(tx: Knex.Transaction): Promise<Holding[]> {
    const rows = await tx('ml_jobs')
      .whereIn('status', ACTIVE_JOB_STATUSES)
      .select(
        'job_id',
        'owner',
        'pool',
        'gpus',
        'priority',
        'status',
        'updated_at',
      );
    return rows.map(row => ({
      jobId: row.job_id,
      owner: row.owner,
      pool: row.pool,
      gpus: Number(row.gpus),
      priority: Number(row.priority),
      preemptible: row.status === 'RUNNING',
      since: Number(row.updated_at),
    }));
  }

  /** Records a pending job's reason; an event only when the reason's text changed. */
  /**
   * Records why jobs wait: only those whose message changed are written, in one UPDATE
   * per distinct reason and one batch of events, so a cycle over a long, unchanged queue
   * costs no writes.
   */
  async markPending(
    tx: Knex.Transaction,
    items: Array<{
      jobId: string;
      reason: PendingReason;
      message: string;
      previous?: string;
    }>,
  ) {
    const changed = items.filter(item => item.previous !== item.message);
    const groups = new Map<string, typeof changed>();
    for (const item of changed) {
      const key = `${item.reason}\u0000${item.message}`;
      groups.set(key, [...(groups.get(key) ?? []), item]);
    }
    const now = Date.now();
    for (const group of groups.values()) {
      for (const ids of chunks(group.map(item => item.jobId))) {
        await tx('ml_jobs')
          .whereIn('job_id', ids)
          .where({ status: 'PENDING' })
          .update({
            pending_reason: group[0].reason,
            status_message: group[0].message,
            updated_at: now,
          });
      }
    }
    const events = changed.map(item => ({
      job_id: item.jobId,
      attempt_id: null,
      at: now,
      type: `pending:${item.reason}`,
      status: 'PENDING',
      message: item.message,
    }));
    for (const batch of chunks(events)) await tx('ml_job_events').insert(batch);
  }

  async markAdmitted(tx: Knex.Transaction, jobId: string, pool: string) {
    await this.transition(
      tx,
      jobId,
      ['PENDING'],
      'ADMITTED',
      'admitted',
      `Admitted to ${pool}`,
      { pool, pending_reason: null },
    );
  }

  /** Moves a job between statuses and records why; false when it was not in `from`. */
  async transition(
    db: Knex,
    jobId: string,
    from: JobStatus[],
    to: JobStatus,
    type: string,
    message: string,
    extra: Record<string, unknown> = {},
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
    if (updated > 0) await this.event(db, jobId, type, to, message, attemptId);
    return updated > 0;
  }

  async jobTransition(
    jobId: string,
    from: JobStatus[],
    to: JobStatus,
    type: string,
    message: string,
    extra: Record<string, unknown> = {},
    attemptId?: string,
  ) {
    return this.db.transaction(tx =>
      this.transition(tx, jobId, from, to, type, message, extra, attemptId),
    );
  }

  /**
   * The attempt dispatch works on: for a DISPATCHING job its active one, for an ADMITTED
   * job a new one numbered after the last (the job moves to DISPATCHING with it); none
   * for a job in any other status (cancelled or preempted meanwhile). Holds the job's
   * row while it decides, as cancel and every attempt change with a job move do, so a
   * cancel either comes first (no attempt) or ends the attempt made here.
   */
  async startAttempt(
    job: TrainingJob,
    pool: {
      name: string;
      target: string;
      spot: boolean;
      gpuType: string;
      region: string;
      instanceType?: string;
    },
  ): Promise<ActiveAttempt | undefined> {
    return this.db.transaction(async tx => {
      const status = await this.lockJob(tx, job.jobId);
      const withJob = (row: any): ActiveAttempt => ({
        ...toAttempt(row),
        jobId: job.jobId,
        maxRetries: job.spec.maxRetries ?? 0,
      });
      const active = await tx('ml_job_attempts')
        .where({ job_id: job.jobId })
        .whereIn('state', ACTIVE_ATTEMPT_STATES)
        .first();
      if (status === 'DISPATCHING') return active && withJob(active);
      if (status !== 'ADMITTED' || active) return undefined;
      const last = await tx('ml_job_attempts')
        .where({ job_id: job.jobId })
        .max({ n: 'attempt_number' })
        .first();
      const attemptNumber = Number(last?.n ?? 0) + 1;
      const attemptId = randomUUID();
      // Deterministic from the attempt id: a replayed dispatch finds the same external job.
      const externalName = `ml-${attemptId.replace(/-/g, '').slice(0, 20)}`;
      await tx('ml_job_attempts').insert({
        attempt_id: attemptId,
        job_id: job.jobId,
        attempt_number: attemptNumber,
        pool: pool.name,
        target: pool.target,
        external_name: externalName,
        state: 'DISPATCHING',
        spot: pool.spot && job.spotAllowed,
        gpus: job.gpus,
        gpu_type: pool.gpuType,
        instance_type: pool.instanceType ?? null,
        region: pool.region,
      });
      await this.transition(
        tx,
        job.jobId,
        ['ADMITTED'],
        'DISPATCHING',
        'dispatching',
        `Dispatching attempt ${attemptNumber} to ${pool.target} (${pool.name})`,
        {},
        attemptId,
      );
      return withJob(
        await tx('ml_job_attempts').where({ attempt_id: attemptId }).first(),
      );
    });
  }

  /**
   * Cancels a job and ends its active attempts (CANCELLED) in one transaction, holding
   * the job's row; the attempts it ended, for their targets to stop, or `undefined` when
   * the job was not in a status a cancel ends.
   */
  async cancelJob(
    jobId: string,
    message: string,
  ): Promise<ActiveAttempt[] | undefined> {
    return this.db.transaction(async tx => {
      await this.lockJob(tx, jobId);
      const rows = await tx('ml_job_attempts as a')
        .join('ml_jobs as j', 'j.job_id', 'a.job_id')
        .where('a.job_id', jobId)
        .whereIn('a.state', ACTIVE_ATTEMPT_STATES)
        .select('a.*', 'j.max_retries');
      const moved = await this.transition(
        tx,
        jobId,
        CANCELLABLE_JOB_STATUSES,
        'CANCELLED',
        'cancelled',
        message,
        { pending_reason: null },
        rows[0]?.attempt_id,
      );
      if (!moved) return undefined;
      if (rows.length > 0) {
        await tx('ml_job_attempts')
          .whereIn(
            'attempt_id',
            rows.map(row => row.attempt_id),
          )
          .whereIn('state', ACTIVE_ATTEMPT_STATES)
          .update({
            state: 'CANCELLED',
            ended_at: Date.now(),
            exit_reason: 'cancelled',
          });
      }
      return rows.map(row => ({
        ...toAttempt(row),
        jobId,
        maxRetries: Number(row.max_retries),
      }));
    });
  }

  async getAttempt(attemptId: string): Promise<JobAttempt | undefined> {
    const row = await this.db('ml_job_attempts')
      .where({ attempt_id: attemptId })
      .first();
    return row && toAttempt(row);
  }

  /** The job's status, holding its row until the transaction ends (PostgreSQL). */
  private async lockJob(
    tx: Knex.Transaction,
    jobId: string,
  ): Promise<JobStatus | undefined> {
    const query = tx('ml_jobs').where({ job_id: jobId }).first('status');
    if (tx.client.config.client === 'pg') query.forUpdate();
    return (await query)?.status;
  }

  /**
   * Changes an attempt when it is in one of the `from` states, and moves its job in the
   * same transaction (holding the job's row first, as cancel does): a replica killed
   * between two separate writes left an ended attempt (which no tick follows again)
   * under a job RUNNING for good, and an unconditional write put back an attempt a
   * cancel had ended. See {@link AttemptUpdate} for what happens when either has moved.
   */
  async updateAttempt(
    attemptId: string,
    from: AttemptState[],
    changes: {
      state?: AttemptState;
      externalId?: string;
      startedAt?: number;
      endedAt?: number;
      exitReason?: string;
      billableSeconds?: number;
      instanceType?: string;
    },
    job?: {
      jobId: string;
      from: JobStatus[];
      to: JobStatus;
      type: string;
      message: string;
      extra?: Record<string, unknown>;
    },
  ): Promise<AttemptUpdate> {
    const row: Record<string, unknown> = {};
    if (changes.state) row.state = changes.state;
    if (changes.externalId) row.external_id = changes.externalId;
    if (changes.startedAt !== undefined) row.started_at = changes.startedAt;
    if (changes.endedAt !== undefined) row.ended_at = changes.endedAt;
    if (changes.exitReason !== undefined) row.exit_reason = changes.exitReason;
    if (changes.billableSeconds !== undefined)
      row.billable_seconds = changes.billableSeconds;
    if (changes.instanceType) row.instance_type = changes.instanceType;
    const ends =
      changes.state !== undefined &&
      !ACTIVE_ATTEMPT_STATES.includes(changes.state);
    try {
      return await this.db.transaction(async tx => {
        if (job) await this.lockJob(tx, job.jobId);
        const updated = await tx('ml_job_attempts')
          .where({ attempt_id: attemptId })
          .whereIn('state', from)
          .update(row);
        if (updated === 0) return 'attempt-moved';
        if (!job) return 'updated';
        const moved = await this.transition(
          tx,
          job.jobId,
          job.from,
          job.to,
          job.type,
          job.message,
          job.extra,
          attemptId,
        );
        if (moved) return 'updated';
        if (!ends) throw new JobMoved();
        return 'job-moved';
      });
    } catch (error) {
      if (error instanceof JobMoved) return 'job-moved';
      throw error;
    }
  }

  async activeAttempts(): Promise<ActiveAttempt[]> {
    const rows = await this.db('ml_job_attempts as a')
      .join('ml_jobs as j', 'j.job_id', 'a.job_id')
      .whereIn('a.state', ACTIVE_ATTEMPT_STATES)
      .select('a.*', 'j.max_retries');
    return rows.map(r => ({
      ...toAttempt(r),
      jobId: r.job_id,
      maxRetries: Number(r.max_retries),
    }));
  }

  async activeAttemptOf(jobId: string): Promise<ActiveAttempt | undefined> {
    const row = await this.db('ml_job_attempts as a')
      .join('ml_jobs as j', 'j.job_id', 'a.job_id')
      .where('a.job_id', jobId)
      .whereIn('a.state', ACTIVE_ATTEMPT_STATES)
      .first('a.*', 'j.max_retries');
    return (
      row && {
        ...toAttempt(row),
        jobId: row.job_id,
        maxRetries: Number(row.max_retries),
      }
    );
  }

  async attemptCount(jobId: string): Promise<number> {
    const row = await this.db('ml_job_attempts')
      .where({ job_id: jobId })
      .count({ n: '*' })
      .first();
    return Number(row?.n ?? 0);
  }

  /** Jobs admitted but not yet dispatched: the reconciler re-queues them. */
  async jobIdsWithStatus(statuses: JobStatus[]): Promise<string[]> {
    return this.db('ml_jobs').whereIn('status', statuses).pluck('job_id');
  }

  /** Position among pending jobs (priority, then age), 1-based. */
  async queuePosition(job: TrainingJob): Promise<number> {
    const row = await this.db('ml_jobs')
      .where({ status: 'PENDING' })
      .where(q =>
        q
          .where('priority', '>', job.priority)
          .orWhere(q2 =>
            q2
              .where('priority', job.priority)
              .where('created_at', '<', job.createdAt),
          ),
      )
      .count({ n: '*' })
      .first();
    return Number(row?.n ?? 0) + 1;
  }

  /** GPUs held per pool by admitted, dispatching and running jobs. */
  async usageByPool(): Promise<Map<string, number>> {
    const rows: Array<{ pool: string; gpus: unknown }> = await this.db(
      'ml_jobs',
    )
      .whereIn('status', ACTIVE_JOB_STATUSES)
      .groupBy('pool')
      .select('pool')
      .sum({ gpus: 'gpus' });
    return new Map(rows.map(row => [row.pool, Number(row.gpus)]));
  }

  async recordEvent(
    jobId: string,
    type: string,
    status: JobStatus,
    message: string,
    attemptId?: string,
  ) {
    await this.event(this.db, jobId, type, status, message, attemptId);
  }

  private async event(
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
}
