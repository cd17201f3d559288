import { EndpointStatus as TargetStatus } from '@ml-portal/plugin-ml-node';
import { Knex } from 'knex';
import {
  ServedDeployment,
  ServingUsageSource,
} from '../cost/ServingUsageSource';
import { StoredDeployment, StoredEndpoint } from './DeploymentStore';
import { totalLatencySeconds } from '../shared/latency';

type Row = Record<string, any>;
const MINUTE_MS = 60_000;
const opt = <T>(value: T | null): T | undefined => value ?? undefined;

/**
 * The replicas a deployment runs by what its target says: the count where the target
 * reports one, else the endpoint's minimum (at least one) while it starts or serves;
 * none once it failed or scaled to zero, or while the target does not know it yet.
 */
function replicasOf(
  endpoint: StoredEndpoint,
  deployment: StoredDeployment,
  reported: TargetStatus['deployments'][number] | undefined,
): number {
  if (!reported || reported.state === 'failed' || deployment.state === 'failed')
    return 0;
  if (reported.replicas !== undefined) return reported.replicas;
  if (reported.state === 'scaled-to-zero') return 0;
  return Math.max(1, endpoint.minReplicas);
}

/** A deployment's replica count from `fromMs` until `toMs` (still running when undefined). @internal */
export type ReplicaSpan = {
  deploymentId: string;
  replicas: number;
  fromMs: number;
  toMs?: number;
};

/**
 * Replica intervals of endpoint deployments (`ml_endpoint_replicas`): the reconciler
 * hands over what each target reports, and a deployment's interval closes and the next
 * opens when its count changes. Read back per window, they are what serving cost is
 * metered from (the cost domain's {@link ServingUsageSource}), with the router's
 * request counts where the portal routes the endpoint.
 *
 * @internal
 */
export class DatabaseServingUsage implements ServingUsageSource {
  private constructor(
    private readonly db: Knex,
    private readonly routed: (target: string) => boolean,
  ) {}

  /** `routed` tells the targets whose requests go through the portal's router. */
  static create(options: {
    knex: Knex;
    routed: (target: string) => boolean;
  }): DatabaseServingUsage {
    return new DatabaseServingUsage(options.knex, options.routed);
  }

  /**
   * Records the replica counts of an endpoint's live deployments as seen at `at`;
   * deployments no longer live end their interval. Two backends observing the same
   * change open one interval: at most one is open per deployment (a unique index).
   */
  async observe(
    endpoint: StoredEndpoint,
    live: StoredDeployment[],
    status: TargetStatus,
    at = Date.now(),
  ): Promise<void> {
    const wanted = new Map(
      live.map(d => [
        d.id,
        {
          deployment: d,
          replicas: replicasOf(
            endpoint,
            d,
            status.deployments.find(r => r.name === d.name),
          ),
        },
      ]),
    );
    await this.db.transaction(async tx => {
      const open: Row[] = await tx('ml_endpoint_replicas')
        .where({ endpoint_id: endpoint.id })
        .whereNull('to_ms')
        .select('interval_id', 'deployment_id', 'replicas');
      for (const row of open) {
        if (wanted.get(row.deployment_id)?.replicas === Number(row.replicas)) {
          wanted.delete(row.deployment_id);
          continue;
        }
        await tx('ml_endpoint_replicas')
          .where({ interval_id: row.interval_id })
          .whereNull('to_ms')
          .update({ to_ms: at });
      }
      if (wanted.size === 0) return;
      await tx('ml_endpoint_replicas')
        .insert(
          [...wanted.values()].map(({ deployment, replicas }) => ({
            deployment_id: deployment.id,
            endpoint_id: endpoint.id,
            endpoint_name: endpoint.name,
            team: endpoint.owner,
            kind: endpoint.kind,
            target: endpoint.target,
            pool: endpoint.pool ?? null,
            region: endpoint.region ?? null,
            instance_type: endpoint.instanceType ?? null,
            gpus: endpoint.gpus,
            min_replicas: endpoint.minReplicas,
            model_name: endpoint.modelName,
            model_version: deployment.version,
            version_id: deployment.versionId ?? null,
            replicas,
            from_ms: at,
          })),
        )
        .onConflict()
        .ignore();
    });
  }

  async firstServedAt(): Promise<number | undefined> {
    const row = await this.db('ml_endpoint_replicas')
      .min({ first: 'from_ms' })
      .first();
    return row?.first === null || row?.first === undefined
      ? undefined
      : Number(row.first);
  }

  /** The replica counts an endpoint's deployments ran with over a window, for its charts. */
  async replicaSpans(
    endpointId: string,
    fromMs: number,
    toMs: number,
  ): Promise<ReplicaSpan[]> {
    const rows: Row[] = await this.db('ml_endpoint_replicas')
      .where({ endpoint_id: endpointId })
      .where('from_ms', '<', toMs)
      .where(q => q.whereNull('to_ms').orWhere('to_ms', '>', fromMs))
      .select('deployment_id', 'replicas', 'from_ms', 'to_ms');
    return rows.map(row => ({
      deploymentId: row.deployment_id,
      replicas: Number(row.replicas),
      fromMs: Number(row.from_ms),
      toMs: row.to_ms === null ? undefined : Number(row.to_ms),
    }));
  }

  async served(fromMs: number, toMs: number): Promise<ServedDeployment[]> {
    const rows: Row[] = await this.db('ml_endpoint_replicas as r')
      .leftJoin(
        'ml_endpoint_deployments as d',
        'd.deployment_id',
        'r.deployment_id',
      )
      .where('r.from_ms', '<', toMs)
      .where(q => q.whereNull('r.to_ms').orWhere('r.to_ms', '>', fromMs))
      .select('r.*', 'd.retired_at', { known: 'd.deployment_id' })
      .orderBy(['r.from_ms', 'r.interval_id']);
    if (rows.length === 0) return [];
    // An interval still open ends where its deployment retired or its endpoint was
    // deleted (the reconciler closes it at its next look, which may come later).
    const deletedAt = new Map<string, number>(
      (
        await this.db('ml_endpoint_events')
          .whereIn('endpoint_id', [...new Set(rows.map(r => r.endpoint_id))])
          .where({ kind: 'endpoint.deleted' })
          .select('endpoint_id', 'at')
      ).map((e: Row) => [e.endpoint_id, Number(e.at)]),
    );
    const byDeployment = new Map<string, ServedDeployment>();
    for (const row of rows) {
      const ends = [toMs];
      if (row.to_ms !== null) ends.push(Number(row.to_ms));
      if (row.retired_at !== null) ends.push(Number(row.retired_at));
      if (row.known === null)
        ends.push(deletedAt.get(row.endpoint_id) ?? Number(row.from_ms));
      const span = {
        fromMs: Math.max(fromMs, Number(row.from_ms)),
        toMs: Math.min(...ends),
        replicas: Number(row.replicas),
      };
      if (span.toMs <= span.fromMs) continue;
      // The latest interval's settings stand for the deployment's.
      const served: ServedDeployment = {
        ...(byDeployment.get(row.deployment_id) ?? { spans: [] }),
        deploymentId: row.deployment_id,
        endpointId: row.endpoint_id,
        endpointName: row.endpoint_name,
        team: row.team,
        kind: row.kind,
        pool: opt(row.pool),
        region: opt(row.region),
        instanceType: opt(row.instance_type),
        gpus: Number(row.gpus),
        minReplicas: Number(row.min_replicas),
        modelName: row.model_name,
        modelVersion: Number(row.model_version),
        modelVersionId: opt(row.version_id),
        ...(this.routed(row.target) && {
          requests: { count: 0, seconds: 0 },
        }),
      };
      served.spans.push(span);
      byDeployment.set(row.deployment_id, served);
    }
    await this.addRequests(byDeployment, fromMs, toMs);
    return [...byDeployment.values()];
  }

  /** The router's counts of the window, for the deployments it routes. */
  private async addRequests(
    byDeployment: Map<string, ServedDeployment>,
    fromMs: number,
    toMs: number,
  ) {
    const routed = [...byDeployment.values()].filter(d => d.requests);
    if (routed.length === 0) return;
    const minutes: Row[] = await this.db('ml_serving_minutes')
      .whereIn(
        'deployment_id',
        routed.map(d => d.deploymentId),
      )
      .where('minute', '>=', Math.ceil(fromMs / MINUTE_MS))
      .where('minute', '<', Math.ceil(toMs / MINUTE_MS))
      .select('deployment_id', 'requests', 'latency');
    const latencies = new Map<string, string[]>();
    for (const minute of minutes) {
      const served = byDeployment.get(minute.deployment_id)!;
      served.requests!.count += Number(minute.requests);
      latencies.set(minute.deployment_id, [
        ...(latencies.get(minute.deployment_id) ?? []),
        minute.latency,
      ]);
    }
    for (const [deploymentId, encoded] of latencies) {
      byDeployment.get(deploymentId)!.requests!.seconds =
        totalLatencySeconds(encoded);
    }
  }
}
