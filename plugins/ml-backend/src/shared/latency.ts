import * as hdr from 'hdr-histogram-js';

/**
 * Serving latencies as HdrHistograms (microseconds, 2 significant digits, 1 µs to one
 * hour): mergeable, so minutes add up across replicas and windows, and percentiles of a
 * window are exact to the histogram's precision, never averages of percentiles. Stored
 * as HdrHistogram's compressed base64; `''` is the empty histogram.
 */
const SETTINGS = {
  lowestDiscernibleValue: 1,
  highestTrackableValue: 3_600_000_000,
  numberOfSignificantValueDigits: 2 as const,
  useWebAssembly: false,
};

/** @internal */
export function newLatencyHistogram(): hdr.Histogram {
  return hdr.build(SETTINGS);
}

/** @internal */
export function encodeLatencies(histogram: hdr.Histogram): string {
  return histogram.totalCount === 0
    ? ''
    : hdr.encodeIntoCompressedBase64(histogram);
}

function decodeInto(target: hdr.Histogram, encoded: string) {
  if (!encoded) return;
  const decoded = hdr.decodeFromCompressedBase64(encoded, 32, false);
  target.add(decoded);
  decoded.destroy();
}

/** @internal */
export function mergeLatencies(encoded: string[]): string {
  const merged = newLatencyHistogram();
  for (const e of encoded) decodeInto(merged, e);
  const result = encodeLatencies(merged);
  merged.destroy();
  return result;
}

/** Runs `read` on the merged histograms; undefined when they hold nothing. */
function withMerged<T>(
  encoded: string[],
  read: (merged: hdr.JsHistogram) => T,
): T | undefined {
  const merged = newLatencyHistogram();
  for (const e of encoded) decodeInto(merged, e);
  // Built without WebAssembly, the histogram is a JsHistogram (its iterators are public).
  const result =
    merged.totalCount === 0 ? undefined : read(merged as hdr.JsHistogram);
  merged.destroy();
  return result;
}

/** p50/p95/p99 in milliseconds of the merged histograms; undefined when empty. @internal */
export function latencyQuantiles(
  encoded: string[],
): { p50Ms: number; p95Ms: number; p99Ms: number } | undefined {
  return withMerged(encoded, merged => ({
    p50Ms: merged.getValueAtPercentile(50) / 1000,
    p95Ms: merged.getValueAtPercentile(95) / 1000,
    p99Ms: merged.getValueAtPercentile(99) / 1000,
  }));
}

/** How many recorded latencies of the merged histograms exceed `ms`. @internal */
export function countSlowerThan(encoded: string[], ms: number): number {
  return (
    withMerged(encoded, merged => {
      const iterator = merged.recordedValuesIterator;
      iterator.reset();
      let count = 0;
      while (iterator.hasNext()) {
        const step = iterator.next();
        if (merged.lowestEquivalentValue(step.valueIteratedTo) > ms * 1000) {
          count += step.countAtValueIteratedTo;
        }
      }
      return count;
    }) ?? 0
  );
}

/** The sum of the merged histograms' latencies, in seconds (time spent serving). @internal */
export function totalLatencySeconds(encoded: string[]): number {
  return (
    withMerged(encoded, merged => (merged.mean * merged.totalCount) / 1e6) ?? 0
  );
}
