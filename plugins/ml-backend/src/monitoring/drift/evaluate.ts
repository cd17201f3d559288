import { binLabels } from './bins';
import {
  binAndTest,
  chiSquareHomogeneity,
  populationStabilityIndex,
  shares,
} from './metrics';
import {
  CategoricalFeatureProfile,
  FeatureProfile,
  FeatureProfileEntry,
  NumericFeatureProfile,
  OTHER_CATEGORY,
} from './profile';

/**
 * When a feature counts as drifting: PSI levels, and the p-value below which its test
 * (Kolmogorov–Smirnov for numeric, chi-square for categorical) says the difference is
 * more than sampling noise.
 *
 * @internal
 */
export type DriftThresholds = {
  psiWarn: number;
  psiAlert: number;
  pValue: number;
};

/** @internal */
export const DEFAULT_DRIFT_THRESHOLDS: DriftThresholds = {
  psiWarn: 0.1,
  psiAlert: 0.25,
  pValue: 0.01,
};

/** @internal */
export type DriftStatus = 'ok' | 'warn' | 'alert';

/**
 * One feature's (or the prediction's) drift in a window. `baseline` and `live` are
 * shares over the same bins or categories, for a page to draw both histograms.
 *
 * @internal
 */
export type FeatureDrift = {
  feature: string;
  kind: 'numeric' | 'categorical';
  prediction: boolean;
  /** Live values present (missing ones are not counted). */
  samples: number;
  psi: number;
  ks?: { statistic: number; pValue: number };
  chiSquare?: { statistic: number; dof: number; pValue: number };
  status: DriftStatus;
  baseline: { labels: string[]; shares: number[] };
  live: { labels: string[]; shares: number[] };
};

/** @internal */
export type DriftThresholdOptions = Partial<DriftThresholds> & {
  perFeature?: Record<string, Partial<DriftThresholds>>;
};

/**
 * The status of a feature: PSI gives the level (≥ psiAlert 'alert', ≥ psiWarn 'warn'),
 * and the test must agree that the live sample differs (p-value < pValue), or the
 * status is 'ok'. PSI alone is noisy on a small window (with 10 bins and 100 live
 * values it reaches 0.1 by chance alone), a p-value alone is tiny for any trivial shift
 * in a large one; together, a small p-value counts only where PSI is at least psiWarn.
 *
 * @internal
 */
export function driftStatus(
  psi: number,
  pValue: number,
  thresholds: DriftThresholds,
): DriftStatus {
  if (!(pValue < thresholds.pValue)) return 'ok';
  if (psi >= thresholds.psiAlert) return 'alert';
  if (psi >= thresholds.psiWarn) return 'warn';
  return 'ok';
}

/** A live value of a numeric feature, or undefined where it is missing or not a number. */
function numericValue(value: unknown): number | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value) ? value : undefined;
  }
  // Scoring requests may carry numbers as strings, as MLflow's servers accept them.
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** `base` with the thresholds `over` sets (an undefined one keeps the base's). */
function withDefined(
  base: DriftThresholds,
  over: Partial<DriftThresholds>,
): DriftThresholds {
  const merged = { ...base };
  for (const key of ['psiWarn', 'psiAlert', 'pValue'] as const) {
    const value = over[key];
    if (value !== undefined) merged[key] = value;
  }
  return merged;
}

type Measured = Omit<FeatureDrift, 'feature' | 'prediction' | 'status'>;

function numericDrift(
  entry: NumericFeatureProfile,
  values: ArrayLike<unknown>,
): Measured | undefined {
  const present = new Float64Array(values.length);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const x = numericValue(values[i]);
    if (x !== undefined) present[n++] = x;
  }
  if (n === 0) return undefined;
  const { counts, ks } = binAndTest(
    entry.quantiles,
    entry.counts,
    present.subarray(0, n),
  );
  const labels = binLabels(entry.quantiles);
  const expected = shares(entry.counts);
  const actual = shares(counts);
  return {
    kind: 'numeric',
    samples: n,
    psi: populationStabilityIndex(expected, actual),
    ks,
    baseline: { labels, shares: expected },
    live: { labels, shares: actual },
  };
}

function categoricalDrift(
  entry: CategoricalFeatureProfile,
  values: ArrayLike<unknown>,
): Measured | undefined {
  const labels = Object.keys(entry.frequencies);
  const index = new Map(labels.map((label, i) => [label, i]));
  const baselineCounts = labels.map(label => entry.frequencies[label]);
  const liveCounts = new Array<number>(labels.length).fill(0);
  let other = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === null || value === undefined || Number.isNaN(value)) continue;
    n++;
    const j = index.get(String(value));
    if (j === undefined) other++;
    else liveCounts[j]++;
  }
  if (n === 0) return undefined;
  // Categories the baseline does not list are its rest, `__other__`, which the baseline
  // gains (empty) where its training set had no more categories than it kept.
  if (other > 0) {
    let j = index.get(OTHER_CATEGORY);
    if (j === undefined) {
      j = labels.push(OTHER_CATEGORY) - 1;
      baselineCounts.push(0);
      liveCounts.push(0);
    }
    liveCounts[j] += other;
  }
  const expected = shares(baselineCounts);
  const actual = shares(liveCounts);
  return {
    kind: 'categorical',
    samples: n,
    psi: populationStabilityIndex(expected, actual),
    chiSquare: chiSquareHomogeneity(baselineCounts, liveCounts),
    baseline: { labels, shares: expected },
    live: { labels, shares: actual },
  };
}

/**
 * The drift of each profiled feature, and of the prediction where the profile has one,
 * in a window of live values given by column (the prediction's column under its name).
 * Features without live values are left out, as are live columns the profile does not
 * know and features whose baseline had no values. Thresholds: the defaults, overridden
 * by `thresholds`, overridden per feature by `thresholds.perFeature[name]`.
 *
 * Cost: O(n log k) per numeric feature of k bins, O(n) per categorical one.
 *
 * @internal
 */
export function evaluateDrift(
  profile: FeatureProfile,
  live: Record<string, ArrayLike<number | string | null>>,
  thresholds: DriftThresholdOptions = {},
): FeatureDrift[] {
  const { perFeature, ...overall } = thresholds;
  const entries: Array<[FeatureProfileEntry, boolean]> = profile.features.map(
    entry => [entry, false],
  );
  if (profile.prediction) entries.push([profile.prediction, true]);
  const results: FeatureDrift[] = [];
  for (const [entry, prediction] of entries) {
    if (entry.count === 0 || !Object.hasOwn(live, entry.name)) continue;
    const values = live[entry.name];
    const measured =
      entry.kind === 'numeric'
        ? numericDrift(entry, values)
        : categoricalDrift(entry, values);
    if (!measured) continue;
    const own =
      perFeature && Object.hasOwn(perFeature, entry.name)
        ? perFeature[entry.name]
        : {};
    const limits = withDefined(
      withDefined(DEFAULT_DRIFT_THRESHOLDS, overall),
      own,
    );
    const pValue = measured.ks?.pValue ?? measured.chiSquare?.pValue ?? 1;
    results.push({
      feature: entry.name,
      prediction,
      ...measured,
      status: driftStatus(measured.psi, pValue, limits),
    });
  }
  return results;
}
