import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError } from '@backstage/errors';
import { EndpointEvent } from '@ml-portal/plugin-ml-common';
import { Knex } from 'knex';
import { isUniqueViolation } from '../database/uniqueViolation';
import { LineageRecorder } from '../shared/lineage';
import {
  CanaryOutcome,
  DeploymentStore,
  EventInput,
  NewDeployment,
  ServingMinute,
  StoredCanary,
  StoredDeployment,
  StoredEndpoint,
} from './DeploymentStore';
import { mergeLatencies } from '../shared/latency';

type Db = Knex | Knex.Transaction;

/** A timeline event that committed, with what it happened to. @internal */
export type CommittedEvent = {
  endpoint: string;
  modelName: string;
  event: EventInput;
};
/** @internal */
export type EventListener = (events: CommittedEvent[]) => Promise<void>;
type Row = Record<string, any>;

const orUndefined = <T>(value: T | null): T | undefined => value ?? undefined;
const numberOrUndefined = (value: unknown) =>
  value === null || value === undefined ? undefined : Number(value);

function toEndpoint(row: Row): StoredEndpoint {
  return {
    id: row.endpoint_id,
    name: row.name,
    owner: row.owner,
    kind: row.kind,
    target: row.target,
    modelName: row.model_name,
    followsAlias: orUndefined(row.follows_alias),
    pool: orUndefined(row.pool),
    region: orUndefined(row.region),
    instanceType: orUndefined(row.instance_type),
    gpus: Number(row.gpus),
    minReplicas: Number(row.min_replicas),
    maxReplicas: Number(row.max_replicas),
    targetConcurrency: Number(row.target_concurrency),
    scaleToZeroAfterSeconds: numberOrUndefined(row.scale_to_zero_seconds),
    canaryPolicy: JSON.parse(row.canary_policy),
    status: row.status,
    statusReason: orUndefined(row.status_reason),
    url: orUndefined(row.url),
    description: orUndefined(row.description),
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function toDeployment(row: Row): StoredDeployment {
  return {
    id: row.deployment_id,
    endpointId: row.endpoint_id,
    name: row.name,
    version: Number(row.model_version),
    versionId: orUndefined(row.version_id),
    role: row.role,
    weight: Number(row.weight),
    state: row.state,
    reason: orUndefined(row.reason),
    logTail: orUndefined(row.log_tail),
    lastColdStartMs: numberOrUndefined(row.last_cold_start_ms),
    createdAt: Number(row.created_at),
    readyAt: numberOrUndefined(row.ready_at),
    retiredAt: numberOrUndefined(row.retired_at),
  };
}

function toCanary(row: Row): StoredCanary {
  return {
    id: row.canary_id,
    endpointId: row.endpoint_id,
    deploymentId: row.deployment_id,
    stableDeploymentId: row.stable_deployment_id,
    version: Number(row.model_version),
    stableVersion: Number(row.stable_version),
    percent: Number(row.percent),
    policy: JSON.parse(row.policy),
    status: row.status,
    verdict: row.verdict ? JSON.parse(row.verdict) : undefined,
    promotionRequestId: orUndefined(row.promotion_request_id),
    alias: orUndefined(row.alias),
    startedBy: row.started_by,
    startedAt: Number(row.started_at),
    decidedBy: orUndefined(row.decided_by),
    decidedAt: numberOrUndefined(row.decided_at),
  };
}

/** A (deployment, minute) row before its first counts are added. */
const EMPTY_MINUTE = {
  requests: 0,
  errors: 0,
  client_errors: 0,
  bytes_in: 0,
  cold_starts: 0,
  cold_start_ms: 0,
  latency: '',
};

/**
 * A deployment's name on its target: the endpoint's name and the version, cut to a DNS
 * label. A version deployed again (a rollback) gets the same name, so the target finds
 * what it may still run.
 *
 * @internal
 */
export function deploymentName(endpointName: string, version: number): string {
  const suffix = `-v${version}`;
  return `${endpointName.slice(0, 63 - suffix.length)}${suffix}`.replace(
    /-+(-v\d+)$/,
    '$1',
  );
}

/** @internal */
export class DatabaseDeploymentStore implements DeploymentStore {
  private constructor(
    private readonly db: Knex,
    private readonly lineage?: LineageRecorder,
    private readonly onEvents?: EventListener,
  ) {}

  /** `onEvents` hears each transaction's timeline events once it committed. */
  static create(options: {
    knex: Knex;
    lineage?: LineageRecorder;
    onEvents?: EventListener;
  }) {
    return new DatabaseDeploymentStore(
      options.knex,
      options.lineage,
      options.onEvents,
    );
  }

  async createEndpoint(
    endpoint: Omit<StoredEndpoint, 'id' | 'createdAt' | 'updatedAt'>,
    first: NewDeployment,
    event: EventInput,
  ): Promise<StoredEndpoint> {
    const id = randomUUID();
    const now = Date.now();
    try {
      await this.transaction(async (tx, emit) => {
        await tx('ml_endpoints').insert({
          endpoint_id: id,
          name: endpoint.name,
          owner: endpoint.owner,
          kind: endpoint.kind,
          target: endpoint.target,
          model_name: endpoint.modelName,
          follows_alias: endpoint.followsAlias ?? null,
          pool: endpoint.pool ?? null,
          region: endpoint.region ?? null,
          instance_type: endpoint.instanceType ?? null,
          gpus: endpoint.gpus,
          min_replicas: endpoint.minReplicas,
          max_replicas: endpoint.maxReplicas,
          target_concurrency: endpoint.targetConcurrency,
          scale_to_zero_seconds: endpoint.scaleToZeroAfterSeconds ?? null,
          canary_policy: JSON.stringify(endpoint.canaryPolicy),
          status: endpoint.status,
          status_reason: endpoint.statusReason ?? null,
          url: endpoint.url ?? null,
          description: endpoint.description ?? null,
          created_by: endpoint.createdBy,
          created_at: now,
          updated_at: now,
        });
        await this.insertDeployment(
          tx,
          id,
          endpoint.name,
          first,
          'stable',
          100,
        );
        await emit(id, event);
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ConflictError(
          `An endpoint named '${endpoint.name}' already exists`,
        );
      }
      throw error;
    }
    return (await this.getEndpointById(id))!;
  }

  async getEndpoint(name: string): Promise<StoredEndpoint | undefined> {
    const row = await this.db('ml_endpoints').where({ name }).first();
    return row ? toEndpoint(row) : undefined;
  }

  async getEndpointById(id: string): Promise<StoredEndpoint | undefined> {
    const row = await this.db('ml_endpoints')
      .where({ endpoint_id: id })
      .first();
    return row ? toEndpoint(row) : undefined;
  }

  async listEndpoints(query: {
    owner?: string;
    modelName?: string;
  }): Promise<StoredEndpoint[]> {
    const rows = await this.db('ml_endpoints')
      .modify(q => {
        if (query.owner) q.where({ owner: query.owner });
        if (query.modelName) q.where({ model_name: query.modelName });
      })
      .orderBy('name');
    return rows.map(toEndpoint);
  }

  async deleteEndpoint(id: string, event: EventInput) {
    await this.transaction(async (tx, emit) => {
      // Before the row goes: the event names the endpoint's model.
      await emit(id, event);
      await tx('ml_serving_minutes').where({ endpoint_id: id }).delete();
      await tx('ml_endpoints').where({ endpoint_id: id }).delete();
    });
  }

  async updateEndpointStatus(
    id: string,
    status: {
      status: StoredEndpoint['status'];
      statusReason?: string;
      url?: string;
    },
  ) {
    await this.db('ml_endpoints')
      .where({ endpoint_id: id })
      .update({
        status: status.status,
        status_reason: status.statusReason ?? null,
        ...(status.url !== undefined && { url: status.url }),
        updated_at: Date.now(),
      });
  }

  async liveDeployments(endpointIds: string[]): Promise<StoredDeployment[]> {
    if (endpointIds.length === 0) return [];
    const rows = await this.db('ml_endpoint_deployments')
      .whereIn('endpoint_id', endpointIds)
      .whereNot({ role: 'retired' })
      // The stable deployment first, as a spec lists them.
      .orderBy([{ column: 'endpoint_id' }, { column: 'role', order: 'desc' }]);
    return rows.map(toDeployment);
  }

  async retiredDeployments(
    endpointId: string,
    limit: number,
  ): Promise<StoredDeployment[]> {
    const rows = await this.db('ml_endpoint_deployments')
      .where({ endpoint_id: endpointId, role: 'retired' })
      .orderBy('retired_at', 'desc')
      .limit(limit);
    return rows.map(toDeployment);
  }

  async getDeployments(ids: string[]): Promise<StoredDeployment[]> {
    if (ids.length === 0) return [];
    const rows = await this.db('ml_endpoint_deployments').whereIn(
      'deployment_id',
      ids,
    );
    return rows.map(toDeployment);
  }

  async updateDeployment(
    id: string,
    change: Partial<
      Pick<
        StoredDeployment,
        'state' | 'reason' | 'logTail' | 'readyAt' | 'lastColdStartMs'
      >
    >,
    event?: EventInput,
  ) {
    await this.transaction(async (tx, emit) => {
      const row = await tx('ml_endpoint_deployments')
        .where({ deployment_id: id })
        .first('endpoint_id');
      if (!row) return;
      await tx('ml_endpoint_deployments')
        .where({ deployment_id: id })
        .update({
          ...(change.state !== undefined && { state: change.state }),
          ...('reason' in change && { reason: change.reason ?? null }),
          ...('logTail' in change && { log_tail: change.logTail ?? null }),
          ...(change.readyAt !== undefined && { ready_at: change.readyAt }),
          ...(change.lastColdStartMs !== undefined && {
            last_cold_start_ms: change.lastColdStartMs,
          }),
        });
      if (event) await emit(row.endpoint_id, event);
    });
  }

  async replaceStable(
    endpointId: string,
    next: NewDeployment,
    event: EventInput,
  ): Promise<StoredDeployment> {
    return this.transaction(async (tx, emit) => {
      const endpoint = await this.lockEndpoint(tx, endpointId);
      const now = Date.now();
      await tx('ml_canaries')
        .where({ endpoint_id: endpointId, status: 'RUNNING' })
        .update({
          status: 'ABORTED',
          decided_by: event.actor,
          decided_at: now,
        });
      await retire(tx, { endpoint_id: endpointId }, now);
      const deployment = await this.insertDeployment(
        tx,
        endpointId,
        endpoint.name,
        next,
        'stable',
        100,
      );
      await emit(endpointId, event);
      return deployment;
    });
  }

  async startCanary(
    endpointId: string,
    canary: NewDeployment,
    settings: {
      percent: number;
      policy: StoredCanary['policy'];
      startedBy: string;
      alias?: string;
      promotionRequestId?: string;
    },
    event: EventInput,
  ): Promise<StoredCanary> {
    try {
      return await this.transaction(async (tx, emit) => {
        const endpoint = await this.lockEndpoint(tx, endpointId);
        const stable = await tx('ml_endpoint_deployments')
          .where({ endpoint_id: endpointId, role: 'stable' })
          .first();
        if (!stable) {
          throw new ConflictError(
            `Endpoint '${endpoint.name}' has no stable version to run a canary beside`,
          );
        }
        await tx('ml_endpoint_deployments')
          .where({ deployment_id: stable.deployment_id })
          .update({ weight: 100 - settings.percent });
        const deployment = await this.insertDeployment(
          tx,
          endpointId,
          endpoint.name,
          canary,
          'canary',
          settings.percent,
        );
        const id = randomUUID();
        await tx('ml_canaries').insert({
          canary_id: id,
          endpoint_id: endpointId,
          deployment_id: deployment.id,
          stable_deployment_id: stable.deployment_id,
          model_version: canary.version,
          stable_version: stable.model_version,
          percent: settings.percent,
          policy: JSON.stringify(settings.policy),
          status: 'RUNNING',
          promotion_request_id: settings.promotionRequestId ?? null,
          alias: settings.alias ?? null,
          started_by: settings.startedBy,
          started_at: Date.now(),
        });
        await emit(endpointId, event);
        return toCanary(
          await tx('ml_canaries').where({ canary_id: id }).first(),
        );
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ConflictError(
          'A canary already runs on this endpoint; promote or abort it first',
        );
      }
      throw error;
    }
  }

  async endCanary(
    canaryId: string,
    outcome: CanaryOutcome,
    decision: { by: string; verdict?: StoredCanary['verdict'] },
    event: EventInput,
  ): Promise<StoredCanary> {
    return this.transaction(async (tx, emit) => {
      const now = Date.now();
      const updated = await tx('ml_canaries')
        .where({ canary_id: canaryId, status: 'RUNNING' })
        .update({
          status: outcome,
          decided_by: decision.by,
          decided_at: now,
          ...(decision.verdict && {
            verdict: JSON.stringify(decision.verdict),
          }),
        });
      const canary = toCanary(
        await tx('ml_canaries').where({ canary_id: canaryId }).first(),
      );
      if (updated === 0) {
        throw new ConflictError(
          `The canary of version ${canary.version} is ${canary.status}, no longer RUNNING`,
        );
      }
      const [winner, loser] =
        outcome === 'PROMOTED'
          ? [canary.deploymentId, canary.stableDeploymentId]
          : [canary.stableDeploymentId, canary.deploymentId];
      // The loser retires first: the live roles are unique per endpoint.
      await retire(tx, { deployment_id: loser }, now);
      await tx('ml_endpoint_deployments')
        .where({ deployment_id: winner })
        .update({ role: 'stable', weight: 100 });
      await emit(canary.endpointId, event);
      return canary;
    });
  }

  async setCanaryVerdict(canaryId: string, verdict: StoredCanary['verdict']) {
    await this.db('ml_canaries')
      .where({ canary_id: canaryId, status: 'RUNNING' })
      .update({ verdict: JSON.stringify(verdict) });
  }

  async setWeights(
    endpointId: string,
    weights: Map<string, number>,
    event: EventInput,
  ) {
    await this.transaction(async (tx, emit) => {
      await this.lockEndpoint(tx, endpointId);
      for (const [deploymentId, weight] of weights) {
        const updated = await tx('ml_endpoint_deployments')
          .where({ deployment_id: deploymentId, endpoint_id: endpointId })
          .whereNot({ role: 'retired' })
          .update({ weight });
        if (updated === 0) {
          throw new ConflictError(
            'The endpoint changed meanwhile; reload it and set the traffic again',
          );
        }
      }
      await emit(endpointId, event);
    });
  }

  async runningCanaries(endpointIds?: string[]): Promise<StoredCanary[]> {
    const rows = await this.db('ml_canaries')
      .where({ status: 'RUNNING' })
      .modify(q => {
        if (endpointIds) q.whereIn('endpoint_id', endpointIds);
      });
    return rows.map(toCanary);
  }

  async canaries(endpointIds: string[], limit = 20): Promise<StoredCanary[]> {
    if (endpointIds.length === 0) return [];
    const rows = await this.db('ml_canaries')
      .whereIn('endpoint_id', endpointIds)
      .orderBy('started_at', 'desc')
      .limit(limit * endpointIds.length);
    return rows.map(toCanary);
  }

  async addEvent(endpointId: string, event: EventInput) {
    await this.transaction((_tx, emit) => emit(endpointId, event));
  }

  async events(endpointId: string, limit: number): Promise<EndpointEvent[]> {
    const rows = await this.db('ml_endpoint_events')
      .where({ endpoint_id: endpointId })
      .orderBy([
        { column: 'at', order: 'desc' },
        { column: 'event_id', order: 'desc' },
      ])
      .limit(limit);
    return rows.map(row => ({
      id: String(row.event_id),
      at: Number(row.at),
      actor: row.actor,
      kind: row.kind,
      version:
        row.model_version === null ? undefined : String(row.model_version),
      detail: row.detail,
    }));
  }

  async addServingMinutes(minutes: ServingMinute[]) {
    // A row per (deployment, minute): created empty if missing, then read under lock and
    // merged, so replicas flushing the same minute add up instead of overwriting.
    await this.db.transaction(async tx => {
      for (const m of minutes) {
        const key = { deployment_id: m.deploymentId, minute: m.minute };
        await tx('ml_serving_minutes')
          .insert({ ...key, ...EMPTY_MINUTE, endpoint_id: m.endpointId })
          .onConflict(['deployment_id', 'minute'])
          .ignore();
        const row = await tx('ml_serving_minutes')
          .where(key)
          .forUpdate()
          .first();
        await tx('ml_serving_minutes')
          .where(key)
          .update({
            requests: Number(row.requests) + m.requests,
            errors: Number(row.errors) + m.errors,
            client_errors: Number(row.client_errors) + m.clientErrors,
            bytes_in: Number(row.bytes_in) + m.bytesIn,
            cold_starts: Number(row.cold_starts) + m.coldStarts,
            cold_start_ms: Number(row.cold_start_ms) + m.coldStartMs,
            latency: mergeLatencies([row.latency, m.latency]),
          });
      }
    });
  }

  async putServingMinutes(minutes: ServingMinute[]) {
    const rows = minutes.map(m => ({
      deployment_id: m.deploymentId,
      minute: m.minute,
      endpoint_id: m.endpointId,
      requests: m.requests,
      errors: m.errors,
      client_errors: m.clientErrors,
      bytes_in: m.bytesIn,
      cold_starts: m.coldStarts,
      cold_start_ms: m.coldStartMs,
      latency: m.latency,
      gpu_util: m.gpuUtilization ?? null,
    }));
    await this.db.transaction(async tx => {
      // 50 rows of 11 values stay under SQLite's bound on a statement's variables.
      for (let i = 0; i < rows.length; i += 50) {
        await tx('ml_serving_minutes')
          .insert(rows.slice(i, i + 50))
          .onConflict(['deployment_id', 'minute'])
          .merge();
      }
    });
  }

  async servingMinutes(
    endpointIds: string[],
    sinceMinute: number,
  ): Promise<ServingMinute[]> {
    if (endpointIds.length === 0) return [];
    const rows = await this.db('ml_serving_minutes')
      .whereIn('endpoint_id', endpointIds)
      .where('minute', '>=', sinceMinute)
      .orderBy('minute');
    return rows.map(
      (row): ServingMinute => ({
        endpointId: row.endpoint_id,
        deploymentId: row.deployment_id,
        minute: Number(row.minute),
        requests: Number(row.requests),
        errors: Number(row.errors),
        clientErrors: Number(row.client_errors),
        bytesIn: Number(row.bytes_in),
        coldStarts: Number(row.cold_starts),
        coldStartMs: Number(row.cold_start_ms),
        latency: row.latency,
        gpuUtilization:
          row.gpu_util === null || row.gpu_util === undefined
            ? undefined
            : Number(row.gpu_util),
      }),
    );
  }

  // ---- helpers -------------------------------------------------------------

  /**
   * A transaction whose timeline events are written in it and handed to `onEvents`
   * after it committed (with the endpoint's name and model, read when written).
   */
  private async transaction<T>(
    work: (
      tx: Knex.Transaction,
      emit: (endpointId: string, event: EventInput) => Promise<void>,
    ) => Promise<T>,
  ): Promise<T> {
    const written: CommittedEvent[] = [];
    const result = await this.db.transaction(tx =>
      work(tx, async (endpointId, event) => {
        const endpoint = await tx('ml_endpoints')
          .where({ endpoint_id: endpointId })
          .first('name', 'model_name');
        await insertEvent(tx, endpointId, event);
        if (endpoint) {
          written.push({
            endpoint: endpoint.name,
            modelName: endpoint.model_name,
            event,
          });
        }
      }),
    );
    if (written.length > 0) await this.onEvents?.(written);
    return result;
  }

  /** Serialises traffic changes of one endpoint (PostgreSQL row lock; SQLite has one writer). */
  private async lockEndpoint(tx: Knex.Transaction, endpointId: string) {
    const row = await tx('ml_endpoints')
      .where({ endpoint_id: endpointId })
      .forUpdate()
      .first();
    if (!row) throw new NotFoundError(`No endpoint with id '${endpointId}'`);
    await tx('ml_endpoints')
      .where({ endpoint_id: endpointId })
      .update({ updated_at: Date.now() });
    return toEndpoint(row);
  }

  private async insertDeployment(
    tx: Knex.Transaction,
    endpointId: string,
    endpointName: string,
    deployment: NewDeployment,
    role: 'stable' | 'canary',
    weight: number,
  ): Promise<StoredDeployment> {
    const id = randomUUID();
    await tx('ml_endpoint_deployments').insert({
      deployment_id: id,
      endpoint_id: endpointId,
      name: deploymentName(endpointName, deployment.version),
      model_version: deployment.version,
      version_id: deployment.versionId ?? null,
      role,
      weight,
      state: 'starting',
      created_at: Date.now(),
    });
    if (deployment.versionId && this.lineage) {
      await this.lineage.record(
        [
          {
            from: { kind: 'model_version', id: deployment.versionId },
            to: { kind: 'deployment', id },
            relation: 'deployed_as',
          },
        ],
        tx,
      );
    }
    return toDeployment(
      await tx('ml_endpoint_deployments').where({ deployment_id: id }).first(),
    );
  }
}

async function retire(tx: Db, where: Row, now: number) {
  await tx('ml_endpoint_deployments')
    .where(where)
    .whereNot({ role: 'retired' })
    .update({ role: 'retired', weight: 0, state: 'retired', retired_at: now });
}

async function insertEvent(db: Db, endpointId: string, event: EventInput) {
  await db('ml_endpoint_events').insert({
    endpoint_id: endpointId,
    at: Date.now(),
    actor: event.actor,
    kind: event.kind,
    model_version: event.version ?? null,
    detail: event.detail,
  });
}
