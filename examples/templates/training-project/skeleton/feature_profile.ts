/**
 * A feature profile writer for numeric columns, in the documented format
 * (docs/feature-profile.md, `ml-portal.feature-profile/v1`): what any client, in any
 * language, writes next to its model as `feature_profile.json`, so that the portal can
 * compare an endpoint's live traffic with the training data. No dependencies; the
 * portal's own builder (plugins/ml-backend/src/monitoring/drift/profile.ts) gives the
 * same profile for the same numeric columns, which its tests check. Categorical
 * columns would be `{ kind: 'categorical', frequencies: { <category>: <count> } }`.
 */

export const FEATURE_PROFILE_FORMAT = 'ml-portal.feature-profile/v1';

type NumericEntry = {
  name: string;
  kind: 'numeric';
  count: number;
  missing: number;
  min: number;
  max: number;
  mean: number;
  std: number;
  quantiles: number[];
  counts: number[];
};

/** np.quantile(sorted, p): linear interpolation between order statistics. */
function quantile(sorted: Float64Array, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  return lo + 1 >= sorted.length ? sorted[lo] : sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]);
}

/**
 * Edges at the deciles (or `bins`-quantiles); a value several quantiles fall on is an
 * atom, listed twice: a bin of its own holding exactly that value.
 */
function edgesOf(sorted: Float64Array, bins: number): number[] {
  const q: number[] = [];
  for (let i = 0; i <= bins; i++) q.push(Math.max(quantile(sorted, i / bins), q[i - 1] ?? -Infinity));
  const edges: number[] = [];
  for (let i = 0; i < q.length; ) {
    let next = i + 1;
    while (next < q.length && q[next] === q[i]) next++;
    edges.push(q[i]);
    if (next - i > 1) edges.push(q[i]);
    i = next;
  }
  if (edges.length === 1) edges.push(edges[0]);
  return edges;
}

/**
 * The bin of x: [e_j, e_j+1), the last closed, an atom (two equal edges) holding its
 * value; below the first edge the first bin, above the last the last.
 */
function binOf(edges: number[], x: number): number {
  let j = edges.length - 1;
  while (j > 0 && edges[j] > x) j--;
  if (edges[j] > x) return 0;
  if (j >= edges.length - 1) return edges.length - 2;
  return j >= 1 && edges[j - 1] === x ? j - 1 : j;
}

function numericEntry(name: string, values: Array<number | null>, bins: number): NumericEntry {
  const present = values.filter((v): v is number => v !== null && !Number.isNaN(v));
  if (present.length === 0) throw new Error(`Column ${name} has no values`);
  const sorted = Float64Array.from(present).sort();
  const n = sorted.length;
  const mean = sorted.reduce((s, v) => s + v, 0) / n;
  const quantiles = edgesOf(sorted, bins);
  const counts = new Array(quantiles.length - 1).fill(0);
  for (const x of sorted) counts[binOf(quantiles, x)]++;
  return {
    name,
    kind: 'numeric',
    count: n,
    missing: values.length - n,
    min: sorted[0],
    max: sorted[n - 1],
    mean,
    std: Math.sqrt(sorted.reduce((s, v) => s + (v - mean) ** 2, 0) / n),
    quantiles,
    counts,
  };
}

/**
 * The profile of numeric training columns (all of one length), the column named
 * `prediction` profiled as the model's output.
 */
export function featureProfile(
  columns: Record<string, Array<number | null>>,
  options: { bins?: number; prediction?: string } = {},
) {
  const bins = options.bins ?? 10;
  const entries = Object.entries(columns).map(([name, values]) => numericEntry(name, values, bins));
  const prediction = entries.find(e => e.name === options.prediction);
  return {
    format: FEATURE_PROFILE_FORMAT,
    rows: Object.values(columns)[0]?.length ?? 0,
    features: entries.filter(e => e !== prediction),
    ...(prediction && { prediction }),
  };
}
