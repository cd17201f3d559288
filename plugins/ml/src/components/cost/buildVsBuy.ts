import { Micros } from '@ml-portal/plugin-ml-common';

/** Hours in an average month (8,760 / 12), the cloud providers' convention. @internal */
export const HOURS_PER_MONTH = 730;

const SECONDS_PER_DAY = 86_400;
const DAYS_PER_MONTH = HOURS_PER_MONTH / 24;

/** The load and prices to compare. @internal */
export type BuildVsBuyInput = {
  tokensPerDay: number;
  /** API price per million tokens, input and output blended. */
  apiMicrosPerMillionTokens: Micros;
  /** Self-hosted price per GPU-hour. */
  gpuHourMicros: Micros;
  gpusPerReplica: number;
  /** Replicas kept running, however little the load. */
  replicas: number;
  /** Tokens per second one replica sustains. */
  tokensPerSecondPerReplica: number;
};

/** @internal */
export type BuildVsBuyResult = {
  apiMonthlyMicros: Micros;
  /** The fleet running all month: the given replicas, or as many as the load needs. */
  selfHostedMonthlyMicros: Micros;
  /** Replicas that serve `tokensPerDay` at the sustained throughput. */
  replicasNeeded: number;
  /** Tokens per day the given replicas serve at most. */
  capacityTokensPerDay: number;
  /**
   * The load at which the given replicas cost as much as the API, or
   * `undefined` when self-hosting never pays: even fully busy, a replica's
   * tokens cost more than the API's.
   */
  crossoverTokensPerDay: number | undefined;
  /** What a million tokens cost on a replica busy all day: the floor of self-hosting's price. */
  busyReplicaMicrosPerMillionTokens: Micros;
  cheaper: 'api' | 'self-hosted';
};

/**
 * Whether to buy tokens from an API or serve a model on our own GPUs.
 *
 * The API costs the same per token however many there are; self-hosted GPUs
 * cost the same per hour however busy they are. A replica costs
 * `gpuHour × gpusPerReplica × 24` a day and serves at most `throughput × 86,400`
 * tokens a day. With `replicas` running, both cost the same at
 * `replicas × replicaDay / apiPricePerToken` tokens a day; that crossover is
 * only reachable while the replicas can serve it, i.e. while a fully busy
 * replica's cost per token is below the API's. Beyond the fleet's capacity
 * replicas are added as the load needs them.
 *
 * @internal
 */
export function buildVsBuy(input: BuildVsBuyInput): BuildVsBuyResult {
  // Validated by the form; a zero here would make every figure infinite.
  const {
    tokensPerDay,
    apiMicrosPerMillionTokens,
    gpuHourMicros,
    gpusPerReplica,
    replicas,
    tokensPerSecondPerReplica,
  } = input;
  if (!(tokensPerSecondPerReplica > 0) || !(gpusPerReplica > 0)) {
    throw new RangeError('A replica needs GPUs and a throughput above zero');
  }
  const replicaDayMicros = gpuHourMicros * gpusPerReplica * 24;
  const replicaTokensPerDay = tokensPerSecondPerReplica * SECONDS_PER_DAY;
  const apiMicrosPerToken = apiMicrosPerMillionTokens / 1_000_000;

  const replicasNeeded = Math.ceil(tokensPerDay / replicaTokensPerDay);
  const fleet = Math.max(replicas, replicasNeeded);

  const apiMonthlyMicros = Math.round(
    tokensPerDay * apiMicrosPerToken * DAYS_PER_MONTH,
  );
  const selfHostedMonthlyMicros = Math.round(
    fleet * replicaDayMicros * DAYS_PER_MONTH,
  );

  // A busy replica's tokens must be cheaper than the API's for the lines to meet.
  const selfHostingCanPay =
    apiMicrosPerToken > 0 &&
    replicaDayMicros <= apiMicrosPerToken * replicaTokensPerDay;
  const crossoverTokensPerDay = selfHostingCanPay
    ? (replicas * replicaDayMicros) / apiMicrosPerToken
    : undefined;

  return {
    apiMonthlyMicros,
    selfHostedMonthlyMicros,
    replicasNeeded,
    capacityTokensPerDay: replicas * replicaTokensPerDay,
    crossoverTokensPerDay,
    busyReplicaMicrosPerMillionTokens: Math.round(
      (replicaDayMicros / replicaTokensPerDay) * 1_000_000,
    ),
    cheaper: selfHostedMonthlyMicros < apiMonthlyMicros ? 'self-hosted' : 'api',
  };
}
