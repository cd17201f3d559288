/**
 * P(K > x) for Kolmogorov's distribution K (the limit of √n·Dₙ): the asymptotic
 * p-value of a Kolmogorov–Smirnov statistic D once scaled by √(effective n).
 *
 * Two series, each where it converges in a handful of terms: for x ≥ 1 the alternating
 * 2·Σ (−1)^(k−1) e^(−2k²x²), which keeps small tails precise; below, Jacobi's form of the
 * distribution function √(2π)/x · Σ e^(−(2k−1)²π²/(8x²)), as 1 minus it.
 *
 * @internal
 */
export function kolmogorovSurvival(x: number): number {
  if (Number.isNaN(x)) throw new RangeError('kolmogorovSurvival of NaN');
  if (x <= 0) return 1;
  if (x < 1) {
    const w = -(Math.PI ** 2) / (8 * x * x);
    let cdf = 0;
    for (let k = 1; k <= 15; k += 2) {
      const term = Math.exp(k * k * w);
      cdf += term;
      if (term < 1e-17 * cdf) break;
    }
    return 1 - (Math.sqrt(2 * Math.PI) / x) * cdf;
  }
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * x * x);
    sum += k % 2 === 1 ? term : -term;
    if (term < 1e-17 * sum) break;
  }
  return Math.max(0, Math.min(1, 2 * sum));
}
