import { CanaryVerdict, VersionWindowStats } from '@ml-portal/plugin-ml-common';
import { ServingMinute, StoredCanary } from './DeploymentStore';
import { binomialUpperTail } from '../shared/stats/binomial';
import { countSlowerThan, latencyQuantiles } from '../shared/latency';

/**
 * Below this many milliseconds a p95 difference is noise (a scheduler hiccup on a
 * sub-millisecond model), whatever the ratio.
 */
export const LATENCY_NOISE_FLOOR_MS = 10;

/**
 * A canary that never gathers its minimum requests is rolled back after this many
 * times its duration: too little traffic to judge is not a pass.
 */
export const STARVED_AFTER_DURATIONS = 3;

/** One version's requests, errors and latency over the minutes given. @internal */
export function windowStats(
  version: number,
  minutes: ServingMinute[],
): VersionWindowStats {
  const requests = minutes.reduce((n, m) => n + m.requests, 0);
  const errors = minutes.reduce((n, m) => n + m.errors, 0);
  return {
    version: String(version),
    requests,
    errors,
    errorRate: requests === 0 ? 0 : errors / requests,
    ...latencyQuantiles(minutes.map(m => m.latency)),
  };
}

const percent = (rate: number) => `${(rate * 100).toFixed(1)}%`;
const ms = (value: number) => `${value.toFixed(1)} ms`;

/**
 * A canary fails only on an excess this unlikely by chance (a one-sided binomial test):
 * two slow or failed requests among forty are noise on a busy host, a regression that
 * holds across the sample is not. The analysis looks every few seconds at a growing
 * window, so the level is strict.
 */
export const SIGNIFICANCE = 0.001;

/** The share of requests a p95 lets be slower than itself. */
const P95_TAIL = 0.05;

/**
 * The analysis' verdict on a running canary from both versions' serving minutes over the
 * same window (since the canary started): `fail` as soon as both have their minimum
 * requests and the canary's errors or slow requests exceed what the policy allows beyond
 * chance; `pass` once its duration is over with the minimum met and nothing worse; `wait`
 * otherwise.
 *
 * @internal
 */
export function decideCanary(
  canary: StoredCanary,
  minutes: { canary: ServingMinute[]; stable: ServingMinute[] },
  now: number,
): CanaryVerdict {
  const { policy } = canary;
  const stats = {
    canary: windowStats(canary.version, minutes.canary),
    stable: windowStats(canary.stableVersion, minutes.stable),
  };
  // Each canary request may fail at the stable version's rate plus the allowed increase,
  // and at most 5% of them may be slower than the p95 the policy allows.
  const allowedErrorRate = Math.min(
    1,
    stats.stable.errorRate + policy.maxErrorRateIncrease,
  );
  const stableP95 = stats.stable.p95Ms;
  const allowedP95 =
    stableP95 === undefined
      ? undefined
      : Math.max(
          stableP95 * policy.maxP95Ratio,
          stableP95 + LATENCY_NOISE_FLOOR_MS,
        );
  const verdict = (
    decision: CanaryVerdict['decision'],
    reason: string,
  ): CanaryVerdict => ({
    decision,
    reason,
    at: now,
    ...stats,
    allowed: { errorRate: allowedErrorRate, p95Ms: allowedP95 },
  });
  const elapsedMinutes = (now - canary.startedAt) / 60_000;
  const enough =
    stats.canary.requests >= policy.minRequests &&
    stats.stable.requests >= policy.minRequests;
  if (!enough) {
    if (elapsedMinutes >= policy.durationMinutes * STARVED_AFTER_DURATIONS) {
      return verdict(
        'fail',
        `Too little traffic to judge: ${stats.canary.requests} canary and ${
          stats.stable.requests
        } stable requests in ${elapsedMinutes.toFixed(1)} minutes, ${
          policy.minRequests
        } needed for each`,
      );
    }
    return verdict(
      'wait',
      `Waiting for ${policy.minRequests} requests per version (canary ${stats.canary.requests}, stable ${stats.stable.requests})`,
    );
  }
  const { requests } = stats.canary;
  const errorsPValue = binomialUpperTail(
    stats.canary.errors,
    requests,
    allowedErrorRate,
  );
  if (errorsPValue < SIGNIFICANCE) {
    return verdict(
      'fail',
      `Error rate ${percent(
        stats.canary.errorRate,
      )} against the stable version's ${percent(
        stats.stable.errorRate,
      )} (at most ${percent(allowedErrorRate)} allowed; ${
        stats.canary.errors
      } errors in ${requests} requests, p = ${errorsPValue.toPrecision(2)})`,
    );
  }
  // Both versions served their minimum, so both have latencies.
  const canaryP95 = stats.canary.p95Ms!;
  const slower = countSlowerThan(
    minutes.canary.map(m => m.latency),
    allowedP95!,
  );
  const latencyPValue = binomialUpperTail(slower, requests, P95_TAIL);
  if (latencyPValue < SIGNIFICANCE) {
    return verdict(
      'fail',
      `p95 latency ${ms(canaryP95)} against the stable version's ${ms(
        stableP95!,
      )} (at most ${
        policy.maxP95Ratio
      }x allowed; ${slower} of ${requests} requests slower than ${ms(
        allowedP95!,
      )}, p = ${latencyPValue.toPrecision(2)})`,
    );
  }
  if (elapsedMinutes < policy.durationMinutes) {
    const worse =
      stats.canary.errorRate > allowedErrorRate || canaryP95 > allowedP95!;
    return verdict(
      'wait',
      `${
        worse ? 'Worse so far, not beyond chance yet' : 'Healthy so far'
      }; ${elapsedMinutes.toFixed(1)} of ${policy.durationMinutes} minutes`,
    );
  }
  return verdict(
    'pass',
    `Error rate ${percent(stats.canary.errorRate)} (stable ${percent(
      stats.stable.errorRate,
    )}) and p95 ${ms(canaryP95)} (stable ${ms(stableP95!)}) over ${
      stats.canary.requests
    } canary requests in ${elapsedMinutes.toFixed(1)} minutes`,
  );
}
