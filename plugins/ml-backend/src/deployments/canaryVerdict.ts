import { CanaryVerdict, VersionWindowStats } from '@ml-portal/plugin-ml-common';
import { ServingMinute, StoredCanary } from './DeploymentStore';
import { latencyQuantiles } from './latency';

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

/**
 * The analysis' verdict on a running canary from both versions' counts over the same
 * window (since the canary started): `fail` as soon as both have their minimum requests
 * and the canary's error rate or p95 latency is worse than the policy allows; `pass` once
 * its duration is over with the minimum met and nothing worse; `wait` otherwise.
 *
 * @internal
 */
export function decideCanary(
  canary: StoredCanary,
  stats: { canary: VersionWindowStats; stable: VersionWindowStats },
  now: number,
): CanaryVerdict {
  const { policy } = canary;
  const verdict = (decision: CanaryVerdict['decision'], reason: string) => ({
    decision,
    reason,
    at: now,
    ...stats,
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
  const allowedErrorRate = stats.stable.errorRate + policy.maxErrorRateIncrease;
  if (stats.canary.errorRate > allowedErrorRate) {
    return verdict(
      'fail',
      `Error rate ${percent(
        stats.canary.errorRate,
      )} against the stable version's ${percent(
        stats.stable.errorRate,
      )} (at most ${percent(allowedErrorRate)} allowed)`,
    );
  }
  const canaryP95 = stats.canary.p95Ms ?? 0;
  const stableP95 = stats.stable.p95Ms ?? 0;
  if (
    canaryP95 > stableP95 * policy.maxP95Ratio &&
    canaryP95 - stableP95 > LATENCY_NOISE_FLOOR_MS
  ) {
    return verdict(
      'fail',
      `p95 latency ${canaryP95.toFixed(
        1,
      )} ms against the stable version's ${stableP95.toFixed(1)} ms (at most ${
        policy.maxP95Ratio
      }x allowed)`,
    );
  }
  if (elapsedMinutes < policy.durationMinutes) {
    return verdict(
      'wait',
      `Healthy so far; ${elapsedMinutes.toFixed(1)} of ${
        policy.durationMinutes
      } minutes`,
    );
  }
  return verdict(
    'pass',
    `Error rate ${percent(stats.canary.errorRate)} (stable ${percent(
      stats.stable.errorRate,
    )}) and p95 ${canaryP95.toFixed(1)} ms (stable ${stableP95.toFixed(
      1,
    )} ms) over ${
      stats.canary.requests
    } canary requests in ${elapsedMinutes.toFixed(1)} minutes`,
  );
}
