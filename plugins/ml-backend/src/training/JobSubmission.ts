import { InputError, NotAllowedError } from '@backstage/errors';
import {
  Experiment,
  JobSpec,
  mlExperimentUpdatePermission,
  mlJobCreatePermission,
  TrainingJob,
} from '@ml-portal/plugin-ml-common';
import { AccessControl } from '../shared/AccessControl';
import { Caller } from '../shared/caller';
import { DatasetLineageRecorder, LineageFact } from '../shared/lineage';
import { featureViewInputs } from '../shared/runTags';
import { ConfiguredPool } from '../shared/pools';
import { profilePools, SecretScope, TrainingConfig } from './config';
import { spotChoice } from './profileDefinition';
import { TrainingProfileStore } from './TrainingProfileStore';
import { parseJobSpec, RESERVED_ENV } from './jobSpec';
import { ComputeTargets, refusalToRun } from './targets';
import { TrainingQueues } from './TrainingQueues';
import { JobRun, TrainingStore } from './TrainingStore';

const usd = (amount: number) => `$${amount.toFixed(2)}`;

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

/**
 * Submitting a training job: the spec checked against the profiles, pools, enabled
 * targets and the owner's secrets, its experiment and run, and the job written with its
 * run and lineage in one transaction; the admission cycle takes it from there.
 *
 * @internal
 */
export class JobSubmission {
  constructor(
    private readonly options: {
      store: TrainingStore;
      config: TrainingConfig;
      targets: ComputeTargets;
      queues: Pick<TrainingQueues, 'requestAdmission'>;
      /** Finds or creates a job's experiment (the tracking domain). */
      tracking: JobExperiments;
      /** Permission checks (ml.job.create, ml.experiment.update). */
      access: AccessControl;
      /** Resolves the datasets a job reads; tools without lineage leave it out. */
      lineage?: Pick<DatasetLineageRecorder, 'resolveDatasetRefs'>;
      /** The profiles jobs are submitted on, each at its current version. */
      profiles: Pick<TrainingProfileStore, 'getCurrent' | 'listCurrent'>;
      /** Teams' secret scopes now (API-set over config's); config's without it. */
      secretScopes?: () => Promise<SecretScope[]>;
      /**
       * A pool's current price per GPU-hour in micro-dollars (the cost domain's price
       * book), for profiles' cost ceilings; unpriced pools cost nothing.
       */
      gpuHourMicros?: (
        pool: ConfiguredPool,
        spot: boolean,
      ) => number | undefined;
    },
  ) {}

  /**
   * Submits a job for one of the caller's groups (`owner` in the spec, else the caller's
   * default owner), with its MLflow run. Needs `ml.job.create`; refuses (403) an owner
   * that is not one of the caller's groups, a local pool for a group the local target
   * does not serve, and secrets outside the owner's scope on any target the job could
   * run on.
   */
  async submit(caller: Caller, input: unknown): Promise<TrainingJob> {
    const raw = parseJobSpec(input);
    const { config, access } = this.options;
    await access.authorize(caller, mlJobCreatePermission);
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
    const known = (items: Array<{ name: string }>) =>
      items.map(item => item.name).join(', ') || 'none';
    const profile = raw.profile
      ? await this.options.profiles.getCurrent(raw.profile)
      : undefined;
    if (raw.profile && !profile) {
      throw new InputError(
        `Invalid job spec: profile: unknown training profile '${
          raw.profile
        }' (known: ${known(await this.options.profiles.listCurrent())})`,
      );
    }
    const pool = (name: string) => config.pools.find(p => p.name === name);
    if (raw.pool && !pool(raw.pool)) {
      throw new InputError(
        `Invalid job spec: pool: unknown GPU pool '${raw.pool}' (known: ${known(
          config.pools,
        )})`,
      );
    }
    if (!raw.pool && !profile) {
      throw new InputError(
        'Invalid job spec: profile: name a training profile or a pool',
      );
    }
    const versionName =
      profile && `profile '${profile.name}' v${profile.version}`;
    const allowedPools = profile
      ? profilePools(config, profile.name, profile)
      : [];
    if (profile && raw.pool && !allowedPools.includes(raw.pool)) {
      throw new InputError(
        `Invalid job spec: pool: ${versionName} allows pools ${
          allowedPools.join(', ') || 'none'
        }, not '${raw.pool}'`,
      );
    }
    const candidatePools = (raw.pool ? [raw.pool] : allowedPools).map(
      name => pool(name)!,
    );
    const gpus = raw.resources?.gpus ?? profile?.defaults.gpus ?? 1;
    if (profile && gpus > profile.limits.maxGpus) {
      throw new InputError(
        `Invalid job spec: resources.gpus: profile '${profile.name}' allows at most ${profile.limits.maxGpus} GPUs, the job asks for ${gpus}`,
      );
    }
    const spot = profile
      ? spotChoice(
          profile.spotPolicy,
          raw.spotAllowed,
          profile.defaults.spotAllowed,
        )
      : { spotAllowed: raw.spotAllowed ?? false };
    if ('problem' in spot) {
      throw new InputError(`Invalid job spec: ${spot.problem}`);
    }
    const maxRuntimeSeconds =
      raw.maxRuntimeSeconds ?? profile?.defaults.maxRuntimeSeconds;
    if (profile?.limits.maxCostPerJobUsd !== undefined) {
      this.checkCostCeiling({
        versionName: versionName!,
        ceilingUsd: profile.limits.maxCostPerJobUsd,
        maxRuntimeSeconds,
        gpus,
        spotAllowed: spot.spotAllowed,
        pools: candidatePools,
      });
    }
    const largest = Math.max(...candidatePools.map(p => p.capacityGpus));
    if (gpus > largest) {
      throw new InputError(
        `Invalid job spec: resources.gpus: the job asks for ${gpus} GPUs; the largest of its pools (${candidatePools
          .map(p => p.name)
          .join(', ')}) has ${largest}`,
      );
    }
    for (const candidate of candidatePools) {
      if (!this.options.targets.has(candidate.target)) {
        throw new InputError(
          `Invalid job spec: pool: pool '${candidate.name}' runs on compute target '${candidate.target}', which is not enabled`,
        );
      }
    }
    for (const name of Object.keys(raw.env ?? {})) {
      if (RESERVED_ENV.test(name))
        throw new InputError(
          `Invalid job spec: env.${name}: set by the platform`,
        );
    }
    const targets = [...new Set(candidatePools.map(p => p.target))];
    const policy = {
      local: config.local,
      secretScopes:
        (await this.options.secretScopes?.()) ?? config.secretScopes,
    };
    for (const target of targets) {
      const refusal = refusalToRun(policy, owner, target, raw.secretEnv ?? []);
      if (refusal) throw refusal;
    }
    const spec: JobSpec = {
      ...raw,
      owner,
      image: raw.image ?? profile?.defaults.image,
      resources: { ...raw.resources, gpus },
      spotAllowed: spot.spotAllowed,
      maxRuntimeSeconds,
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
    const job = await this.options.store.insertJob({
      owner,
      spec,
      gpus,
      priority: spec.priority ?? 0,
      spotAllowed: spec.spotAllowed ?? false,
      maxRetries: spec.maxRetries ?? 0,
      profile: profile?.name,
      profileVersion: profile?.version,
      requestedPool: raw.pool,
      submittedBy: caller.userId,
      run,
      lineage: (jobId, runId) =>
        jobLineage(jobId, runId!, inputDatasetIds, spec),
    });
    await this.options.queues.requestAdmission().catch(() => {}); // the tick catches up otherwise
    return job;
  }

  /**
   * Refuses a job that could cost more than its profile allows: its longest run
   * (`maxRuntimeSeconds`) on its GPUs at the dearest GPU-hour among the pools it may be
   * admitted to (spot prices where it would run on spot). A job without a runtime limit
   * is unbounded, so it is refused under a cost ceiling.
   */
  private checkCostCeiling(job: {
    versionName: string;
    ceilingUsd: number;
    maxRuntimeSeconds?: number;
    gpus: number;
    spotAllowed: boolean;
    pools: ConfiguredPool[];
  }) {
    const ceiling = `${job.versionName} caps a job's cost at ${usd(
      job.ceilingUsd,
    )}`;
    if (job.maxRuntimeSeconds === undefined) {
      throw new InputError(
        `Invalid job spec: maxRuntimeSeconds: ${ceiling}; set a runtime limit so the cost is bounded`,
      );
    }
    const { gpuHourMicros } = this.options;
    let dearest: { pool: ConfiguredPool; micros: number } | undefined;
    for (const pool of job.pools) {
      const micros = gpuHourMicros?.(pool, pool.spot && job.spotAllowed) ?? 0;
      if (!dearest || micros > dearest.micros) dearest = { pool, micros };
    }
    if (!dearest) return;
    const costUsd =
      (dearest.micros / 1e6) * job.gpus * (job.maxRuntimeSeconds / 3600);
    if (costUsd > job.ceilingUsd) {
      throw new InputError(
        `Invalid job spec: maxRuntimeSeconds: ${ceiling}; ${
          job.maxRuntimeSeconds
        } s on ${job.gpus} GPUs in ${dearest.pool.name} at ${usd(
          dearest.micros / 1e6,
        )}/GPU-hour may cost ${usd(costUsd)}`,
      );
    }
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
