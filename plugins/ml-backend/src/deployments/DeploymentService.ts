import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import {
  Canary,
  CanaryPolicy,
  CreateEndpointRequest,
  DeployRequest,
  Endpoint,
  EndpointDeployment,
  EndpointDetails,
  mlEndpointCreatePermission,
  mlEndpointDeletePermission,
  mlEndpointReadPermission,
  mlEndpointUpdatePermission,
  ModelPipeline,
  PipelineEndpoint,
  BatchRunRequest,
} from '@ml-portal/plugin-ml-common';
import { ConfiguredPool } from '../shared/pools';
import { AccessControl } from '../shared/AccessControl';
import { Caller, actorOf } from '../shared/caller';
import { checkCanaryPolicy, DeploymentsConfig } from './config';
import {
  DeploymentStore,
  StoredCanary,
  StoredDeployment,
  StoredEndpoint,
} from './DeploymentStore';
import { windowStats } from './canaryVerdict';
import { LineageRecorder } from '../shared/lineage';
import { modelCachePath } from './modelFiles';
import {
  BatchDatasets,
  BatchJobs,
  DeployableModels,
  ModelFiles,
} from './ports';
import { ServingTargets } from './targets';

/** Minutes of router counts on list rows. */
const STATS_MINUTES = 5;
const HISTORY_LIMIT = 20;
const EVENTS_LIMIT = 100;
/** A replacement rollout is a canary with all the weight, done once it is ready. */
export const REPLACEMENT_PERCENT = 100;

/** Public shapes: versions are strings on the API. */
function publicDeployment(d: StoredDeployment): EndpointDeployment {
  const { endpointId: _e, versionId: _v, version, ...rest } = d;
  return { ...rest, version: String(version) };
}

function publicCanary(c: StoredCanary): Canary {
  const {
    endpointId: _e,
    deploymentId: _d,
    stableDeploymentId: _s,
    version,
    stableVersion,
    ...rest
  } = c;
  return {
    ...rest,
    version: String(version),
    stableVersion: String(stableVersion),
  };
}

function parseVersion(version: string): number {
  if (!/^[1-9][0-9]{0,8}$/.test(version)) {
    throw new InputError(`'${version}' is not a model version number`);
  }
  return Number(version);
}

/**
 * Endpoints and their deployments: creating, deploying as a canary or in place,
 * traffic, promotion, abort, rollback, deletion; reads for the pages. Every change is
 * written first, then handed to the reconciler (`onChange`), which makes the serving
 * target match the rows; the analysis decides running canaries.
 *
 * @internal
 */
export class DeploymentService {
  constructor(
    private readonly options: {
      store: DeploymentStore;
      models: DeployableModels;
      targets: ServingTargets;
      access: AccessControl;
      config: DeploymentsConfig;
      pools: ConfiguredPool[];
      /** Batch scoring: its jobs, its datasets, the model's files and their lineage. */
      batch?: {
        jobs: BatchJobs;
        datasets: BatchDatasets;
        modelFiles: ModelFiles;
        lineage: LineageRecorder;
      };
      /** Asks the reconciler to apply an endpoint's rows to its target now. */
      onChange: (endpointId: string) => void;
    },
  ) {}

  // ---- reads ----------------------------------------------------------------

  async list(
    caller: Caller,
    query: { owner?: string; model?: string },
  ): Promise<Endpoint[]> {
    const { store, access } = this.options;
    const endpoints = await access.filter(
      caller,
      mlEndpointReadPermission,
      await store.listEndpoints({ owner: query.owner, modelName: query.model }),
      e => e.owner,
    );
    return this.withLiveState(endpoints);
  }

  async get(caller: Caller, name: string): Promise<EndpointDetails> {
    const endpoint = await this.readableEndpoint(caller, name);
    return this.details(caller, endpoint);
  }

  async pipeline(caller: Caller, modelName: string): Promise<ModelPipeline> {
    const { models, config, store, access } = this.options;
    const { owner, aliases, pending } = await models.pipelineOf(
      caller,
      modelName,
    );
    const endpoints = await this.withLiveState(
      await access.filter(
        caller,
        mlEndpointReadPermission,
        await store.listEndpoints({ modelName }),
        e => e.owner,
      ),
    );
    const summary = (e: Endpoint): PipelineEndpoint => ({
      name: e.name,
      kind: e.kind,
      target: e.target,
      status: e.status,
      deployments: e.deployments,
      canary: e.canary,
    });
    return {
      modelName,
      owner,
      stages: config.stages.map(alias => ({
        name: alias,
        version: aliases[alias],
        endpoints: endpoints.filter(e => e.followsAlias === alias).map(summary),
        pendingPromotions: pending.filter(p => p.alias === alias),
      })),
      otherEndpoints: endpoints
        .filter(e => !e.followsAlias || !config.stages.includes(e.followsAlias))
        .map(summary),
    };
  }

  // ---- changes --------------------------------------------------------------

  async create(
    caller: Caller,
    input: CreateEndpointRequest,
  ): Promise<EndpointDetails> {
    const { access, store, models, targets } = this.options;
    await access.authorize(caller, mlEndpointCreatePermission);
    access.assertMember(caller, 'create endpoints', input.owner);
    if ((input.alias === undefined) === (input.version === undefined)) {
      throw new InputError(
        'An endpoint serves either the version an alias points to (alias) or a pinned version (version): give exactly one',
      );
    }
    if (input.kind !== 'batch') targets.enabled(input.target);
    if (
      input.kind === 'batch' &&
      !input.pool &&
      !this.options.config.batch.profile
    ) {
      throw new InputError(
        'A batch endpoint scores as training jobs: name the pool they run in (or set ml.deployments.batch.profile)',
      );
    }
    const placement = this.placement(input);
    const version = await models.resolve(caller, input.modelName, {
      version: input.version,
      alias: input.alias,
    });
    const canaryPolicy = this.policy(input.canary, 'canary');
    const endpoint = await store.createEndpoint(
      {
        name: input.name,
        owner: input.owner,
        kind: input.kind,
        target: input.target,
        modelName: version.modelName,
        followsAlias: input.alias,
        ...placement,
        canaryPolicy,
        status: input.kind === 'batch' ? 'READY' : 'CREATING',
        description: input.description,
        createdBy: actorOf(caller),
      },
      { version: version.version, versionId: version.versionId },
      {
        actor: actorOf(caller),
        kind: 'endpoint.created',
        version: version.version,
        detail: `created ${input.kind} endpoint on ${input.target} serving ${
          input.alias
            ? `'${input.alias}' (version ${version.version})`
            : `version ${version.version}`
        }`,
      },
    );
    this.options.onChange(endpoint.id);
    return this.details(caller, endpoint);
  }

  async deploy(
    caller: Caller,
    name: string,
    input: DeployRequest,
  ): Promise<EndpointDetails> {
    const endpoint = await this.updatableEndpoint(caller, name);
    const { models, store } = this.options;
    if (!input.version && !endpoint.followsAlias) {
      throw new InputError(
        `Endpoint '${name}' is pinned to a version; say which version to deploy`,
      );
    }
    const version = await models.resolve(caller, endpoint.modelName, {
      version: input.version,
      alias: input.version ? undefined : endpoint.followsAlias,
    });
    const alias = endpoint.followsAlias;
    if (alias && models.isProtected(alias) && input.version) {
      const current = await models.resolveAsPlatform(endpoint.modelName, {
        alias,
      });
      if (current?.version !== version.version) {
        throw new InputError(
          `Endpoint '${name}' follows the protected alias '${alias}': request a promotion of version ${version.version} to '${alias}'; once approved it goes out here as a canary`,
        );
      }
    }
    const live = await store.liveDeployments([endpoint.id]);
    const stable = live.find(d => d.role === 'stable');
    if ((input.strategy ?? 'canary') === 'canary') {
      await this.startCanary(caller, endpoint, version, {
        stable,
        policy: this.policy(
          { ...endpoint.canaryPolicy, ...input.canary },
          'canary',
        ),
      });
    } else {
      if (
        endpoint.kind !== 'batch' &&
        stable?.version === version.version &&
        live.length === 1
      ) {
        throw new InputError(
          `Endpoint '${name}' already serves version ${version.version}`,
        );
      }
      await this.replace(actorOf(caller), endpoint, version);
    }
    return this.details(caller, (await store.getEndpointById(endpoint.id))!);
  }

  async setTraffic(
    caller: Caller,
    name: string,
    weights: Array<{ version: string; weight: number }>,
  ): Promise<EndpointDetails> {
    const endpoint = await this.updatableEndpoint(caller, name);
    const { store } = this.options;
    const total = weights.reduce((n, w) => n + w.weight, 0);
    if (total !== 100) {
      throw new InputError(
        `The traffic weights add to ${total}; they must add to 100`,
      );
    }
    const live = await store.liveDeployments([endpoint.id]);
    const byVersion = new Map(live.map(d => [d.version, d]));
    if (weights.length > 1 && !live.some(d => d.role === 'canary')) {
      throw new InputError(
        `Endpoint '${name}' runs no canary; there is only its stable version to send traffic to`,
      );
    }
    const next = new Map<string, number>();
    for (const w of weights) {
      const deployment = byVersion.get(parseVersion(w.version));
      if (!deployment) {
        throw new InputError(
          `Version ${w.version} is not deployed on endpoint '${name}' (live: ${[
            ...byVersion.keys(),
          ].join(', ')})`,
        );
      }
      next.set(deployment.id, w.weight);
    }
    if (next.size !== live.length) {
      throw new InputError(
        `Give a weight for each live version of endpoint '${name}': ${[
          ...byVersion.keys(),
        ].join(', ')}`,
      );
    }
    await store.setWeights(endpoint.id, next, {
      actor: actorOf(caller),
      kind: 'traffic.set',
      detail: `set traffic ${weights
        .map(w => `v${w.version} ${w.weight}%`)
        .join(', ')}`,
    });
    this.options.onChange(endpoint.id);
    return this.details(caller, endpoint);
  }

  /** Manual promotion: ends the running canary as passed. */
  async promote(caller: Caller, name: string): Promise<EndpointDetails> {
    const endpoint = await this.updatableEndpoint(caller, name);
    const canary = await this.runningCanary(endpoint);
    await this.endCanary(canary, 'PROMOTED', {
      by: actorOf(caller),
      detail: `promoted version ${canary.version} by hand`,
    });
    return this.details(caller, endpoint);
  }

  async abort(caller: Caller, name: string): Promise<EndpointDetails> {
    const endpoint = await this.updatableEndpoint(caller, name);
    const canary = await this.runningCanary(endpoint);
    await this.endCanary(canary, 'ABORTED', {
      by: actorOf(caller),
      detail: `aborted the canary of version ${canary.version}; traffic back to version ${canary.stableVersion}`,
    });
    return this.details(caller, endpoint);
  }

  /** Serves the version the endpoint served before its current stable one, at once. */
  async rollback(caller: Caller, name: string): Promise<EndpointDetails> {
    const endpoint = await this.updatableEndpoint(caller, name);
    const { store, models } = this.options;
    const stable = (await store.liveDeployments([endpoint.id])).find(
      d => d.role === 'stable',
    );
    const previous = await this.rollbackTarget(endpoint.id);
    if (!previous) {
      throw new InputError(
        `Endpoint '${name}' has served no other version to roll back to`,
      );
    }
    const version = await models.resolve(caller, endpoint.modelName, {
      version: String(previous),
    });
    await this.replace(actorOf(caller), endpoint, version, {
      kind: 'rollback',
      detail: `rolled back from version ${stable?.version ?? '-'} to version ${
        version.version
      }`,
    });
    return this.details(caller, endpoint);
  }

  async delete(caller: Caller, name: string): Promise<void> {
    const { store, access, targets } = this.options;
    const endpoint = await this.found(name);
    await access.authorize(
      caller,
      mlEndpointDeletePermission,
      describe(endpoint),
    );
    if (endpoint.kind !== 'batch' && targets.has(endpoint.target)) {
      await targets.enabled(endpoint.target).remove(endpoint.name);
    }
    await store.deleteEndpoint(endpoint.id, {
      actor: actorOf(caller),
      kind: 'endpoint.deleted',
      detail: `deleted endpoint '${endpoint.name}'`,
    });
  }

  /**
   * Scores a registered dataset with the endpoint's version (or the one named) as a
   * training job, and registers the scores as a dataset the job produced: the input is
   * upstream of the job in lineage, the output downstream. `{modelDir}` in the command
   * is the model's files on this host, for pools whose jobs run here.
   */
  async startBatchRun(
    caller: Caller,
    name: string,
    input: BatchRunRequest,
  ): Promise<{ jobId: string }> {
    const endpoint = await this.updatableEndpoint(caller, name);
    const { batch, config, models, store } = this.options;
    if (endpoint.kind !== 'batch') {
      throw new InputError(
        `Endpoint '${name}' is a ${endpoint.kind} endpoint; batch runs need a batch endpoint`,
      );
    }
    if (!batch) {
      throw new InputError('Batch scoring needs the training backend');
    }
    const stable = (await store.liveDeployments([endpoint.id])).find(
      d => d.role === 'stable',
    );
    const version = await models.resolve(caller, endpoint.modelName, {
      version: input.version ?? (stable ? String(stable.version) : undefined),
      alias: input.version || stable ? undefined : endpoint.followsAlias,
    });
    const inputId = (
      await batch.datasets.resolveDatasetRefs([input.input])
    ).get(input.input);
    if (!inputId) {
      throw new NotFoundError(`No dataset with id or name '${input.input}'`);
    }
    const dataset = await batch.datasets.getDataset(caller, inputId);
    const template = config.batch.command;
    const values: Record<string, string> = {
      modelUri: version.artifactUri,
      input: dataset.source,
      output: input.output,
      ...(template.some(part => part.includes('{modelDir}')) && {
        modelDir: await batch.modelFiles.materialize(
          version.artifactUri,
          modelCachePath(config.modelCacheDirectory, version),
        ),
      }),
    };
    const job = await batch.jobs.submit(caller, {
      name: `batch-${endpoint.name}-v${version.version}`,
      owner: endpoint.owner,
      ...(config.batch.profile && { profile: config.batch.profile }),
      ...(endpoint.pool && { pool: endpoint.pool }),
      command: template.map(part =>
        part.replace(
          /\{(modelDir|modelUri|input|output)\}/g,
          (_, key: string) => values[key],
        ),
      ),
      env: {
        ML_MODEL_NAME: endpoint.modelName,
        ML_MODEL_VERSION: String(version.version),
      },
      inputs: { datasets: [dataset.id] },
    });
    const output = await batch.datasets.registerDataset(caller, {
      name: `${endpoint.name}-scores`,
      source: input.output,
      digest: job.jobId,
      owner: endpoint.owner,
    });
    await batch.lineage.record([
      {
        from: { kind: 'job', id: job.jobId },
        to: { kind: 'dataset', id: output.id },
        relation: 'produced',
      },
    ]);
    await store.addEvent(endpoint.id, {
      actor: actorOf(caller),
      kind: 'batch.started',
      version: version.version,
      detail: `scoring dataset '${dataset.name}' into ${input.output} as job ${job.jobId}`,
    });
    return { jobId: job.jobId };
  }

  /**
   * Serves `version` instead of the stable one. While the stable version serves and no
   * canary runs, the new one starts beside it with all the weight (a rollout the
   * reconciler completes once it is ready; until then the old one keeps answering), so
   * a replacement never leaves the endpoint without a server; otherwise at once.
   */
  async replace(
    actor: string,
    endpoint: StoredEndpoint,
    version: { version: number; versionId: string },
    event: { kind: string; detail: string } = {
      kind: 'deployment.replacing',
      detail: `replacing the stable version with version ${version.version}`,
    },
  ): Promise<void> {
    const { store } = this.options;
    const live = await store.liveDeployments([endpoint.id]);
    const stable = live.find(d => d.role === 'stable');
    const serving =
      stable &&
      (stable.state === 'ready' || stable.state === 'scaled-to-zero') &&
      !live.some(d => d.role === 'canary');
    const next = { version: version.version, versionId: version.versionId };
    const timeline = { actor, version: version.version, ...event };
    if (serving && endpoint.kind !== 'batch') {
      await store.startCanary(
        endpoint.id,
        next,
        {
          percent: REPLACEMENT_PERCENT,
          policy: { ...endpoint.canaryPolicy, percent: REPLACEMENT_PERCENT },
          startedBy: actor,
        },
        timeline,
      );
    } else {
      await store.replaceStable(endpoint.id, next, timeline);
    }
    this.options.onChange(endpoint.id);
  }

  // ---- what the analysis and the promotion flow call ---------------------------

  /**
   * Starts a canary of `version` beside the endpoint's stable version. ConflictError
   * (400 on the API) when there is no stable version or a canary already runs.
   */
  async startCanary(
    caller: Caller | 'platform',
    endpoint: StoredEndpoint,
    version: { version: number; versionId: string },
    options: {
      stable?: StoredDeployment;
      policy?: CanaryPolicy;
      alias?: string;
      promotionRequestId?: string;
    } = {},
  ): Promise<StoredCanary> {
    const { store } = this.options;
    if (endpoint.kind === 'batch') {
      throw new InputError('A batch endpoint runs no canaries');
    }
    const stable =
      options.stable ??
      (await store.liveDeployments([endpoint.id])).find(
        d => d.role === 'stable',
      );
    if (!stable) {
      throw new InputError(
        `Endpoint '${endpoint.name}' has no stable version to run a canary beside; deploy with strategy 'replace' first`,
      );
    }
    if (stable.version === version.version) {
      throw new InputError(
        `Endpoint '${endpoint.name}' already serves version ${version.version}`,
      );
    }
    const policy = options.policy ?? endpoint.canaryPolicy;
    const actor = caller === 'platform' ? 'ml-platform' : actorOf(caller);
    try {
      const canary = await store.startCanary(
        endpoint.id,
        version,
        {
          percent: policy.percent,
          policy,
          startedBy: actor,
          alias: options.alias,
          promotionRequestId: options.promotionRequestId,
        },
        {
          actor,
          kind: 'canary.started',
          version: version.version,
          detail: `canary of version ${version.version} at ${
            policy.percent
          }% beside version ${stable.version} for ${
            policy.durationMinutes
          } minute${policy.durationMinutes === 1 ? '' : 's'}${
            options.alias ? `; '${options.alias}' moves when it passes` : ''
          }`,
        },
      );
      this.options.onChange(endpoint.id);
      return canary;
    } catch (error) {
      if (error instanceof ConflictError) throw new InputError(error.message);
      throw error;
    }
  }

  /**
   * Ends a canary: the rows change first (conditional on it still running), then the
   * alias of an approved promotion moves or stays, then the target follows.
   */
  async endCanary(
    canary: StoredCanary,
    outcome: 'PROMOTED' | 'ROLLED_BACK' | 'ABORTED',
    decision: {
      by: string;
      detail: string;
      verdict?: StoredCanary['verdict'];
      /** The timeline's kind, when not the outcome's (a finished replacement). */
      kind?: string;
    },
  ): Promise<StoredCanary> {
    const { store, models } = this.options;
    const ended = await store.endCanary(
      canary.id,
      outcome,
      { by: decision.by, verdict: decision.verdict },
      {
        actor: decision.by,
        kind:
          decision.kind ??
          {
            PROMOTED: 'canary.promoted',
            ROLLED_BACK: 'canary.rolled_back',
            ABORTED: 'canary.aborted',
          }[outcome],
        version: canary.version,
        detail: decision.detail,
      },
    );
    this.options.onChange(canary.endpointId);
    if (canary.promotionRequestId) {
      await models.completeCanaryPromotion(canary.promotionRequestId, {
        passed: outcome === 'PROMOTED',
        detail: decision.detail,
        actor: decision.by,
      });
    } else if (outcome === 'PROMOTED') {
      await this.followedAliasTo(canary, decision);
    }
    return ended;
  }

  // ---- helpers ----------------------------------------------------------------

  /**
   * An endpoint following an unprotected alias that promoted another version moves the
   * alias with it (else the endpoint would go back to where the alias points). When the
   * alias's gates refuse, the alias stays and the timeline says why.
   */
  private async followedAliasTo(
    canary: StoredCanary,
    decision: { by: string; detail: string },
  ) {
    const { store, models } = this.options;
    const endpoint = await store.getEndpointById(canary.endpointId);
    const alias = endpoint?.followsAlias;
    if (!endpoint || !alias || models.isProtected(alias)) return;
    const current = await models.resolveAsPlatform(endpoint.modelName, {
      alias,
    });
    if (current?.version === canary.version) return;
    try {
      await models.moveAliasAfterCanary({
        modelName: endpoint.modelName,
        alias,
        version: String(canary.version),
        actor: decision.by,
        detail: decision.detail,
      });
    } catch (error) {
      await store.addEvent(endpoint.id, {
        actor: decision.by,
        kind: 'alias.not_moved',
        version: canary.version,
        detail: `'${alias}' stays on version ${current?.version ?? '-'}: ${
          (error as Error).message
        }`,
      });
    }
  }

  /**
   * The version a rollback returns to: the newest retired deployment, other than the
   * stable version, that was stable once (not a canary that never passed).
   */
  private async rollbackTarget(
    endpointId: string,
  ): Promise<number | undefined> {
    const { store } = this.options;
    const [live, canaries, retired] = await Promise.all([
      store.liveDeployments([endpointId]),
      store.canaries([endpointId]),
      store.retiredDeployments(endpointId, HISTORY_LIMIT),
    ]);
    const stable = live.find(d => d.role === 'stable');
    const neverStable = new Set(
      canaries.filter(c => c.status !== 'PROMOTED').map(c => c.deploymentId),
    );
    return retired.find(
      d => d.version !== stable?.version && !neverStable.has(d.id),
    )?.version;
  }

  private async details(
    caller: Caller,
    endpoint: StoredEndpoint,
  ): Promise<EndpointDetails> {
    const { store, access } = this.options;
    const [live] = await this.withLiveState([endpoint]);
    const [history, events, canaries, canUpdate, rollbackTo] =
      await Promise.all([
        store.retiredDeployments(endpoint.id, HISTORY_LIMIT),
        store.events(endpoint.id, EVENTS_LIMIT),
        store.canaries([endpoint.id]),
        access
          .authorize(caller, mlEndpointUpdatePermission, describe(endpoint))
          .then(
            () => true,
            () => false,
          ),
        this.rollbackTarget(endpoint.id),
      ]);
    return {
      ...live,
      history: history.map(publicDeployment),
      events,
      canaries: canaries.map(publicCanary),
      canUpdate,
      ...(rollbackTo !== undefined && { rollbackVersion: String(rollbackTo) }),
    };
  }

  /** Endpoints with their live deployments, running canary and last minutes' counts. */
  private async withLiveState(
    endpoints: StoredEndpoint[],
  ): Promise<Endpoint[]> {
    const { store } = this.options;
    const ids = endpoints.map(e => e.id);
    const since = Math.floor(Date.now() / 60_000) - STATS_MINUTES + 1;
    const [deployments, running, minutes] = await Promise.all([
      store.liveDeployments(ids),
      store.runningCanaries(ids),
      store.servingMinutes(ids, since),
    ]);
    return endpoints.map(endpoint => {
      const { id: _id, ...rest } = endpoint;
      const own = minutes.filter(m => m.endpointId === endpoint.id);
      const stats = windowStats(0, own);
      const canary = running.find(c => c.endpointId === endpoint.id);
      return {
        ...rest,
        deployments: deployments
          .filter(d => d.endpointId === endpoint.id)
          .map(publicDeployment),
        ...(canary && { canary: publicCanary(canary) }),
        stats: {
          requestsPerMinute: stats.requests / STATS_MINUTES,
          errorRate: stats.errorRate,
          ...(stats.p95Ms !== undefined && { p95Ms: stats.p95Ms }),
        },
      };
    });
  }

  private async runningCanary(endpoint: StoredEndpoint): Promise<StoredCanary> {
    const [canary] = await this.options.store.runningCanaries([endpoint.id]);
    if (!canary) {
      throw new InputError(`No canary runs on endpoint '${endpoint.name}'`);
    }
    return canary;
  }

  private async found(name: string): Promise<StoredEndpoint> {
    const endpoint = await this.options.store.getEndpoint(name);
    if (!endpoint) throw new NotFoundError(`No endpoint named '${name}'`);
    return endpoint;
  }

  /** 404 for an endpoint the caller may not read, as for one that does not exist. */
  async readableEndpoint(caller: Caller, name: string) {
    const endpoint = await this.found(name);
    const [visible] = await this.options.access.filter(
      caller,
      mlEndpointReadPermission,
      [endpoint],
      e => e.owner,
    );
    if (!visible) throw new NotFoundError(`No endpoint named '${name}'`);
    return endpoint;
  }

  /** The endpoint if the caller may change it; 403 (or 404 when unreadable) otherwise. */
  async updatableEndpoint(caller: Caller, name: string) {
    const endpoint = await this.readableEndpoint(caller, name);
    await this.options.access.authorize(
      caller,
      mlEndpointUpdatePermission,
      describe(endpoint),
    );
    return endpoint;
  }

  private policy(
    input: Partial<CanaryPolicy> | undefined,
    where: string,
  ): CanaryPolicy {
    const policy = { ...this.options.config.canary, ...input };
    checkCanaryPolicy(policy, where);
    return policy;
  }

  /**
   * Where and how big: a named pool fixes the region (residency: an endpoint asking for
   * another region is refused) and gives the instance type; serverless endpoints scale
   * to zero, real-time ones keep a replica.
   */
  private placement(input: CreateEndpointRequest) {
    let region = input.region;
    let instanceType = input.instanceType;
    if (input.pool) {
      const pool = this.options.pools.find(p => p.name === input.pool);
      if (!pool) {
        throw new InputError(
          `Unknown pool '${input.pool}'; pools: ${
            this.options.pools.map(p => p.name).join(', ') || 'none'
          }`,
        );
      }
      if (region && region !== pool.region) {
        throw new InputError(
          `Pool '${pool.name}' is in region ${pool.region}, not ${region}: the endpoint's data must stay in ${region}`,
        );
      }
      region = pool.region;
      instanceType = instanceType ?? pool.instanceType;
    }
    const serverless = input.kind === 'serverless';
    const minReplicas = input.minReplicas ?? (serverless ? 0 : 1);
    const maxReplicas = input.maxReplicas ?? Math.max(1, minReplicas);
    if (minReplicas > maxReplicas) {
      throw new InputError(
        `minReplicas (${minReplicas}) exceeds maxReplicas (${maxReplicas})`,
      );
    }
    if (!serverless && input.kind !== 'batch' && minReplicas < 1) {
      throw new InputError(
        'A real-time endpoint keeps at least one replica; use kind serverless to scale to zero',
      );
    }
    if (!serverless && input.scaleToZeroAfterSeconds !== undefined) {
      throw new InputError(
        'scaleToZeroAfterSeconds applies to serverless endpoints only',
      );
    }
    return {
      pool: input.pool,
      region,
      instanceType,
      gpus: input.gpus ?? 0,
      minReplicas,
      maxReplicas,
      targetConcurrency: input.targetConcurrency ?? 8,
      scaleToZeroAfterSeconds: serverless
        ? input.scaleToZeroAfterSeconds ?? 300
        : undefined,
    };
  }
}

function describe(endpoint: StoredEndpoint) {
  return { owner: endpoint.owner, describe: `endpoint '${endpoint.name}'` };
}
