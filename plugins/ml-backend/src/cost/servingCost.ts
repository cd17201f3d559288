import { Config } from '@backstage/config';
import { ConfiguredPool } from '../shared/pools';
import { UsageRecord } from './CostStore';
import { CPU_REPLICA, PriceBook, SERVERLESS_REQUEST } from './priceBook';
import { priceAttempt } from './pricing';
import { ServedDeployment } from './ServingUsageSource';

/** How serving is metered and when an endpoint counts as idle. @internal */
export type ServingCostSettings = {
  /** Requests an hour under which an endpoint with replicas is idle. */
  idleRequestsPerHour: number;
  /** The window idle endpoints are judged on, in hours. */
  idleWindowHours: number;
  /** Minutes between metering runs (each meters the hours that closed). */
  meterIntervalMinutes: number;
};

/** @internal */
export function readServingCostSettings(config: Config): ServingCostSettings {
  const serving = config.getOptionalConfig('ml.cost.serving');
  const positive = (key: string, fallback: number) => {
    const value = serving?.getOptionalNumber(key) ?? fallback;
    if (!(value > 0))
      throw new Error(`ml.cost.serving.${key} must be > 0, got ${value}`);
    return value;
  };
  return {
    idleRequestsPerHour:
      serving?.getOptionalNumber('idleRequestsPerHour') ?? 10,
    idleWindowHours: positive('idleWindowHours', 24),
    meterIntervalMinutes: positive('meterIntervalMinutes', 5),
  };
}

/**
 * GPU instance types of the managed platforms, for endpoints that name an instance
 * type rather than a pool: its provider, GPU type and GPUs (the size's, or the count in
 * its name). Types not listed are priced by their endpoint's GPUs and pool.
 */
const G5_GPUS: Record<string, number> = { '12': 4, '24': 4, '48': 8 };
const INSTANCE_GPUS: Array<{
  pattern: RegExp;
  provider: string;
  gpuType: string;
  gpus: (match: RegExpMatchArray) => number;
}> = [
  {
    // g5.xlarge–16xlarge have one A10G, 12xlarge and 24xlarge four, 48xlarge eight.
    pattern: /^(?:ml\.)?g5\.(\d*)xlarge$/,
    provider: 'aws',
    gpuType: 'A10G',
    gpus: m => G5_GPUS[m[1]] ?? 1,
  },
  {
    pattern: /^(?:ml\.)?p4de\.24xlarge$/,
    provider: 'aws',
    gpuType: 'A100-80GB',
    gpus: () => 8,
  },
  {
    pattern: /^(?:ml\.)?p5\.48xlarge$/,
    provider: 'aws',
    gpuType: 'H100',
    gpus: () => 8,
  },
  {
    pattern: /^a2-ultragpu-(\d+)g$/,
    provider: 'gcp',
    gpuType: 'A100-80GB',
    gpus: m => Number(m[1]),
  },
  {
    pattern: /^a3-(?:high|mega)gpu-(\d+)g$/,
    provider: 'gcp',
    gpuType: 'H100',
    gpus: m => Number(m[1]),
  },
  {
    pattern: /^Standard_NC(\d+)ads_A100_v4$/,
    provider: 'azure',
    gpuType: 'A100-80GB',
    gpus: m => Number(m[1]) / 24,
  },
  {
    pattern: /^Standard_ND96isr_H100_v5$/,
    provider: 'azure',
    gpuType: 'H100',
    gpus: () => 8,
  },
];

/** @internal */
export function instanceGpus(
  instanceType: string,
): { provider: string; gpuType: string; gpus: number } | undefined {
  for (const { pattern, provider, gpuType, gpus } of INSTANCE_GPUS) {
    const match = instanceType.match(pattern);
    if (match) return { provider, gpuType, gpus: gpus(match) };
  }
  return undefined;
}

/** Some serving priced: its cost, its list cost and the resource time it was for. @internal */
export type ServingPrice = {
  costMicros: number;
  listCostMicros: number;
  /** GPU-seconds, CPU replica-seconds or request-seconds, by `gpuType`. */
  gpuSeconds: number;
  /** Replica-seconds the deployment ran (billed or not). */
  replicaSeconds: number;
  gpuType: string;
  gpus: number;
  spot: boolean;
  pool: string;
  provider?: string;
  region?: string;
};

/**
 * Prices endpoint deployments with the price book, as training is priced (the same
 * `priceAttempt`, so a window is priced at the prices in force in it): replicas ×
 * GPUs per replica at the pool's GPU type (spot where the pool is) or, for CPU serving,
 * replicas at the CPU replica-hour price; serverless deployments the portal routes are
 * billed per request-second instead (the router's latency sum), at the request price.
 *
 * @internal
 */
export class ServingPricer {
  constructor(
    private readonly priceBook: PriceBook,
    private readonly pools: Map<string, ConfiguredPool>,
  ) {}

  /** What the deployment's serving in `[fromMs, toMs)` cost. */
  price(served: ServedDeployment, fromMs: number, toMs: number): ServingPrice {
    const pool = served.pool ? this.pools.get(served.pool) : undefined;
    const spans = served.spans.flatMap(span => {
      const from = Math.max(fromMs, span.fromMs);
      const to = Math.min(toMs, span.toMs);
      return span.replicas > 0 && to > from
        ? [{ from, to, replicas: span.replicas }]
        : [];
    });
    const replicaSeconds = spans.reduce(
      (sum, span) => sum + (span.replicas * (span.to - span.from)) / 1000,
      0,
    );
    if (served.kind === 'serverless' && served.requests) {
      const seconds = served.requests.seconds;
      // One request-"GPU" over the window, billed for the seconds spent serving.
      const [slice] = this.slices(
        { gpuType: SERVERLESS_REQUEST, pool: '' },
        fromMs,
        toMs,
        1,
        false,
        seconds / ((toMs - fromMs) / 1000),
      );
      return {
        costMicros: slice?.costMicros ?? 0,
        listCostMicros: slice?.listCostMicros ?? 0,
        gpuSeconds: seconds,
        replicaSeconds,
        gpuType: SERVERLESS_REQUEST,
        gpus: 0,
        spot: false,
        // Request time is no pool's GPU time (reserved pools' idle time is by pool).
        pool: '',
        provider: pool?.provider,
        region: served.region ?? pool?.region,
      };
    }
    const resource = this.resourceOf(served, pool);
    const total: ServingPrice = {
      costMicros: 0,
      listCostMicros: 0,
      gpuSeconds: 0,
      replicaSeconds,
      ...resource,
    };
    for (const { from, to, replicas } of spans) {
      for (const slice of this.slices(
        resource,
        from,
        to,
        replicas * resource.gpus,
        resource.spot,
      )) {
        total.costMicros += slice.costMicros;
        total.listCostMicros += slice.listCostMicros;
        total.gpuSeconds += slice.gpuSeconds;
      }
    }
    return total;
  }

  /** What one replica kept up through `[fromMs, toMs)` would have cost. */
  oneReplica(served: ServedDeployment, fromMs: number, toMs: number): number {
    const pool = served.pool ? this.pools.get(served.pool) : undefined;
    const resource = this.resourceOf(served, pool);
    return this.slices(
      resource,
      fromMs,
      toMs,
      resource.gpus,
      resource.spot,
    ).reduce((sum, slice) => sum + slice.costMicros, 0);
  }

  /**
   * A closed window of a deployment as a usage record; undefined when it cost nothing
   * and ran nothing.
   */
  usage(
    served: ServedDeployment,
    fromMs: number,
    toMs: number,
  ): UsageRecord | undefined {
    const price = this.price(served, fromMs, toMs);
    if (price.gpuSeconds === 0 && price.costMicros === 0) return undefined;
    const day = new Date(fromMs).toISOString().slice(0, 10);
    return {
      source: 'endpoint',
      day,
      month: day.slice(0, 7),
      startMs: fromMs,
      endMs: toMs,
      gpuSeconds: price.gpuSeconds,
      costMicros: price.costMicros,
      listCostMicros: price.listCostMicros,
      team: served.team,
      pool: price.pool,
      provider: price.provider,
      region: price.region,
      gpuType: price.gpuType,
      gpus: price.gpus,
      spot: price.spot,
      endpointId: served.endpointId,
      endpointName: served.endpointName,
      deploymentId: served.deploymentId,
      modelVersionId: served.modelVersionId,
    };
  }

  /** The GPU type and count per replica, or one CPU replica where it has no GPUs. */
  private resourceOf(served: ServedDeployment, pool?: ConfiguredPool) {
    const region = served.region ?? pool?.region;
    const instance = served.instanceType
      ? instanceGpus(served.instanceType)
      : undefined;
    const gpus = served.gpus > 0 ? served.gpus : instance?.gpus ?? 0;
    if (gpus <= 0) {
      // A GPU pool's price is not a CPU replica's: CPU serving is priced on its own.
      return {
        gpuType: CPU_REPLICA,
        gpus: 1,
        spot: false,
        pool: '',
        provider: pool?.provider,
        region,
      };
    }
    return {
      gpuType: pool?.gpuType ?? instance?.gpuType ?? 'unknown',
      gpus,
      spot: pool?.spot ?? false,
      pool: served.pool ?? '',
      provider: pool?.provider ?? instance?.provider,
      region,
    };
  }

  private slices(
    resource: {
      gpuType: string;
      pool: string;
      provider?: string;
      region?: string;
    },
    startMs: number,
    endMs: number,
    gpus: number,
    spot: boolean,
    billedFraction?: number,
  ) {
    return priceAttempt({
      startMs,
      endMs,
      gpus,
      spot,
      billedFraction,
      prices: this.priceBook.historyFor(resource),
    });
  }
}
