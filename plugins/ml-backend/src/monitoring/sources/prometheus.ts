import {
  PrometheusConvention,
  PrometheusSampleMatcher,
} from '@ml-portal/plugin-ml-node';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';

/** A sample of the exposition: its name, labels and value. */
type Sample = { name: string; labels: Record<string, string>; value: number };

/**
 * Counters of one scrape by series: `role \t le \t url \t series`, where the role is what
 * the sample counts (`requests`, `errors`, `clientErrors`, `bucket`, `latencySum`,
 * `latencyCount`) and `le` the bucket's bound (empty for the others). Kept per series so a
 * reset of one replica or model is seen as one, not hidden in a sum.
 *
 * @internal
 */
export type Counters = Record<string, number>;

/** The roles of {@link Counters} keys. @internal */
export type CounterRole =
  | 'requests'
  | 'errors'
  | 'clientErrors'
  | 'bucket'
  | 'latencySum'
  | 'latencyCount';

/** @internal */
export function counterKey(
  role: CounterRole,
  le: string,
  url: string,
  series: string,
): string {
  return `${role}\t${le}\t${url}\t${series}`;
}

/** @internal */
export function parseCounterKey(key: string): {
  role: CounterRole;
  le: string;
  url: string;
} {
  const [role, le, url] = key.split('\t');
  return { role: role as CounterRole, le, url };
}

/** Series of a scrape read at most: a model server exposes a few dozen of these. */
const MAX_SERIES = 10_000;

/**
 * The samples of a Prometheus text exposition. The library folds the label sets of a
 * `# TYPE … histogram` family into one (its `flattenMetrics`), so TYPE lines are dropped
 * first: every sample, `_bucket` ones included, then comes back untyped with its labels.
 */
export function parseExposition(text: string): Sample[] {
  const untyped = text
    .split('\n')
    .filter(line => !/^\s*#\s*TYPE\s/.test(line))
    .join('\n');
  const families = parsePrometheusTextFormat(untyped);
  const samples: Sample[] = [];
  for (const family of families) {
    for (const metric of family.metrics) {
      if (!('value' in metric) || metric.value === undefined) continue;
      const value = Number(metric.value);
      if (!Number.isFinite(value)) continue;
      samples.push({ name: family.name, labels: metric.labels ?? {}, value });
    }
  }
  return samples;
}

function matches(sample: Sample, matcher: PrometheusSampleMatcher): boolean {
  return (
    sample.name === matcher.name &&
    Object.entries(matcher.labels ?? {}).every(
      ([key, value]) => sample.labels[key] === value,
    )
  );
}

function seriesName(sample: Sample): string {
  const labels = Object.keys(sample.labels)
    .filter(key => key !== 'le')
    .sort()
    .map(key => `${key}=${JSON.stringify(sample.labels[key])}`)
    .join(',');
  return `${sample.name}{${labels}}`;
}

/**
 * The counters of one replica's exposition under the first convention whose request
 * counter it exposes; `undefined` when none applies.
 *
 * @internal
 */
export function readCounters(
  text: string,
  url: string,
  conventions: PrometheusConvention[],
):
  | { convention: string; counters: Counters; gpuUtilization?: number }
  | undefined {
  const samples = parseExposition(text);
  const convention = conventions.find(c =>
    samples.some(s => c.requests.some(m => matches(s, m))),
  );
  if (!convention) return undefined;

  const counters: Counters = {};
  let series = 0;
  const take = (
    role: CounterRole,
    matchers: PrometheusSampleMatcher[] | undefined,
  ) => {
    for (const sample of samples) {
      if (!matchers?.some(m => matches(sample, m))) continue;
      const le = role === 'bucket' ? sample.labels.le ?? '' : '';
      if (role === 'bucket' && !le) continue;
      if (++series > MAX_SERIES) {
        throw new Error(
          `${url} exposes more than ${MAX_SERIES} series of ${convention.name}'s metrics`,
        );
      }
      counters[counterKey(role, le, url, seriesName(sample))] = sample.value;
    }
  };
  take('requests', convention.requests);
  take('errors', convention.errors);
  take('clientErrors', convention.clientErrors);
  take(
    'bucket',
    convention.latencyBuckets ? [convention.latencyBuckets] : undefined,
  );
  if (convention.latencyTotal) {
    take('latencySum', [convention.latencyTotal.sum]);
    take('latencyCount', [convention.latencyTotal.count]);
  }
  // A gauge, not a counter: the replica's mean over its GPUs, in percent.
  const gpu = convention.gpuUtilization;
  const utilizations = gpu
    ? samples.filter(sample => matches(sample, gpu)).map(s => s.value)
    : [];
  return {
    convention: convention.name,
    counters,
    gpuUtilization: utilizations.length
      ? (utilizations.reduce((a, b) => a + b, 0) / utilizations.length) *
        gpu!.percentPerUnit
      : undefined,
  };
}

/**
 * GETs a metrics URL's text, refusing more than `maxBytes` or a wait over `timeoutMs`, so
 * one model server cannot hold or flood a worker.
 *
 * @internal
 */
export async function fetchExposition(
  url: string,
  limits: { timeoutMs: number; maxBytes: number },
): Promise<string> {
  const response = await fetch(url, {
    headers: { accept: 'text/plain;version=0.0.4;q=1,*/*;q=0.1' },
    signal: AbortSignal.timeout(limits.timeoutMs),
    redirect: 'error',
  });
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`${describeUrl(url)} answered ${response.status}`);
  }
  const declared = Number(response.headers.get('content-length'));
  const tooLarge = () =>
    new Error(
      `${describeUrl(url)} sent more than ${limits.maxBytes} bytes of metrics`,
    );
  if (declared > limits.maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let received = 0;
  const reader = response.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > limits.maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A URL for logs: no credentials or query string. @internal */
export function describeUrl(url: string): string {
  try {
    const { origin, pathname } = new URL(url);
    return `${origin}${pathname}`;
  } catch {
    return '(an invalid URL)';
  }
}
