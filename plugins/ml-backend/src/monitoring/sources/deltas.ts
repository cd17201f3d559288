import { ServingMetricsMinute } from '@ml-portal/plugin-ml-node';
import { encodeLatencies, newLatencyHistogram } from '../../shared/latency';
import { Counters, CounterRole, parseCounterKey } from './prometheus';

/** What a scrape adds to a minute: the router's other counts stay zero. @internal */
export type ScrapedCounts = {
  requests: number;
  errors: number;
  clientErrors: number;
  /** An HdrHistogram of latencies in microseconds, compressed base64 (`''` when none). */
  latency: string;
};

/** The histogram's highest trackable value (one hour in µs); larger bounds are clamped. */
const MAX_MICROS = 3_600_000_000;

/**
 * How much each counter grew since `baseline`. A counter lower than before was reset (the
 * model server restarted) and counts from zero; a series the baseline lacks is new (a
 * replica or model that started since) and counts from zero too.
 *
 * @internal
 */
export function counterDeltas(baseline: Counters, current: Counters): Counters {
  const deltas: Counters = {};
  for (const [key, value] of Object.entries(current)) {
    const before = baseline[key];
    deltas[key] =
      before === undefined || value < before ? value : value - before;
  }
  return deltas;
}

/**
 * The counts of one interval from the counters' deltas. Latency histogram buckets are
 * cumulative (`le`): each bucket's own count is recorded at its upper bound, an
 * upper-bound approximation (a bucket 50-100 ms reads as 100 ms), and the `+Inf`
 * bucket at the highest finite bound (a lower bound for those). Where only a latency
 * total is exposed, each request is recorded at the interval's mean.
 *
 * @internal
 */
export function scrapedCounts(
  deltas: Counters,
  unitMicros: { buckets?: number; total?: number },
): ScrapedCounts {
  const sums: Record<CounterRole, number> = {
    requests: 0,
    errors: 0,
    clientErrors: 0,
    bucket: 0,
    latencySum: 0,
    latencyCount: 0,
  };
  const buckets = new Map<number, number>();
  for (const [key, delta] of Object.entries(deltas)) {
    const { role, le } = parseCounterKey(key);
    sums[role] += delta;
    if (role === 'bucket') {
      const bound = le === '+Inf' ? Infinity : Number(le);
      if (!Number.isNaN(bound))
        buckets.set(bound, (buckets.get(bound) ?? 0) + delta);
    }
  }

  const histogram = newLatencyHistogram();
  try {
    if (buckets.size > 0 && unitMicros.buckets) {
      const bounds = [...buckets.keys()].sort((a, b) => a - b);
      const finite = bounds.filter(Number.isFinite);
      const top = finite.length > 0 ? finite[finite.length - 1] : undefined;
      let below = 0;
      for (const bound of bounds) {
        const cumulative = buckets.get(bound)!;
        // Replicas reset at different times can make a cumulative step negative.
        const own = Math.max(0, cumulative - below);
        below = Math.max(below, cumulative);
        const at = Number.isFinite(bound) ? bound : top;
        if (own > 0 && at !== undefined) {
          histogram.recordValueWithCount(micros(at * unitMicros.buckets), own);
        }
      }
    } else if (sums.latencyCount > 0 && unitMicros.total) {
      const mean = (sums.latencySum * unitMicros.total) / sums.latencyCount;
      histogram.recordValueWithCount(micros(mean), sums.latencyCount);
    }
    return {
      requests: Math.round(sums.requests),
      errors: Math.round(sums.errors),
      clientErrors: Math.round(sums.clientErrors),
      latency: encodeLatencies(histogram),
    };
  } finally {
    histogram.destroy();
  }
}

/**
 * A histogram whose p50, p95 and p99 are the reported ones: of a minute's N requests, half
 * are recorded at p50, 45% at p95 and the rest at p99 (each request at the smallest
 * reported percentile at or above its rank). Merged minutes then give percentiles within
 * the reported ones' range; the shape between them is unknown, so this is a step
 * approximation, never the true distribution. A missing percentile's share goes to
 * the next one reported; the last reported takes the rest.
 *
 * @internal
 */
export function percentileLatencies(minute: ServingMetricsMinute): string {
  const percentiles = minute.latencyPercentilesMs;
  const n = minute.requests;
  if (!percentiles || n <= 0) return '';
  const steps: Array<[rank: number, ms: number]> = [];
  for (const [rank, ms] of [
    [0.5, percentiles.p50],
    [0.95, percentiles.p95],
    [1, percentiles.p99],
  ] as const) {
    if (ms !== undefined && Number.isFinite(ms) && ms >= 0)
      steps.push([rank, ms]);
  }
  if (steps.length === 0) return '';
  const histogram = newLatencyHistogram();
  try {
    let recorded = 0;
    steps.forEach(([rank, ms], i) => {
      const upTo = i === steps.length - 1 ? n : Math.round(n * rank);
      if (upTo > recorded) {
        histogram.recordValueWithCount(micros(ms * 1000), upTo - recorded);
        recorded = upTo;
      }
    });
    return encodeLatencies(histogram);
  } finally {
    histogram.destroy();
  }
}

function micros(value: number): number {
  return Math.min(MAX_MICROS, Math.max(1, Math.round(value)));
}
