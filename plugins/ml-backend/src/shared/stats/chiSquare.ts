import { regularizedUpperGamma } from './gamma';

/**
 * P(X ≥ x) for X ~ χ²(dof): the p-value of a chi-square statistic, Q(dof/2, x/2).
 *
 * @internal
 */
export function chiSquareSurvival(x: number, dof: number): number {
  if (!(dof > 0)) {
    throw new RangeError(`chiSquareSurvival needs dof > 0, got ${dof}`);
  }
  if (x <= 0) return 1;
  return regularizedUpperGamma(dof / 2, x / 2);
}
