/** ln(n!) exactly below 20, by Stirling's series above (error under 1e-12 there). */
function logFactorial(n: number): number {
  if (n < 20) {
    let sum = 0;
    for (let i = 2; i <= n; i++) sum += Math.log(i);
    return sum;
  }
  return (
    n * Math.log(n) -
    n +
    0.5 * Math.log(2 * Math.PI * n) +
    1 / (12 * n) -
    1 / (360 * n ** 3)
  );
}

/**
 * P(X ≥ k) for X ~ Binomial(n, p): the one-sided p-value of seeing `k` or more
 * "bad" outcomes in `n` trials when each is bad with probability at most `p`.
 *
 * Exact where it matters, for k above the mean, summing terms from k upwards until
 * they stop adding anything (they shrink geometrically past the mode, so a few dozen
 * terms even for millions of trials). At or below the mean it answers 1: such a count
 * is never evidence of a rate above `p`.
 */
export function binomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0 || p >= 1) return 1;
  if (k > n || p <= 0) return 0;
  if (k <= n * p) return 1;
  const logRatio = Math.log(p) - Math.log1p(-p);
  let term = Math.exp(
    logFactorial(n) -
      logFactorial(k) -
      logFactorial(n - k) +
      k * Math.log(p) +
      (n - k) * Math.log1p(-p),
  );
  let sum = 0;
  for (let i = k; i <= n && term > 0; i++) {
    sum += term;
    if (term < sum * 1e-15) break;
    term *= ((n - i) / (i + 1)) * Math.exp(logRatio);
  }
  return Math.min(1, sum);
}
