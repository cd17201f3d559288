import {
  AttemptState,
  JobAttempt,
  JobEvent,
  JobSpec,
  JobStatus,
  PendingReason,
  TrainingJob,
} from '@ml-portal/plugin-ml-common';
import { LineageFact } from '../shared/lineage';
import { Holding, PendingJob } from './admission';
import { ProfileDefinition } from './profileDefinition';

/** An attempt with the job fields dispatch and polling need. @internal */
export type ActiveAttempt = JobAttempt & { jobId: string; maxRetries: number };

/** @internal */
export const ACTIVE_ATTEMPT_STATES: AttemptState[] = [
  'DISPATCHING',
  'PENDING',
  'RUNNING',
];

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

/** A job as submitted, before it has an id. @internal */
export type NewJob = {
  owner: string;
  spec: JobSpec;
  gpus: number;
  priority: number;
  spotAllowed: boolean;
  maxRetries: number;
  profile?: string;
  /** The version of `profile` the job was submitted with. */
  profileVersion?: number;
  requestedPool?: string;
  submittedBy?: string;
  /** The job's MLflow run, created in the same transaction: no job is without its run. */
  run?: JobRun;
  /** Lineage facts that commit with the job; `runId` when it has a run. */
  lineage?: (jobId: string, runId?: string) => LineageFact[];
};

/** A job's move between statuses, with the event that says why. @internal */
export type JobTransition = {
  jobId: string;
  from: JobStatus[];
  to: JobStatus;
  type: string;
  message: string;
  /** More columns to set with the move (e.g. `pool: null` when it leaves its pool). */
  extra?: Record<string, unknown>;
};

/** What changes on an attempt; unset fields stay. @internal */
export type AttemptChanges = {
  state?: AttemptState;
  externalId?: string;
  startedAt?: number;
  endedAt?: number;
  exitReason?: string;
  billableSeconds?: number;
  instanceType?: string;
};

/** The pool an attempt is started in, as the attempt row records it. @internal */
export type AttemptPool = {
  name: string;
  target: string;
  spot: boolean;
  gpuType: string;
  region: string;
  instanceType?: string;
};

/** Why a pending job still waits, as one admission cycle decided. @internal */
export type PendingMark = {
  jobId: string;
  reason: PendingReason;
  message: string;
  /** Its message before the cycle: an unchanged one is not written again. */
  previous?: string;
};

/**
 * One admission cycle's reads and writes, all in the cycle's transaction under the
 * admission lock: what it reads is what it decides on, and nothing it writes is seen
 * before it commits.
 *
 * @internal
 */
export interface AdmissionCycleStore {
  /** Pending jobs; `profilePools` gets the profile version each was submitted with. */
  pendingJobs(
    profilePools: (profile: string, version?: ProfileDefinition) => string[],
  ): Promise<Array<PendingJob & { statusMessage?: string }>>;
  /** GPUs held by admitted, dispatching and running jobs. */
  holdings(): Promise<Holding[]>;
  /** Records why jobs wait; a cycle over an unchanged queue writes nothing. */
  markPending(items: PendingMark[]): Promise<void>;
  markAdmitted(jobId: string, pool: string): Promise<void>;
}

/**
 * Persistence of training jobs, attempts and their timeline: the only code touching
 * the training tables. Every status change writes its event in the same transaction;
 * a job and its run (and its lineage) commit together.
 *
 * @internal
 */
export interface TrainingStore {
  insertJob(job: NewJob): Promise<TrainingJob>;
  getJob(jobId: string): Promise<TrainingJob | undefined>;
  /** The job that created a run, if a job did. */
  jobOfRun(runId: string): Promise<TrainingJob | undefined>;
  /** Many jobs in one query; unknown ids are left out. */
  getJobs(jobIds: string[]): Promise<TrainingJob[]>;
  listJobs(filter: {
    owner?: string;
    /** Only jobs of these owners; every owner when unset. */
    owners?: string[];
    statuses?: JobStatus[];
    limit: number;
  }): Promise<TrainingJob[]>;
  attempts(jobId: string): Promise<JobAttempt[]>;
  events(jobId: string): Promise<JobEvent[]>;
  /** Position among pending jobs (priority, then age), 1-based. */
  queuePosition(job: TrainingJob): Promise<number>;
  /** GPUs held per pool by admitted, dispatching and running jobs. */
  usageByPool(): Promise<Map<string, number>>;

  /**
   * Runs one admission cycle holding the admission lock: replicas take turns, so the
   * capacity one cycle reads is never spent by another.
   */
  withAdmissionLock<T>(
    cycle: (store: AdmissionCycleStore) => Promise<T>,
  ): Promise<T>;

  /** Moves a job between statuses and records why; false when it was not in `from`. */
  jobTransition(
    transition: JobTransition,
    attemptId?: string,
  ): Promise<boolean>;
  recordEvent(
    jobId: string,
    type: string,
    status: JobStatus,
    message: string,
    attemptId?: string,
  ): Promise<void>;
  /**
   * The attempt dispatch works on: for a DISPATCHING job its active one, for an ADMITTED
   * job a new one numbered after the last (the job moves to DISPATCHING with it); none
   * for a job in any other status (cancelled or preempted meanwhile). A cancel either
   * comes first (no attempt) or ends the attempt made here.
   */
  startAttempt(
    job: TrainingJob,
    pool: AttemptPool,
  ): Promise<ActiveAttempt | undefined>;
  /**
   * Cancels a job and ends its active attempts (CANCELLED) together; the attempts it
   * ended, for their targets to stop, or `undefined` when the job was not in a status
   * a cancel ends.
   */
  cancelJob(
    jobId: string,
    message: string,
  ): Promise<ActiveAttempt[] | undefined>;
  getAttempt(attemptId: string): Promise<JobAttempt | undefined>;
  /**
   * Changes an attempt when it is in one of the `from` states, and moves its job in the
   * same transaction. See {@link AttemptUpdate} for what happens when either has moved.
   */
  updateAttempt(
    attemptId: string,
    from: AttemptState[],
    changes: AttemptChanges,
    job?: JobTransition,
  ): Promise<AttemptUpdate>;
  activeAttempts(): Promise<ActiveAttempt[]>;
  activeAttemptOf(jobId: string): Promise<ActiveAttempt | undefined>;
  attemptCount(jobId: string): Promise<number>;
  jobIdsWithStatus(statuses: JobStatus[]): Promise<string[]>;
}
