import { binomialUpperTail } from './binomial';

/** The tail by direct summation of C(n, i) p^i (1-p)^(n-i), for small n only. */
function directTail(k: number, n: number, p: number) {
  let sum = 0;
  for (let i = k; i <= n; i++) {
    let c = 1;
    for (let j = 0; j < i; j++) c = (c * (n - j)) / (j + 1);
    sum += c * p ** i * (1 - p) ** (n - i);
  }
  return sum;
}

describe('binomialUpperTail', () => {
  it.each([
    [3, 10, 0.1],
    [6, 47, 0.05],
    [9, 47, 0.05],
    [5, 30, 0.02],
    [25, 40, 0.3],
  ])('matches direct summation for k=%d n=%d p=%f', (k, n, p) => {
    expect(binomialUpperTail(k, n, p)).toBeCloseTo(directTail(k, n, p), 10);
  });

  it('matches reference values', () => {
    // SciPy 1.17: binom.sf(k - 1, n, p)
    expect(binomialUpperTail(8, 47, 0.05)).toBeCloseTo(0.0021323127, 9);
    expect(binomialUpperTail(60, 1000, 0.05)).toBeCloseTo(0.0867321784, 9);
    expect(binomialUpperTail(51_000, 1_000_000, 0.05)).toBeCloseTo(
      2.4113967e-6,
      12,
    );
    expect(binomialUpperTail(50_100, 1_000_000, 0.05)).toBeCloseTo(
      0.3238060621,
      6,
    );
  });

  it('answers 1 at or below the mean and 0 past n or at p = 0', () => {
    expect(binomialUpperTail(0, 10, 0.5)).toBe(1);
    expect(binomialUpperTail(11, 10, 0.5)).toBe(0);
    expect(binomialUpperTail(1, 10, 0)).toBe(0);
    expect(binomialUpperTail(3, 100, 0.05)).toBe(1);
  });
});
