import { InputError } from '@backstage/errors';
import { z } from 'zod';
import { binIndex } from './bins';

/**
 * The feature profile a training run logs with its model (`feature_profile.json` in
 * the model directory): the baseline that live traffic is compared with. The format is
 * documented in docs/feature-profile.md so that any client can write it.
 *
 * @internal
 */
export const FEATURE_PROFILE_FORMAT = 'ml-portal.feature-profile/v1';

/**
 * A numeric feature: summary, and the training values' counts per quantile bin.
 * `quantiles` are the bin edges, non-decreasing (see `bins.ts`: an edge repeated once
 * is an atom, a bin holding exactly that value); `counts[j]` is the number of values in
 * bin j. `count` values were present, `missing` were null or NaN.
 *
 * @internal
 */
export type NumericFeatureProfile = {
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

/**
 * A categorical feature: counts of the most frequent categories, the rest summed under
 * `__other__`.
 *
 * @internal
 */
export type CategoricalFeatureProfile = {
  name: string;
  kind: 'categorical';
  count: number;
  missing: number;
  frequencies: Record<string, number>;
};

/** @internal */
export type FeatureProfileEntry =
  | NumericFeatureProfile
  | CategoricalFeatureProfile;

/** @internal */
export type FeatureProfile = {
  format: typeof FEATURE_PROFILE_FORMAT;
  rows: number;
  features: FeatureProfileEntry[];
  prediction?: FeatureProfileEntry;
};

/** The category that holds every category past the most frequent ones. @internal */
export const OTHER_CATEGORY = '__other__';

/** Bounds on a profile, so that a posted one cannot hold the event loop. @internal */
export const FEATURE_PROFILE_LIMITS = {
  features: 1000,
  bins: 1000,
  categories: 1000,
  nameLength: 256,
  categoryLength: 1000,
} as const;

const DEFAULT_BINS = 10;
const DEFAULT_MAX_CATEGORIES = 100;

const count = z.number().int().min(0);
const nameSchema = z.string().min(1).max(FEATURE_PROFILE_LIMITS.nameLength);

const numericSchema = z.object({
  name: nameSchema,
  kind: z.literal('numeric'),
  count: count.min(1, 'a numeric feature needs at least one value'),
  missing: count,
  min: z.number(),
  max: z.number(),
  mean: z.number(),
  std: z.number().min(0),
  quantiles: z
    .array(z.number())
    .min(2, 'at least two edges')
    .max(
      FEATURE_PROFILE_LIMITS.bins + 1,
      `at most ${FEATURE_PROFILE_LIMITS.bins + 1} edges (1,000 bins)`,
    ),
  counts: z.array(count).max(FEATURE_PROFILE_LIMITS.bins, 'at most 1,000 bins'),
});

const categoricalSchema = z.object({
  name: nameSchema,
  kind: z.literal('categorical'),
  count,
  missing: count,
  frequencies: z.record(
    z.string().max(FEATURE_PROFILE_LIMITS.categoryLength),
    count,
  ),
});

const entrySchema = z.discriminatedUnion('kind', [
  numericSchema,
  categoricalSchema,
]);

const profileSchema = z.object({
  format: z.literal(FEATURE_PROFILE_FORMAT, {
    error: `expected '${FEATURE_PROFILE_FORMAT}'`,
  }),
  rows: count,
  features: z
    .array(entrySchema)
    .max(FEATURE_PROFILE_LIMITS.features, 'at most 1,000 features'),
  prediction: entrySchema.optional(),
});

function invalid(path: string, message: string): never {
  throw new InputError(`Invalid feature profile: ${path}: ${message}`);
}

/** The checks across fields that the schema cannot express. */
function checkEntry(
  entry: FeatureProfileEntry,
  path: string,
  rows: number,
): void {
  if (entry.count + entry.missing !== rows) {
    invalid(
      path,
      `count (${entry.count}) + missing (${entry.missing}) must equal rows (${rows})`,
    );
  }
  if (entry.kind === 'categorical') {
    const categories = Object.entries(entry.frequencies);
    if (categories.length > FEATURE_PROFILE_LIMITS.categories) {
      invalid(`${path}.frequencies`, 'at most 1,000 categories');
    }
    const sum = categories.reduce((total, [, n]) => total + n, 0);
    if (sum !== entry.count) {
      invalid(
        `${path}.frequencies`,
        `the counts sum to ${sum}, not to count (${entry.count})`,
      );
    }
    return;
  }
  const { quantiles: edges, counts } = entry;
  if (entry.min > entry.max) invalid(path, 'min is greater than max');
  if (counts.length !== edges.length - 1) {
    invalid(
      `${path}.counts`,
      `${counts.length} counts for ${
        edges.length
      } edges; expected one per bin (${edges.length - 1})`,
    );
  }
  for (let i = 1; i < edges.length; i++) {
    if (edges[i] < edges[i - 1]) {
      invalid(`${path}.quantiles`, `must be ascending (edge ${i} is smaller)`);
    }
    if (i >= 2 && edges[i] === edges[i - 2]) {
      invalid(
        `${path}.quantiles`,
        `the value ${edges[i]} appears more than twice (an atom is one repeated edge)`,
      );
    }
  }
  if (edges[0] < entry.min || edges[edges.length - 1] > entry.max) {
    invalid(`${path}.quantiles`, 'edges must lie within [min, max]');
  }
  const sum = counts.reduce((total, n) => total + n, 0);
  if (sum !== entry.count) {
    invalid(
      `${path}.counts`,
      `the counts sum to ${sum}, not to count (${entry.count})`,
    );
  }
}

/**
 * A feature profile from parsed JSON, or an InputError naming the first field that is
 * wrong (`features[2].quantiles: must be ascending ...`).
 *
 * @internal
 */
export function parseFeatureProfile(json: unknown): FeatureProfile {
  const parsed = profileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue.path
      .map((key, i) =>
        typeof key === 'number' ? `[${key}]` : `${i ? '.' : ''}${String(key)}`,
      )
      .join('');
    invalid(path || 'profile', issue.message);
  }
  const profile = parsed.data as FeatureProfile;
  const names = new Set<string>();
  const entries = profile.features.map(
    (entry, i): [FeatureProfileEntry, string] => [entry, `features[${i}]`],
  );
  if (profile.prediction) entries.push([profile.prediction, 'prediction']);
  for (const [entry, path] of entries) {
    if (names.has(entry.name)) {
      invalid(`${path}.name`, `'${entry.name}' is profiled twice`);
    }
    names.add(entry.name);
    checkEntry(entry, path, profile.rows);
  }
  return profile;
}

const isMissing = (value: unknown) =>
  value === null ||
  value === undefined ||
  (typeof value === 'number' && Number.isNaN(value));

/**
 * The p-quantile of sorted values by linear interpolation between order statistics
 * (numpy's default, `np.quantile(x, p)`).
 */
function quantileOfSorted(sorted: Float64Array, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  if (lo + 1 >= sorted.length) return sorted[sorted.length - 1];
  return sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]);
}

/**
 * Bin edges at the `bins`-quantiles of sorted values: equal quantiles collapse to one
 * value, listed twice (an atom, counted on its own) when several quantiles fell on it.
 *
 * @internal
 */
export function quantileEdges(sorted: Float64Array, bins: number): number[] {
  const candidates = Array.from({ length: bins + 1 }, (_, i) =>
    quantileOfSorted(sorted, i / bins),
  );
  // Interpolation may round one ulp past the next order statistic: keep them ascending.
  for (let i = 1; i < candidates.length; i++) {
    candidates[i] = Math.max(candidates[i], candidates[i - 1]);
  }
  const edges: number[] = [];
  for (let i = 0; i < candidates.length; ) {
    let next = i + 1;
    while (next < candidates.length && candidates[next] === candidates[i]) {
      next++;
    }
    edges.push(candidates[i]);
    if (next - i > 1) edges.push(candidates[i]);
    i = next;
  }
  // A single value that only one quantile fell on still needs a bin.
  if (edges.length === 1) edges.push(edges[0]);
  return edges;
}

function numericEntry(
  name: string,
  values: ArrayLike<number | string | null>,
  present: number,
  bins: number,
): NumericFeatureProfile {
  const sorted = new Float64Array(present);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    if (!isMissing(values[i])) sorted[n++] = values[i] as number;
  }
  sorted.sort();
  let sum = 0;
  for (const x of sorted) sum += x;
  const mean = sum / n;
  let squares = 0;
  for (const x of sorted) squares += (x - mean) ** 2;
  const quantiles = quantileEdges(sorted, bins);
  const counts = new Array<number>(quantiles.length - 1).fill(0);
  for (const x of sorted) counts[binIndex(quantiles, x)]++;
  return {
    name,
    kind: 'numeric',
    count: n,
    missing: values.length - n,
    min: sorted[0],
    max: sorted[n - 1],
    mean,
    // The population standard deviation (numpy's default, ddof=0).
    std: Math.sqrt(squares / n),
    quantiles,
    counts,
  };
}

function categoricalEntry(
  name: string,
  values: ArrayLike<number | string | null>,
  maxCategories: number,
): CategoricalFeatureProfile {
  const tally = new Map<string, number>();
  let present = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (isMissing(value)) continue;
    present++;
    const key = String(value);
    tally.set(key, (tally.get(key) ?? 0) + 1);
  }
  // Most frequent first; ties by name, so that a profile is the same on every run.
  const ranked = [...tally].sort(
    (a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1),
  );
  const kept = ranked.slice(0, maxCategories);
  const rest = ranked
    .slice(maxCategories)
    .reduce((total, [, n]) => total + n, 0);
  const frequencies = new Map(kept);
  if (rest > 0) {
    frequencies.set(
      OTHER_CATEGORY,
      (frequencies.get(OTHER_CATEGORY) ?? 0) + rest,
    );
  }
  return {
    name,
    kind: 'categorical',
    count: present,
    missing: values.length - present,
    frequencies: Object.fromEntries(frequencies),
  };
}

/**
 * The profile of a training set given by columns (all of the same length). A column is
 * numeric when every value present is a finite number, categorical otherwise (values
 * as strings); null, undefined and NaN are missing. Numeric columns get quantile bins
 * (`bins`, default 10) from the data, categorical ones their `maxCategories` (default
 * 100) most frequent categories. The column named `prediction` is profiled as the
 * model's output.
 *
 * @internal
 */
export function buildFeatureProfile(
  columns: Record<string, Array<number | string | null>>,
  options: { bins?: number; prediction?: string; maxCategories?: number } = {},
): FeatureProfile {
  const bins = options.bins ?? DEFAULT_BINS;
  const maxCategories = options.maxCategories ?? DEFAULT_MAX_CATEGORIES;
  if (
    !Number.isInteger(bins) ||
    bins < 1 ||
    bins > FEATURE_PROFILE_LIMITS.bins
  ) {
    throw new InputError(
      `bins must be an integer from 1 to 1,000, got ${bins}`,
    );
  }
  if (
    !Number.isInteger(maxCategories) ||
    maxCategories < 1 ||
    maxCategories >= FEATURE_PROFILE_LIMITS.categories
  ) {
    throw new InputError(
      `maxCategories must be an integer from 1 to 999, got ${maxCategories}`,
    );
  }
  const names = Object.keys(columns);
  if (options.prediction !== undefined && !names.includes(options.prediction)) {
    throw new InputError(
      `No column '${options.prediction}' for the prediction`,
    );
  }
  const rows = names.length ? columns[names[0]].length : 0;
  const entries = names.map(name => {
    const values = columns[name];
    if (values.length !== rows) {
      throw new InputError(
        `Column '${name}' has ${values.length} values; '${names[0]}' has ${rows}`,
      );
    }
    let present = 0;
    let numeric = true;
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      if (isMissing(value)) continue;
      present++;
      if (typeof value !== 'number' || !Number.isFinite(value)) numeric = false;
    }
    return numeric && present > 0
      ? numericEntry(name, values, present, bins)
      : categoricalEntry(name, values, maxCategories);
  });
  const profile: FeatureProfile = {
    format: FEATURE_PROFILE_FORMAT,
    rows,
    features: entries.filter(entry => entry.name !== options.prediction),
  };
  const prediction = entries.find(entry => entry.name === options.prediction);
  if (prediction) profile.prediction = prediction;
  // The same checks as a posted profile: more than 1,000 columns or a name too long
  // fail here, not where the profile is read back.
  return parseFeatureProfile(profile);
}
