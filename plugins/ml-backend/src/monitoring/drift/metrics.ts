import { chiSquareSurvival } from '../../shared/stats/chiSquare';
import { kolmogorovSurvival } from '../../shared/stats/kolmogorov';
import { binIndex } from './bins';

/**
 * The share that stands in for an empty bin in PSI: ln(a/e) is infinite when either
 * share is 0, and one live value in a bin the baseline never saw is no reason for an
 * infinite index. 1e-4 (as Evidently's default) caps one empty bin's term at about
 * share × 9.2.
 *
 * @internal
 */
export const PSI_EPSILON = 1e-4;

/**
 * The population stability index of `actual` against `expected`, both shares over the
 * same bins (each summing to 1): Σ (a − e) · ln(a / e), with shares below
 * `PSI_EPSILON` raised to it.
 *
 * @internal
 */
export function populationStabilityIndex(
  expected: ArrayLike<number>,
  actual: ArrayLike<number>,
): number {
  if (expected.length !== actual.length) {
    throw new RangeError(
      `PSI needs shares over the same bins, got ${expected.length} and ${actual.length}`,
    );
  }
  let psi = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.max(expected[i], PSI_EPSILON);
    const a = Math.max(actual[i], PSI_EPSILON);
    psi += (a - e) * Math.log(a / e);
  }
  return psi;
}

/** Counts divided by their total. @internal */
export function shares(counts: ArrayLike<number>): number[] {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i];
  return Array.from(counts, n => (total > 0 ? n / total : 0));
}

/** @internal */
export type KolmogorovSmirnov = { statistic: number; pValue: number };

/**
 * A live sample binned on a baseline's bins, with the Kolmogorov–Smirnov test of it
 * against the baseline, in one pass: O(n log k) for n values and k bins, no sort.
 *
 * The baseline's distribution function is known exactly only at its bin edges (and on
 * both sides of an atom); inside a bin, any shape fits the profile. D is therefore
 * taken at the edges: the largest gap between the live and the baseline share of
 * values below an edge, with the live values below the first edge or above the last
 * (the baseline has none there) as gaps of their own. That is the smallest D that any
 * training set with these bins could give, so the test never reports a difference the
 * profile cannot show. Interpolating the baseline linearly inside its bins instead
 * made identical samples of a normal distribution look different (10 decile bins,
 * 20,000 against 10,000 values: D = 0.05, p = 2e-17, from the outer bins, whose extent
 * is set by one extreme value each) and integer-valued features worse.
 *
 * The p-value is the asymptotic two-sample one, Kolmogorov's distribution at
 * √(n·m/(n+m))·D with n live and m baseline values: the baseline is a sample too, so
 * a small training set makes the test less sure, not more. Taken at fewer points than
 * every value, D is at most the full statistic, and the p-value errs towards 'no
 * difference'.
 *
 * @internal
 */
export function binAndTest(
  edges: ArrayLike<number>,
  baselineCounts: ArrayLike<number>,
  live: ArrayLike<number>,
): { counts: number[]; ks: KolmogorovSmirnov } {
  const bins = edges.length - 1;
  const first = edges[0];
  const last = edges[bins];
  const n = live.length;
  const counts = new Array<number>(bins).fill(0);
  let below = 0;
  let above = 0;
  for (let i = 0; i < n; i++) {
    const x = live[i];
    counts[binIndex(edges, x)]++;
    if (x < first) below++;
    else if (x > last) above++;
  }
  let m = 0;
  for (let j = 0; j < bins; j++) m += baselineCounts[j];
  let d = Math.max(below, above) / n;
  // Below the edge between bins j - 1 and j: the shares of both sides.
  let baselineBefore = 0;
  let liveBefore = 0;
  for (let j = 1; j < bins; j++) {
    baselineBefore += baselineCounts[j - 1];
    liveBefore += counts[j - 1];
    d = Math.max(d, Math.abs(liveBefore / n - baselineBefore / m));
  }
  const effectiveN = (n * m) / (n + m);
  return {
    counts,
    ks: { statistic: d, pValue: kolmogorovSurvival(Math.sqrt(effectiveN) * d) },
  };
}

/** @internal */
export type ChiSquare = { statistic: number; dof: number; pValue: number };

/**
 * Pearson's chi-square test that the live counts and the baseline's counts over the
 * same categories come from one distribution (a 2 × k contingency table, as
 * `scipy.stats.chi2_contingency(..., correction=False)`). The baseline is a sample, so
 * a category it never saw is evidence in proportion to the live count, not an infinite
 * statistic. Categories neither side has are left out; dof = categories − 1, and with
 * fewer than two categories there is nothing to test (statistic 0, p-value 1).
 *
 * @internal
 */
export function chiSquareHomogeneity(
  baselineCounts: ArrayLike<number>,
  liveCounts: ArrayLike<number>,
): ChiSquare {
  let baselineTotal = 0;
  let liveTotal = 0;
  let categories = 0;
  for (let i = 0; i < baselineCounts.length; i++) {
    baselineTotal += baselineCounts[i];
    liveTotal += liveCounts[i];
    if (baselineCounts[i] + liveCounts[i] > 0) categories++;
  }
  const total = baselineTotal + liveTotal;
  if (categories < 2 || baselineTotal === 0 || liveTotal === 0) {
    return { statistic: 0, dof: Math.max(0, categories - 1), pValue: 1 };
  }
  let statistic = 0;
  for (let i = 0; i < baselineCounts.length; i++) {
    const column = baselineCounts[i] + liveCounts[i];
    if (column === 0) continue;
    const expectedBaseline = (baselineTotal * column) / total;
    const expectedLive = (liveTotal * column) / total;
    statistic +=
      (baselineCounts[i] - expectedBaseline) ** 2 / expectedBaseline +
      (liveCounts[i] - expectedLive) ** 2 / expectedLive;
  }
  const dof = categories - 1;
  return { statistic, dof, pValue: chiSquareSurvival(statistic, dof) };
}
