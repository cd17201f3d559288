import { randomUUID } from 'node:crypto';
import {
  AttemptState,
  JobAttempt,
  JobEvent,
  JobStatus,
  TrainingJob,
} from '@ml-portal/plugin-ml-common';
import { Knex } from 'knex';
import { chunks } from '../database/chunks';
import { LineageRecorder } from '../shared/lineage';
import { DatabaseAdmissionCycle } from './DatabaseAdmissionCycle';
import {
  ACTIVE_JOB_STATUSES,
  moveJob,
  toActiveAttempt,
  toAttempt,
  toJob,
  writeEvent,
} from './trainingRows';
import {
  ACTIVE_ATTEMPT_STATES,
  ActiveAttempt,
  AdmissionCycleStore,
  AttemptChanges,
  AttemptPool,
  AttemptUpdate,
  JobTransition,
  NewJob,
  TrainingStore,
} from './TrainingStore';

class JobMoved extends Error {}

/** Job statuses a cancel ends. */
const CANCELLABLE_JOB_STATUSES: JobStatus[] = [
  'PENDING',
  'ADMITTED',
  'DISPATCHING',
  'RUNNING',
];

/**
 * The training store on the plugin's database (SQLite or PostgreSQL). See
 * {@link TrainingStore}.
 *
 * @internal
 */
export class DatabaseTrainingStore implements TrainingStore {
  private constructor(
    private readonly db: Knex,
    private readonly lineage?: LineageRecorder,
  ) {}

  /** `lineage` records a job's facts in its insert's transaction; tools without lineage leave it out. */
  static create(options: { knex: Knex; lineage?: LineageRecorder }) {
    return new DatabaseTrainingStore(options.knex, options.lineage);
  }

  /**
   * The run is written here as the tracking store writes a new run (run row, tags),
   * since that store cannot join this transaction.
   */
  async insertJob(job: NewJob): Promise<TrainingJob> {
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
        profile_version: job.profileVersion ?? null,
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
      await writeEvent(
        tx,
        jobId,
        'submitted',
        'PENDING',
        `Submitted by ${job.submittedBy ?? 'an anonymous client'}`,
      );
      if (job.lineage && this.lineage) {
        await this.lineage.record(job.lineage(jobId, runId), tx);
      }
    });
    return (await this.getJob(jobId))!;
  }

  async getJob(jobId: string): Promise<TrainingJob | undefined> {
    const row = await this.db('ml_jobs').where({ job_id: jobId }).first();
    return row && toJob(row);
  }

  async jobOfRun(runId: string): Promise<TrainingJob | undefined> {
    const row = await this.db('ml_jobs').where({ run_id: runId }).first();
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

  async withAdmissionLock<T>(
    cycle: (store: AdmissionCycleStore) => Promise<T>,
  ): Promise<T> {
    return DatabaseAdmissionCycle.run(this.db, cycle);
  }

  async jobTransition(
    transition: JobTransition,
    attemptId?: string,
  ): Promise<boolean> {
    return this.db.transaction(tx => moveJob(tx, transition, attemptId));
  }

  /** Holds the job's row while it decides, as cancel and every attempt change with a job move do. */
  async startAttempt(
    job: TrainingJob,
    pool: AttemptPool,
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
      await moveJob(
        tx,
        {
          jobId: job.jobId,
          from: ['ADMITTED'],
          to: 'DISPATCHING',
          type: 'dispatching',
          message: `Dispatching attempt ${attemptNumber} to ${pool.target} (${pool.name})`,
        },
        attemptId,
      );
      return withJob(
        await tx('ml_job_attempts').where({ attempt_id: attemptId }).first(),
      );
    });
  }

  /** One transaction, holding the job's row. */
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
      const moved = await moveJob(
        tx,
        {
          jobId,
          from: CANCELLABLE_JOB_STATUSES,
          to: 'CANCELLED',
          type: 'cancelled',
          message,
          extra: { pending_reason: null },
        },
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
      return rows.map(toActiveAttempt);
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
    changes: AttemptChanges,
    job?: JobTransition,
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
        const moved = await moveJob(tx, job, attemptId);
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
    return rows.map(toActiveAttempt);
  }

  async activeAttemptOf(jobId: string): Promise<ActiveAttempt | undefined> {
    const row = await this.db('ml_job_attempts as a')
      .join('ml_jobs as j', 'j.job_id', 'a.job_id')
      .where('a.job_id', jobId)
      .whereIn('a.state', ACTIVE_ATTEMPT_STATES)
      .first('a.*', 'j.max_retries');
    return row && toActiveAttempt(row);
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
    await writeEvent(this.db, jobId, type, status, message, attemptId);
  }
}
