import {
  addPoint,
  emptyTier,
  Point,
  sortedDistinct,
  TierRow,
  TIERS,
  tierRows,
} from './metricChunks';

/** The definition: every point folded into its bucket of every tier. */
function foldEachTier(points: Point[]): TierRow[] {
  const rows: TierRow[] = [];
  for (const { tier, width } of TIERS) {
    const byBucket = new Map<number, TierRow>();
    for (const p of points) {
      const bucket = Math.floor(p.step / width);
      let row = byBucket.get(bucket);
      if (!row) {
        row = emptyTier(tier, bucket);
        byBucket.set(bucket, row);
        rows.push(row);
      }
      addPoint(row, p);
    }
  }
  return rows;
}

/** A seeded generator, so a failure repeats. */
function random(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

/** Mostly the next step; sometimes a jump past several buckets, or the same step. */
function stepAfter(step: number, r: number, jump: number) {
  if (r < 0.05) return step + Math.floor(jump * 200_000);
  return r < 0.15 ? step : step + 1;
}

/** Mostly a number in [0, 1); sometimes NaN or an infinity. */
function valueOf(v: number) {
  if (v < 0.03) return NaN;
  if (v < 0.04) return Infinity;
  return v < 0.05 ? -Infinity : v;
}

describe('tierRows', () => {
  it.each([1, 2, 3, 4, 5])(
    'equals folding every point into every tier (series %i: gaps, repeated steps, NaN, ±Infinity, negative steps)',
    seed => {
      const next = random(seed);
      const points: Point[] = [];
      let step = Math.floor(next() * 2000) - 1000;
      for (let i = 0; i < 3000; i++) {
        step = stepAfter(step, next(), next());
        points.push({
          step,
          timestamp: Math.floor(next() * 10),
          value: valueOf(next()),
        });
      }
      const ordered = sortedDistinct(points);
      expect(tierRows(ordered)).toEqual(foldEachTier(ordered));
    },
  );

  it('keeps a bucket of NaN only as a count, and answers nothing for no points', () => {
    const rows = tierRows([
      { step: 1, timestamp: 1, value: NaN },
      { step: 2, timestamp: 1, value: NaN },
    ]);
    expect(rows).toHaveLength(TIERS.length);
    for (const row of rows) {
      expect(row).toMatchObject({
        bucket: 0,
        point_count: 2,
        min_value: null,
        first_step: null,
        last_value: null,
      });
    }
    expect(tierRows([])).toEqual([]);
  });
});
