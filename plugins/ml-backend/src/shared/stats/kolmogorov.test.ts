import { kolmogorovSurvival } from './kolmogorov';

describe('kolmogorovSurvival', () => {
  // SciPy 1.17: scipy.stats.kstwobign.sf(x)
  it.each([
    [0.2, 0.999999999999495],
    [0.5, 0.9639452436648751],
    [0.8, 0.5441424115741981],
    [0.99, 0.2808738392255489],
    [1.0, 0.26999967167735456],
    [1.2, 0.11224966667072497],
    [1.5, 0.022217962616525127],
    [2.0, 0.0006709252557796953],
  ])('matches SciPy at %f', (x, expected) => {
    expect(kolmogorovSurvival(x)).toBeCloseTo(expected, 12);
  });

  it('keeps small tails to their relative precision', () => {
    // SciPy 1.17: scipy.stats.kstwobign.sf(3.0), kstwobign.sf(4.0)
    expect(kolmogorovSurvival(3) / 3.045995948942526e-8).toBeCloseTo(1, 10);
    expect(kolmogorovSurvival(4) / 2.532833109818835e-14).toBeCloseTo(1, 10);
  });

  it('is continuous where it changes series, and 1 at or below 0', () => {
    expect(kolmogorovSurvival(1 - 1e-12)).toBeCloseTo(
      kolmogorovSurvival(1),
      10,
    );
    expect(kolmogorovSurvival(0)).toBe(1);
    expect(kolmogorovSurvival(-1)).toBe(1);
    expect(kolmogorovSurvival(40)).toBe(0);
  });
});
