import { chiSquareSurvival } from './chiSquare';
import { logGamma, regularizedUpperGamma } from './gamma';

describe('chiSquareSurvival', () => {
  // SciPy 1.17: scipy.stats.chi2.sf(x, dof)
  it.each([
    [0.5, 1, 0.47950012218695337],
    [3.84, 1, 0.05004352124870519],
    [10, 3, 0.01856613546304325],
    [2, 5, 0.8491450360846096],
    [50, 30, 0.01240206071890054],
    [0.001, 4, 0.9999998750416589],
    [0.1, 0.5, 0.48344467916953426],
    [1000, 999, 0.48513148927490146],
  ])('matches SciPy at x=%f, dof=%f', (x, dof, expected) => {
    expect(chiSquareSurvival(x, dof)).toBeCloseTo(expected, 11);
  });

  it('keeps small tails to their relative precision', () => {
    // SciPy 1.17: scipy.stats.chi2.sf(200, 100), chi2.sf(30, 2), chi2.sf(150, 10)
    expect(chiSquareSurvival(200, 100) / 1.1784500720979781e-8).toBeCloseTo(
      1,
      9,
    );
    expect(chiSquareSurvival(30, 2) / 3.0590232050182594e-7).toBeCloseTo(1, 9);
    expect(chiSquareSurvival(150, 10) / 3.727485055062505e-27).toBeCloseTo(
      1,
      9,
    );
  });

  it('is 1 at 0 and refuses a dof that is not positive', () => {
    expect(chiSquareSurvival(0, 3)).toBe(1);
    expect(() => chiSquareSurvival(1, 0)).toThrow(RangeError);
  });
});

describe('logGamma and regularizedUpperGamma', () => {
  // SciPy 1.17: scipy.special.gammaln(a)
  it.each([
    [0.5, 0.5723649429247],
    [1, 0],
    [3.7, 1.428072326665388],
    [10, 12.801827480081469],
    [100.5, 361.43554046777757],
  ])('ln Γ(%f)', (a, expected) => {
    expect(logGamma(a)).toBeCloseTo(expected, 11);
  });

  it('is e^-x at a = 1 on both sides of a + 1', () => {
    for (const x of [0.3, 1.9, 2.1, 7, 30]) {
      expect(regularizedUpperGamma(1, x)).toBeCloseTo(Math.exp(-x), 14);
    }
  });
});
