import { prng } from '../../../__testUtils__/prng';

/**
 * `n` draws from N(mean, sd²), by Box–Muller on the seeded PRNG: the same values on
 * every run.
 *
 * @internal
 */
export function normalSample(
  n: number,
  seed: number,
  mean = 0,
  sd = 1,
): number[] {
  const random = prng(seed);
  return Array.from(
    { length: n },
    () =>
      mean +
      sd *
        Math.sqrt(-2 * Math.log(1 - random())) *
        Math.cos(2 * Math.PI * random()),
  );
}

/**
 * `n` draws of categories with the given probabilities (summing to 1).
 *
 * @internal
 */
export function categoricalSample(
  n: number,
  seed: number,
  probabilities: Record<string, number>,
): string[] {
  const random = prng(seed);
  const entries = Object.entries(probabilities);
  return Array.from({ length: n }, () => {
    let u = random();
    for (const [category, p] of entries) {
      if (u < p) return category;
      u -= p;
    }
    return entries[entries.length - 1][0];
  });
}
