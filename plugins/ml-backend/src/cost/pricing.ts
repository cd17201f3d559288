import { PriceEntry } from './priceBook';

/** One UTC day of an attempt at one price: the unit usage is recorded and rolled up in. @internal */
export type UsageSlice = {
  /** `YYYY-MM-DD`, UTC. */
  day: string;
  /** `YYYY-MM`, UTC. */
  month: string;
  startMs: number;
  endMs: number;
  /** GPU-seconds billed in this slice (GPUs × billed seconds). */
  gpuSeconds: number;
  costMicros: number;
  /** The same GPU time on demand: the spot saving is `listCostMicros - costMicros`. */
  listCostMicros: number;
};

const DAY_MS = 86_400_000;
const MS_PER_HOUR = 3_600_000n;

/** `micros/hour × gpus × ms`, in exact integers, rounded half up to a micro-dollar. */
function priceOf(hourMicros: number, gpus: number, ms: number): number {
  const numerator = BigInt(hourMicros) * BigInt(gpus) * BigInt(Math.round(ms));
  return Number((numerator * 2n + MS_PER_HOUR) / (2n * MS_PER_HOUR));
}

/**
 * Prices an attempt: its interval is cut at UTC midnights and at price changes, and
 * each piece is priced at the price in effect then (spot or on demand), rounded to the
 * micro-dollar per piece. Pieces of one day at one price are one slice.
 *
 * `billedFraction` scales the time billed, for platforms that report billable seconds
 * (SageMaker managed spot bills its billable seconds at the on-demand price; pass
 * `spot: false` and the fraction billable/elapsed).
 *
 * @internal
 */
export function priceAttempt(attempt: {
  startMs: number;
  endMs: number;
  gpus: number;
  spot: boolean;
  prices: PriceEntry[];
  billedFraction?: number;
}): UsageSlice[] {
  const { startMs, endMs, gpus, spot, prices } = attempt;
  const fraction = attempt.billedFraction ?? 1;
  if (!(endMs > startMs) || gpus <= 0) return [];
  const cuts = new Set<number>([startMs, endMs]);
  for (
    let t = Math.floor(startMs / DAY_MS + 1) * DAY_MS;
    t < endMs;
    t += DAY_MS
  )
    cuts.add(t);
  for (const p of prices)
    if (p.effectiveFromMs > startMs && p.effectiveFromMs < endMs)
      cuts.add(p.effectiveFromMs);
  const points = [...cuts].sort((a, b) => a - b);
  const slices = new Map<string, UsageSlice>();
  for (let i = 0; i + 1 < points.length; i++) {
    const [from, to] = [points[i], points[i + 1]];
    const price = [...prices].reverse().find(p => p.effectiveFromMs <= from);
    const billedMs = (to - from) * fraction;
    const day = new Date(from).toISOString().slice(0, 10);
    const hourlyRate = spot ? price?.spotGpuHourMicros : price?.gpuHourMicros;
    const hour = hourlyRate ?? 0;
    const key = `${day}@${hour}`;
    const slice = slices.get(key) ?? {
      day,
      month: day.slice(0, 7),
      startMs: from,
      endMs: to,
      gpuSeconds: 0,
      costMicros: 0,
      listCostMicros: 0,
    };
    slice.endMs = to;
    slice.gpuSeconds += (gpus * billedMs) / 1000;
    slice.costMicros += priceOf(hour, gpus, billedMs);
    slice.listCostMicros += priceOf(price?.gpuHourMicros ?? 0, gpus, to - from);
    slices.set(key, slice);
  }
  return [...slices.values()];
}
