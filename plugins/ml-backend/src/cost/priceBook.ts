import { Config } from '@backstage/config';
import { GpuPrice } from '@ml-portal/plugin-ml-common';
import { numberToMicros } from './money';

/** The price book's resource for CPU serving, priced per replica-hour. @internal */
export const CPU_REPLICA = 'CPU';
/** The price book's resource for serverless requests, priced per request-hour. @internal */
export const SERVERLESS_REQUEST = 'serverless-request';

/** One price of the book; the most specific match wins, the latest `effectiveFrom` at a time. @internal */
export type PriceEntry = GpuPrice & { effectiveFromMs: number };

/** What an attempt ran on, for finding its price. @internal */
export type PricedResource = {
  pool: string;
  provider?: string;
  gpuType: string;
  region?: string;
};

/**
 * Public list prices per GPU-hour (on demand) as of 2026; spot is `spotDiscount` off
 * unless a spot price is given. Platform teams override or extend these in
 * `ml.cost.prices`, or per pool with `gpuHourUsd`.
 */
const LIST_PRICES: Array<[provider: string, gpuType: string, usd: number]> = [
  ['aws', 'A10G', 1.0],
  ['aws', 'A100-80GB', 4.1],
  ['gcp', 'A100-80GB', 3.7],
  ['azure', 'A100-80GB', 3.4],
  ['aws', 'H100', 8.0],
  ['gcp', 'H100', 7.5],
  ['azure', 'H100', 7.0],
  ['gcp', 'TPU-v5e', 1.2],
];
const LIST_PRICES_FROM = '2026-01-01';
const DEFAULT_SPOT_DISCOUNT = 0.65;
const DEFAULT_STORAGE_GB_MONTH_USD = 0.023;
/** A small CPU instance (AWS m5.large, 2 vCPU) per hour, for endpoints without GPUs. */
const DEFAULT_CPU_REPLICA_HOUR_USD = 0.1;
/** SageMaker Serverless Inference at 4 GB per second of inference, as of 2026. */
const DEFAULT_REQUEST_SECOND_USD = 0.00008;

const dayMs = (day: string, where: string) => {
  if (
    !/^\d{4}-\d{2}-\d{2}$/.test(day) ||
    Number.isNaN(Date.parse(`${day}T00:00:00Z`))
  )
    throw new Error(
      `${where}: effectiveFrom must be a date YYYY-MM-DD, got '${day}'`,
    );
  return Date.parse(`${day}T00:00:00Z`);
};

/**
 * The price book: prices per GPU-hour by pool, or by provider, GPU type and region,
 * each from an effective date (UTC), so a price change applies from its date on and
 * past costs never change.
 *
 * @internal
 */
export class PriceBook {
  constructor(
    readonly entries: PriceEntry[],
    readonly storageGbMonthMicros: number,
  ) {}

  /**
   * Reads `ml.cost` and the pools' own `gpuHourUsd`. Throws on a malformed entry, so a
   * typo stops start-up instead of pricing jobs at zero.
   */
  static fromConfig(
    config: Config,
    pools: Array<{
      name: string;
      gpuHourUsd?: number;
      spotGpuHourUsd?: number;
    }>,
  ): PriceBook {
    const cost = config.getOptionalConfig('ml.cost');
    const discount =
      cost?.getOptionalNumber('spotDiscount') ?? DEFAULT_SPOT_DISCOUNT;
    if (discount < 0 || discount >= 1)
      throw new Error(
        `ml.cost.spotDiscount must be in [0, 1), got ${discount}`,
      );
    const entry = (
      price: Omit<
        GpuPrice,
        'gpuHourMicros' | 'spotGpuHourMicros' | 'effectiveFrom'
      >,
      usd: number,
      spotUsd: number | undefined,
      effectiveFrom: string,
      where: string,
    ): PriceEntry => {
      if (!(usd >= 0)) throw new Error(`${where}: gpuHourUsd must be >= 0`);
      return {
        ...price,
        gpuHourMicros: numberToMicros(usd),
        spotGpuHourMicros: numberToMicros(spotUsd ?? usd * (1 - discount)),
        effectiveFrom,
        effectiveFromMs: dayMs(effectiveFrom, where),
      };
    };
    const entries: PriceEntry[] = LIST_PRICES.map(([provider, gpuType, usd]) =>
      entry(
        { provider, gpuType },
        usd,
        undefined,
        LIST_PRICES_FROM,
        'list prices',
      ),
    );
    // Serving without GPUs: CPU replicas per hour and serverless requests per second
    // (kept per hour here, so one pricing function prices everything). Entries of
    // `prices` for these GPU types change them from a date.
    const serving = cost?.getOptionalConfig('serving');
    entries.push(
      entry(
        { gpuType: CPU_REPLICA },
        serving?.getOptionalNumber('cpuReplicaHourUsd') ??
          DEFAULT_CPU_REPLICA_HOUR_USD,
        undefined,
        '1970-01-01',
        'ml.cost.serving.cpuReplicaHourUsd',
      ),
      entry(
        { gpuType: SERVERLESS_REQUEST },
        (serving?.getOptionalNumber('requestSecondUsd') ??
          DEFAULT_REQUEST_SECOND_USD) * 3600,
        undefined,
        '1970-01-01',
        'ml.cost.serving.requestSecondUsd',
      ),
    );
    (cost?.getOptionalConfigArray('prices') ?? []).forEach((p, i) => {
      const where = `ml.cost.prices[${i}]`;
      const match = {
        pool: p.getOptionalString('pool'),
        provider: p.getOptionalString('provider'),
        gpuType: p.getOptionalString('gpuType'),
        region: p.getOptionalString('region'),
      };
      if (!match.pool && !match.gpuType)
        throw new Error(`${where}: name a pool or a gpuType`);
      entries.push(
        entry(
          match,
          p.getNumber('gpuHourUsd'),
          p.getOptionalNumber('spotGpuHourUsd'),
          p.getOptionalString('effectiveFrom') ?? '1970-01-01',
          where,
        ),
      );
    });
    for (const pool of pools) {
      if (pool.gpuHourUsd === undefined) continue;
      entries.push(
        entry(
          { pool: pool.name },
          pool.gpuHourUsd,
          pool.spotGpuHourUsd,
          '1970-01-01',
          `ml.training.pools '${pool.name}'`,
        ),
      );
    }
    return new PriceBook(
      entries,
      numberToMicros(
        cost?.getOptionalNumber('storageGbMonthUsd') ??
          DEFAULT_STORAGE_GB_MONTH_USD,
      ),
    );
  }

  /**
   * The entries that price a resource, most specific first: its pool; then provider +
   * GPU type + region; provider + GPU type; GPU type alone. Several entries of the
   * winning match are its price history.
   */
  historyFor(resource: PricedResource): PriceEntry[] {
    const score = (e: PriceEntry): number => {
      if (e.pool) return e.pool === resource.pool ? 4 : -1;
      if (e.gpuType !== resource.gpuType) return -1;
      if (e.provider && e.provider !== resource.provider) return -1;
      if (e.region && e.region !== resource.region) return -1;
      return (e.provider ? 1 : 0) + (e.region ? 1 : 0) + 1;
    };
    let best = 0;
    for (const e of this.entries) best = Math.max(best, score(e));
    if (best === 0) return [];
    return this.entries
      .filter(e => score(e) === best)
      .sort((a, b) => a.effectiveFromMs - b.effectiveFromMs);
  }
}
