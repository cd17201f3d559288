import {
  binAndTest,
  chiSquareHomogeneity,
  populationStabilityIndex,
  PSI_EPSILON,
} from './metrics';
import { buildFeatureProfile, NumericFeatureProfile } from './profile';
import { normalSample } from './__testUtils__/samples';

describe('populationStabilityIndex', () => {
  it('matches the definition', () => {
    // NumPy: e, a = [.1, .2, .3, .4], [.25] * 4; np.sum((a - e) * np.log(a / e))
    expect(
      populationStabilityIndex([0.1, 0.2, 0.3, 0.4], [0.25, 0.25, 0.25, 0.25]),
    ).toBeCloseTo(0.22821740957339184, 14);
    expect(populationStabilityIndex([0.5, 0.5], [0.5, 0.5])).toBe(0);
  });

  it('stands epsilon in for an empty bin instead of answering infinity', () => {
    const psi = populationStabilityIndex([0.5, 0.5, 0], [0.5, 0.4, 0.1]);
    expect(psi).toBeCloseTo(
      -0.1 * Math.log(0.4 / 0.5) +
        (0.1 - PSI_EPSILON) * Math.log(0.1 / PSI_EPSILON),
      14,
    );
  });
});

describe('binAndTest', () => {
  // The reference: the gaps between the live ECDF and the baseline's shares at the
  // baseline's edges, with NumPy, and SciPy 1.17's Kolmogorov distribution:
  //   ds = [np.mean(live < edges[0]), np.mean(live > edges[-1])] +
  //        [abs(np.mean(live < e_j) - cum[j]) for each inner edge e_j]  (<= after an atom)
  //   d = max(ds); stats.kstwobign.sf(np.sqrt(n * m / (n + m)) * d)
  it('matches the reference on interval bins', () => {
    const live = [-0.5, 0.3, 0.8, 1.2, 1.5, 2.2, 2.5, 2.9, 3.5, 4.0, 4.5, 6.0];
    const { counts, ks } = binAndTest(
      [0, 1, 2, 3, 5],
      [10, 20, 55, 15],
      Float64Array.from(live),
    );
    expect(counts).toEqual([3, 2, 3, 4]);
    // Below 3: 8 of 12 live values against 85% of the baseline's.
    expect(ks.statistic).toBeCloseTo(0.85 - 8 / 12, 14);
    expect(ks.pValue).toBeCloseTo(0.8641514012039933, 12);
  });

  it('steps at an atom: live values equal to it are not a deviation', () => {
    // The baseline holds 30% at exactly 2 (edges 2, 2), and four of fifteen live values
    // are 2: below 2, 5/15 against 30%; up to 2, 9/15 against 60%. The largest gap is
    // below 3: 11/15 against 85%.
    const live = [
      -0.5, 0.3, 0.8, 1.2, 1.5, 2, 2, 2, 2, 2.5, 2.9, 3.5, 4.0, 4.5, 6.0,
    ];
    const { counts, ks } = binAndTest(
      [0, 1, 2, 2, 3, 5],
      [10, 20, 30, 25, 15],
      Float64Array.from(live),
    );
    expect(counts).toEqual([3, 2, 4, 2, 4]);
    expect(ks.statistic).toBeCloseTo(0.85 - 11 / 15, 14);
    expect(ks.pValue).toBeCloseTo(0.9942913822695534, 12);
  });

  it('counts live values outside the range of the baseline as a gap', () => {
    // A third of the live values above the baseline's maximum.
    const { counts, ks } = binAndTest(
      [0, 1, 2],
      [50, 50],
      Float64Array.from([0.5, 1.5, 9]),
    );
    expect(counts).toEqual([1, 2]);
    expect(ks.statistic).toBeCloseTo(1 / 3, 14);
  });

  it('finds the distance between two normal distributions from binned baselines', () => {
    const baseline = buildFeatureProfile(
      { x: normalSample(20_000, 1) },
      { bins: 100 },
    ).features[0] as NumericFeatureProfile;
    const { ks } = binAndTest(
      baseline.quantiles,
      baseline.counts,
      Float64Array.from(normalSample(20_000, 2, 0.3)),
    );
    // SciPy 1.17: 2 * stats.norm.cdf(0.15) - 1, the largest gap between the CDFs of
    // N(0, 1) and N(0.3, 1), at -0.15, within 0.01 of the percentile edges; sampling
    // moves it by about 1/sqrt(10,000).
    expect(Math.abs(ks.statistic - 0.119235384740485)).toBeLessThan(0.015);
    expect(ks.pValue).toBeLessThan(1e-50);
  });
});

describe('chiSquareHomogeneity', () => {
  it('matches SciPy, with a category only the live sample has', () => {
    // SciPy 1.17: stats.chi2_contingency([[500, 300, 200, 0], [280, 310, 400, 10]],
    // correction=False)
    const result = chiSquareHomogeneity(
      [500, 300, 200, 0],
      [280, 310, 400, 10],
    );
    expect(result.statistic).toBeCloseTo(138.88188314417823, 10);
    expect(result.dof).toBe(3);
    expect(result.pValue / 6.584747123151875e-30).toBeCloseTo(1, 8);
  });

  it('finds no difference in proportional counts', () => {
    // SciPy 1.17: stats.chi2_contingency([[50, 30, 20], [45, 33, 22]], correction=False)
    const result = chiSquareHomogeneity([50, 30, 20], [45, 33, 22]);
    expect(result.statistic).toBeCloseTo(0.5012531328320802, 12);
    expect(result.pValue).toBeCloseTo(0.7783129654969605, 12);
  });

  it('has nothing to test with one category', () => {
    expect(chiSquareHomogeneity([10, 0], [5, 0])).toEqual({
      statistic: 0,
      dof: 0,
      pValue: 1,
    });
  });
});
