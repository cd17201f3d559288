import { LoggerService } from '@backstage/backend-plugin-api';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import {
  Experiment,
  AttemptState,
  FINAL_JOB_STATUSES,
  GpuPoolSummary,
  JobSpec,
  JobStatus,
  mlExperimentUpdatePermission,
  mlJobCancelPermission,
  mlJobCreatePermission,
  mlJobPreemptPermission,
  mlJobReadPermission,
  TrainingJob,
  TrainingJobDetails,
  TrainingProfile,
} from '@ml-portal/plugin-ml-common';
import { ComputeTarget, ExternalJobStatus } from '@ml-portal/plugin-ml-node';
import { z } from 'zod';
import { AccessControl } from '../shared/AccessControl';
import { Caller } from '../shared/caller';
import { DatasetLineageRecorder, LineageFact } from '../shared/lineage';
import { featureViewInputs } from '../shared/runTags';
import { decideAdmissions } from './admission';
import { ConfiguredPool } from '../shared/pools';
import { TrainingConfig } from './config';
import {
  ACTIVE_ATTEMPT_STATES,
  ActiveAttempt,
  DatabaseTrainingStore,
  JobRun,
} from './DatabaseTrainingStore';
import { firstSecretOutOfScope } from './secretScopes';
import { TrainingQueues } from './TrainingQueues';

const jobSpecSchema = z.object({
  name: z.string().min(1).max(250),
  owner: z.string().min(1).max(500).optional(),
  profile: z.string().optional(),
  pool: z.string().optional(),
  image: z.string().optional(),
  command: z.array(z.string()).min(1),
  env: z.record(z.string(), z.string()).optional(),
  secretEnv: z
    .array(
      z.object({
        name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/),
        secretRef: z.string().min(1),
      }),
    )
    .optional(),
  resources: z
    .object({
      gpus: z.number().int().min(0).optional(),
      cpu: z.number().positive().optional(),
      memoryMiB: z.number().int().positive().optional(),
    })
    .optional(),
  priority: z.number().int().min(-1000).max(1000).optional(),
  spotAllowed: z.boolean().optional(),
  checkpoint: z
    .object({
      uri: z.string().optional(),
      intervalSeconds: z.number().int().positive().optional(),
    })
    .optional(),
  maxRuntimeSeconds: z.number().int().positive().optional(),
  maxRetries: z.number().int().min(0).max(20).optional(),
  dataResidency: z.string().optional(),
  compliance: z.array(z.string()).optional(),
  experiment: z.string().optional(),
  inputs: z
    .object({
      datasets: z.array(z.string().min(1).max(500)).max(100).optional(),
      featureViews: z
        .array(
          z.string().regex(/^[^\s/,]+\/[^\s/,]+$/, 'expected <project>/<name>'),
        )
        .max(100)
        .optional(),
    })
    .optional(),
});

/**
 * What training needs of experiment tracking: a job's experiment, found or created for
 * its owner with the caller's rights. The tracking service is handed in by the plugin.
 *
 * @internal
 */
export interface JobExperiments {
  getExperiment(caller: Caller, experimentId: string): Promise<Experiment>;
  getExperimentByName(caller: Caller, name: string): Promise<Experiment>;
  createExperiment(caller: Caller, input: { name: unknown }): Promise<string>;
}

/** Env names the platform sets; a spec may not override them. */
const RESERVED_ENV = /^(MLFLOW_|ML_JOB_|CUDA_VISIBLE_DEVICES$|CHECKPOINT_)/;

/** What readers who may not cancel a job see of its env values. */
export const REDACTED_ENV_VALUE = '(hidden)';

/** Attempt ends the platform decides (not the target): what a dispatch started must stop. */
const STOPPED_BY_PLATFORM: AttemptState[] = [
  'CANCELLED',
  'PREEMPTED',
  'FAILED',
];

const describeJob = (job: TrainingJob) =>
  `training job '${job.name}' (${job.jobId})`;

/**
 * Training jobs: submission with validation, admission cycles under the admission lock,
 * dispatch to compute targets, following attempts to their end (retries, preemption and
 * resume), cancel, and the read models the pages use.
 *
 * @internal
 */
export class TrainingService {
  private readonly pools: Map<string, ConfiguredPool>;
  private readonly profiles: Map<string, TrainingProfile>;

  constructor(
    private readonly options: {
      store: DatabaseTrainingStore;
      config: TrainingConfig;
      targets: ReadonlyMap<string, ComputeTarget>;
      queues: TrainingQueues;
      /** Finds or creates a job's experiment (the tracking domain). */
      tracking: JobExperiments;
      /** Permission checks (ml.job.*), tenancy applied to services too. */
      access: AccessControl;
      /** MLFLOW_TRACKING_URI as jobs see it. */
      trackingUri: string;
      logger: LoggerService;
      /** The budget hook: teams whose new jobs are held, with the reason (the cost domain). */
      budgetHolds?: () => Promise<Map<string, string>>;
      /** Records the usage of ended attempts (the cost domain); run on every tick. */
      meter?: () => Promise<unknown>;
      /** Records what jobs read and the runs they produce; tools without lineage leave it out. */
      lineage?: DatasetLineageRecorder;
    },
  ) {
    this.pools = new Map(options.config.pools.map(p => [p.name, p]));
    this.profiles = new Map(options.config.profiles.map(p => [p.name, p]));
  }

  /**
   * Submits a job for one of the caller's groups (`owner` in the spec, else the caller's
   * default owner), with its MLflow run. Needs `ml.job.create`; refuses (403) an owner
   * that is not one of the caller's groups, a local pool for a group the local target
   * does not serve, and secrets outside the owner's scope on any target the job could
   * run on.
   */
  async submit(caller: Caller, input: unknown): Promise<TrainingJob> {
    const parsed = jobSpecSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new InputError(
        `Invalid job spec: ${issue.path.join('.') || 'spec'}: ${issue.message}`,
      );
    }
    const raw = parsed.data;
    await this.options.access.authorize(caller, mlJobCreatePermission);
    if (raw.owner !== undefined && !caller.groups.includes(raw.owner)) {
      throw new NotAllowedError(
        `Invalid job spec: owner: ${
          caller.userId ?? 'the caller'
        } may submit jobs only for a group they belong to (${
          caller.groups.join(', ') || 'none'
        }), not ${raw.owner}`,
      );
    }
    const owner = raw.owner ?? caller.owner;
    const profile = raw.profile ? this.profiles.get(raw.profile) : undefined;
    if (raw.profile && !profile) {
      throw new InputError(
        `Invalid job spec: profile: unknown training profile '${
          raw.profile
        }' (known: ${[...this.profiles.keys()].join(', ') || 'none'})`,
      );
    }
    if (raw.pool && !this.pools.has(raw.pool)) {
      throw new InputError(
        `Invalid job spec: pool: unknown GPU pool '${raw.pool}' (known: ${
          [...this.pools.keys()].join(', ') || 'none'
        })`,
      );
    }
    if (!raw.pool && !profile) {
      throw new InputError(
        'Invalid job spec: profile: name a training profile or a pool',
      );
    }
    const candidatePools = raw.pool
      ? [this.pools.get(raw.pool)!]
      : profile!.pools.map(name => this.pools.get(name)!);
    const gpus = raw.resources?.gpus ?? profile?.defaults.gpus ?? 1;
    if (profile && gpus > profile.limits.maxGpus) {
      throw new InputError(
        `Invalid job spec: resources.gpus: profile '${profile.name}' allows at most ${profile.limits.maxGpus} GPUs, the job asks for ${gpus}`,
      );
    }
    const largest = Math.max(...candidatePools.map(p => p.capacityGpus));
    if (gpus > largest) {
      throw new InputError(
        `Invalid job spec: resources.gpus: the job asks for ${gpus} GPUs; the largest of its pools (${candidatePools
          .map(p => p.name)
          .join(', ')}) has ${largest}`,
      );
    }
    for (const pool of candidatePools) {
      if (!this.options.targets.has(pool.target)) {
        throw new InputError(
          `Invalid job spec: pool: pool '${pool.name}' runs on compute target '${pool.target}', which is not enabled`,
        );
      }
    }
    for (const name of Object.keys(raw.env ?? {})) {
      if (RESERVED_ENV.test(name))
        throw new InputError(
          `Invalid job spec: env.${name}: set by the platform`,
        );
    }
    const targets = [...new Set(candidatePools.map(pool => pool.target))];
    for (const target of targets) {
      const refusal = this.refusal(owner, target, raw.secretEnv ?? []);
      if (refusal) throw refusal;
    }
    const spec: JobSpec = {
      ...raw,
      owner,
      resources: { ...raw.resources, gpus },
      spotAllowed: raw.spotAllowed ?? profile?.defaults.spotAllowed ?? false,
      maxRuntimeSeconds:
        raw.maxRuntimeSeconds ?? profile?.defaults.maxRuntimeSeconds,
      checkpoint: {
        ...raw.checkpoint,
        intervalSeconds:
          raw.checkpoint?.intervalSeconds ??
          profile?.defaults.checkpointIntervalSeconds,
      },
    };

    const inputDatasetIds = await this.resolveInputDatasets(spec);

    // Fails fast (503) while Redis is down, before anything is written.
    await this.options.queues.requestAdmission();
    // What the job creates is its owner's: an experiment made for it too.
    const run = await this.runOf({ ...caller, owner }, spec);
    const { lineage } = this.options;
    const job = await this.options.store.insertJob({
      owner,
      spec,
      gpus,
      priority: spec.priority ?? 0,
      spotAllowed: spec.spotAllowed ?? false,
      maxRetries: spec.maxRetries ?? 0,
      profile: profile?.name,
      requestedPool: raw.pool,
      submittedBy: caller.userId,
      run,
      alsoInTransaction:
        lineage &&
        ((tx, jobId, runId) =>
          lineage.record(jobLineage(jobId, runId!, inputDatasetIds, spec), tx)),
    });
    await this.options.queues.requestAdmission().catch(() => {}); // the tick catches up otherwise
    return this.redacted(job, true);
  }

  /**
   * Why jobs of `owner` may not run on `target` with these secrets, as the error to
   * throw (403, or 400 for a reference the target cannot read); none when they may.
   */
  private refusal(
    owner: string,
    target: string,
    secretEnv: Array<{ name: string; secretRef: string }>,
  ): Error | undefined {
    const { local, secretScopes } = this.options.config;
    if (target === 'local') {
      if (!local.allowedGroups.includes(owner)) {
        return new NotAllowedError(
          `Invalid job spec: pool: the local compute target runs jobs only for the groups in ml.training.local.allowedGroups (${
            local.allowedGroups.join(', ') || 'none'
          }), and ${owner} is not one of them`,
        );
      }
      for (const [index, { secretRef }] of secretEnv.entries()) {
        if (!secretRef.startsWith('env:')) {
          return new InputError(
            `Invalid job spec: secretEnv[${index}].secretRef: the local target reads secrets only as env:VARIABLE, got '${secretRef}'`,
          );
        }
        if (!local.envAllowlist.includes(secretRef.slice(4))) {
          return new NotAllowedError(
            `Invalid job spec: secretEnv[${index}].secretRef: the local target hands jobs only the variables ml.training.local.envAllowlist lists, not ${secretRef.slice(
              4,
            )}`,
          );
        }
      }
    }
    const outside = firstSecretOutOfScope(
      secretScopes,
      owner,
      [target],
      secretEnv,
    );
    if (outside) {
      return new NotAllowedError(
        `Invalid job spec: secretEnv[${outside.index}].secretRef: '${outside.secretRef}' is not a secret ${owner} may use on the ${outside.target} target (ml.training.secretScopes)`,
      );
    }
    return undefined;
  }

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
    for (const job of await store.listJobs({
      statuses: ['PENDING'],
      limit: 10000,
    })) {
      const pools = job.spec.pool
        ? [job.spec.pool]
        : this.profiles.get(job.profile ?? '')?.pools ?? [];
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

  listProfiles(): TrainingProfile[] {
    return this.options.config.profiles;
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
      await this.targetOf(attempt.target).cancel(attempt.externalName);
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
    const target = attempt && this.targetOf(attempt.target);
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

  /** One admission cycle under the admission lock; dispatches and preemptions after commit. */
  async runAdmissionCycle(): Promise<void> {
    const { store, config } = this.options;
    const admitted: string[] = [];
    const victims: Array<{ jobId: string; message: string }> = [];
    const holds = (await this.options.budgetHolds?.()) ?? new Map();
    await store.withAdmissionLock(async tx => {
      const pending = await store.pendingJobs(
        tx,
        profile => this.profiles.get(profile)?.pools ?? [],
      );
      if (pending.length === 0) return;
      const previous = new Map(
        pending.map(job => [job.jobId, job.statusMessage]),
      );
      const decisions = decideAdmissions({
        pending,
        holdings: await store.holdings(tx),
        pools: config.pools,
        quotas: config.quotas,
        teamWeights: config.teamWeights,
        budgetHold: team => holds.get(team),
      });
      const waiting: Parameters<DatabaseTrainingStore['markPending']>[1] = [];
      for (const decision of decisions) {
        if (decision.kind === 'admit') {
          await store.markAdmitted(tx, decision.jobId, decision.pool);
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
      await store.markPending(tx, waiting);
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

  async dispatch(jobId: string): Promise<void> {
    const { store } = this.options;
    const job = await store.getJob(jobId);
    if (!job || !['ADMITTED', 'DISPATCHING'].includes(job.status) || !job.pool)
      return;
    const pool = this.pools.get(job.pool)!;
    const target = this.targetOf(pool.target);
    // Checked again: what was allowed at submit may not be any more.
    const refusal = this.refusal(
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
    const transition = {
      jobId,
      from: ['ADMITTED', 'DISPATCHING'] as JobStatus[],
      to: 'FAILED' as const,
      type,
      message,
    };
    const attempt = await store.activeAttemptOf(jobId);
    if (!attempt) {
      await store.jobTransition(
        jobId,
        transition.from,
        transition.to,
        type,
        message,
      );
    } else if (
      // One the tick found running meanwhile is followed, not failed.
      (await store.updateAttempt(
        attempt.attemptId,
        ['DISPATCHING'],
        { state: 'FAILED', endedAt: Date.now(), exitReason },
        transition,
      )) !== 'attempt-moved'
    ) {
      await this.targetOf(attempt.target)
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
      );
    }
    for (const jobId of await store.jobIdsWithStatus(['DISPATCHING'])) {
      await this.options.queues.ensureDispatchQueued(
        jobId,
        await store.attemptCount(jobId),
      );
    }
    await this.runAdmissionCycle();
  }

  private async follow(attempt: ActiveAttempt) {
    const status = await this.targetOf(attempt.target).status(
      attempt.externalName,
    );
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
            attempt.jobId,
            ['DISPATCHING'],
            'RUNNING',
            'dispatched',
            `Found running on ${attempt.target} as ${attempt.externalName}`,
            {},
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
    await this.targetOf(attempt.target).cancel(attempt.externalName);
  }

  /** The spec's datasets as ids (a name means its newest); InputError for unknown ones. */
  private async resolveInputDatasets(spec: JobSpec): Promise<string[]> {
    const refs = spec.inputs?.datasets ?? [];
    if (refs.length === 0 || !this.options.lineage) return [];
    const ids = await this.options.lineage.resolveDatasetRefs(refs);
    const unknown = refs.filter(ref => !ids.has(ref));
    if (unknown.length > 0) {
      throw new InputError(
        `Invalid job spec: inputs.datasets: no dataset with id or name ${unknown
          .map(ref => `'${ref}'`)
          .join(', ')}`,
      );
    }
    return refs.map(ref => ids.get(ref)!);
  }

  /**
   * The run a job reports to, for the store to create with the job: in the spec's
   * experiment (an id, or a name, created for the job's owner when new; by default the
   * owner's `jobs/<team>`), which the caller must be allowed to log to, as MLflow's
   * CreateRun requires.
   */
  private async runOf(caller: Caller, spec: JobSpec): Promise<JobRun> {
    const { tracking, access } = this.options;
    // Without one, the owner team's own `jobs/<team>` experiment: MLflow's Default
    // experiment belongs to the platform, and other teams may not log to it.
    const named =
      spec.experiment ||
      `jobs/${caller.owner.replace(/^group:(default\/)?/, '')}`;
    const experimentId = /^\d+$/.test(named)
      ? named
      : await tracking
          .getExperimentByName(caller, named)
          .then(e => e.experimentId)
          .catch(async error => {
            if (error.name !== 'NotFoundError') throw error;
            return tracking
              .createExperiment(caller, { name: named })
              .catch(async (createError: Error) => {
                // Another submission created it meanwhile.
                if (createError.name !== 'ConflictError') throw createError;
                return (await tracking.getExperimentByName(caller, named))
                  .experimentId;
              });
          });
    const experiment = await tracking.getExperiment(caller, experimentId);
    if (experiment.lifecycleStage !== 'active') {
      throw new InputError(
        `Invalid job spec: experiment: experiment ${experimentId} must be in the 'active' state. Current state is ${experiment.lifecycleStage}.`,
      );
    }
    await access.authorize(caller, mlExperimentUpdatePermission, {
      owner: experiment.owner,
      describe: `experiment ${experimentId}`,
    });
    return {
      experimentId,
      runName: spec.name,
      userId: caller.userId,
      artifactLocation: experiment.artifactLocation,
      tags: [
        { key: 'ml.platform/source', value: 'training-job' },
        { key: 'mlflow.runName', value: spec.name },
      ],
    };
  }

  private targetOf(id: string): ComputeTarget {
    const target = this.options.targets.get(id);
    if (!target) throw new Error(`Compute target '${id}' is not enabled`);
    return target;
  }
}

/** The job produced its run; the spec's inputs went into both. */
function jobLineage(
  jobId: string,
  runId: string,
  datasetIds: string[],
  spec: JobSpec,
): LineageFact[] {
  const job = { kind: 'job', id: jobId } as const;
  const run = { kind: 'run', id: runId } as const;
  const featureViews = spec.inputs?.featureViews ?? [];
  return [
    { from: job, to: run, relation: 'produced' },
    ...[job, run].flatMap(target => [
      ...datasetIds.map(
        (id): LineageFact => ({
          from: { kind: 'dataset', id },
          to: target,
          relation: 'input_to',
        }),
      ),
      ...featureViewInputs(featureViews, target),
    ]),
  ];
}
