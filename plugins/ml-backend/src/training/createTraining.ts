import { Caller } from '../shared/caller';
import { resubmitTraining } from './retraining';
import { DiscoveryService } from '@backstage/backend-plugin-api';
import {
  ML_JOB_RESOURCE_TYPE,
  ML_TRAINING_PROFILE_RESOURCE_TYPE,
} from '@ml-portal/plugin-ml-common';
import { RedisConnection } from '../redis/RedisConnection';
import { DomainDeps } from '../shared/domainDeps';
import { DatasetLineageRecorder } from '../shared/lineage';
import { AdmissionCycle } from './AdmissionCycle';
import { AttemptFollower } from './AttemptFollower';
import { readTrainingConfig } from './config';
import { ConfiguredPool } from '../shared/pools';
import { DatabaseTrainingProfileStore } from './DatabaseTrainingProfileStore';
import { DatabaseTrainingStore } from './DatabaseTrainingStore';
import { JobExperiments, JobSubmission } from './JobSubmission';
import { describeJobs } from './lineageNodes';
import { createTrainingRouter } from './router';
import { TeamSettings } from './TeamSettings';
import { DatabaseTeamSettingsStore } from './TeamSettingsStore';
import { ComputeTargets } from './targets';
import { TrainingHandlers, TrainingQueues } from './TrainingQueues';
import { TrainingProfiles } from './TrainingProfiles';
import { TrainingService } from './TrainingService';

/** What training needs of the cost domain: budget holds and metering. @internal */
export interface TrainingCosts {
  /** Teams whose new jobs are held, with the reason. */
  budgetHolds(): Promise<Map<string, string>>;
  /** Records the usage of ended attempts; run on every tick. */
  meter(): Promise<unknown>;
  /** A pool's GPU-hour price now, in micro-dollars (profiles' cost ceilings). */
  gpuHourMicros?(pool: ConfiguredPool, spot: boolean): number | undefined;
}

/**
 * What the queue workers call: admission cycles, dispatches and the tick.
 *
 * @internal
 */
export function trainingWorkers(
  admission: AdmissionCycle,
  follower: AttemptFollower,
): TrainingHandlers {
  return {
    admission: () => admission.run(),
    dispatch: jobId => follower.dispatch(jobId),
    dispatchFailed: (jobId, error) => follower.dispatchFailed(jobId, error),
    tick: () => follower.tick(),
  };
}

/**
 * The training domain: its store, queues and services, the queue workers that call
 * them (unless `ml.training.workers` is false), its router and what it offers the
 * plugin: its lineage nodes and its permission resource. `close` stops the workers and
 * the queues; the plugin closes Redis after it.
 *
 * @internal
 */
export async function createTraining(
  deps: DomainDeps & {
    discovery: DiscoveryService;
    redis: RedisConnection;
    /** The enabled compute targets (the extension point's). */
    targets: ComputeTargets;
    tracking: JobExperiments;
    lineage: DatasetLineageRecorder;
    costs: TrainingCosts;
  },
) {
  const { config, logger, access, targets } = deps;
  const trainingConfig = readTrainingConfig(config);
  const store = DatabaseTrainingStore.create({
    knex: deps.knex,
    lineage: deps.lineage,
  });
  const profileStore = DatabaseTrainingProfileStore.create({ knex: deps.knex });
  const profiles = new TrainingProfiles({
    store: profileStore,
    pools: trainingConfig.pools,
    access,
  });
  for (const synced of await profiles.syncConfig(trainingConfig.profiles)) {
    if (synced.changed) {
      logger.info(
        `Training profile '${synced.name}' is at version ${synced.version} from config`,
      );
    }
  }
  // Quotas and secret scopes the platform team set through the API replace a team's
  // config entries; config's stand for the others.
  const teamSettings = new TeamSettings({
    store: DatabaseTeamSettingsStore.create({ knex: deps.knex }),
    defaults: {
      quotas: trainingConfig.quotas,
      secretScopes: trainingConfig.secretScopes,
    },
    pools: trainingConfig.pools,
    access,
  });
  const secretScopes = () => teamSettings.secretScopes();
  const queues = new TrainingQueues({
    redis: deps.redis,
    logger,
    prefix: config.getOptionalString('ml.training.queuePrefix'),
  });
  const admission = new AdmissionCycle({
    store,
    config: trainingConfig,
    targets,
    queues,
    budgetHolds: () => deps.costs.budgetHolds(),
    quotas: () => teamSettings.quotas(),
  });
  const follower = new AttemptFollower({
    store,
    config: trainingConfig,
    targets,
    queues,
    admission,
    secretScopes,
    trackingUri: `${await deps.discovery.getExternalBaseUrl('ml')}/mlflow`,
    logger,
    meter: () => deps.costs.meter(),
  });
  if (config.getOptionalBoolean('ml.training.workers') ?? true) {
    await queues.startWorkers(
      trainingWorkers(admission, follower),
      trainingConfig.pollIntervalMs,
    );
  }
  const training = new TrainingService({
    store,
    config: trainingConfig,
    targets,
    queues,
    access,
    profiles: profileStore,
  });
  const submission = new JobSubmission({
    store,
    config: trainingConfig,
    targets,
    queues,
    tracking: deps.tracking,
    access,
    lineage: deps.lineage,
    profiles: profileStore,
    secretScopes,
    gpuHourMicros: deps.costs.gpuHourMicros?.bind(deps.costs),
  });
  return {
    /** Batch scoring submits its jobs here, with the same checks as the API. */
    submission,
    /** Drift's retraining: a run's job again, on another profile. */
    retrain: (caller: Caller, input: Parameters<typeof resubmitTraining>[2]) =>
      resubmitTraining({ store, submission }, caller, input),
    /** Profiles at their current versions (the catalog publishes them). */
    profiles,
    router: createTrainingRouter({
      training,
      submission,
      profiles,
      teamSettings,
      resolveCaller: deps.resolveCaller,
    }),
    /** The job that produced a run, if one did (the readiness scorecard's spot check). */
    jobOfRun: (runId: string) => store.jobOfRun(runId),
    lineageNodes: { job: describeJobs(store) },
    resources: {
      [ML_JOB_RESOURCE_TYPE]: (jobId: string) => store.getJob(jobId),
      [ML_TRAINING_PROFILE_RESOURCE_TYPE]: (name: string) =>
        profileStore.getCurrent(name),
    },
    close: () => queues.close(),
  };
}
