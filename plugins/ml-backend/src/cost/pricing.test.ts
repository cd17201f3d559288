import { ConfigReader } from '@backstage/config';
import { PriceBook, PriceEntry } from './priceBook';
import { priceAttempt } from './pricing';

const at = (iso: string) => Date.parse(iso);
const HOUR = 3_600_000;

function book(data: object = {}, pools: any[] = []) {
  return PriceBook.fromConfig(new ConfigReader({ ml: { cost: data } }), pools);
}

const h100Aws = (b: PriceBook) =>
  b.historyFor({
    pool: 'p',
    provider: 'aws',
    gpuType: 'H100',
    region: 'us-east-1',
  });

describe('pricing attempts', () => {
  it('prices on-demand GPU time from the list prices, in integer micro-dollars', () => {
    const [slice] = priceAttempt({
      startMs: at('2026-11-02T10:00:00Z'),
      endMs: at('2026-11-02T11:30:00Z'),
      gpus: 8,
      spot: false,
      prices: h100Aws(book()),
    });
    // 8 GPUs × 1.5 h × $8.00
    expect(slice).toMatchObject({
      day: '2026-11-02',
      month: '2026-11',
      gpuSeconds: 8 * 5400,
      costMicros: 96_000_000,
      listCostMicros: 96_000_000,
    });
  });

  it('cuts an attempt at UTC midnight and at the month end', () => {
    const slices = priceAttempt({
      startMs: at('2026-10-31T22:00:00Z'),
      endMs: at('2026-11-01T01:00:00Z'),
      gpus: 1,
      spot: false,
      prices: h100Aws(book()),
    });
    expect(
      slices.map(s => [s.day, s.month, s.gpuSeconds, s.costMicros]),
    ).toEqual([
      ['2026-10-31', '2026-10', 7200, 16_000_000],
      ['2026-11-01', '2026-11', 3600, 8_000_000],
    ]);
  });

  it('uses UTC days whatever the local time zone says', () => {
    // 23:30 in New York on Nov 1 is already Nov 2 in UTC.
    const slices = priceAttempt({
      startMs: at('2026-11-01T23:30:00-05:00'),
      endMs: at('2026-11-02T00:30:00-05:00'),
      gpus: 1,
      spot: false,
      prices: h100Aws(book()),
    });
    expect(slices.map(s => s.day)).toEqual(['2026-11-02']);
  });

  it('applies a price change from its effective date, mid-attempt, and never before', () => {
    const b = book({
      prices: [
        {
          provider: 'aws',
          gpuType: 'H100',
          gpuHourUsd: 8,
          effectiveFrom: '2026-01-01',
        },
        {
          provider: 'aws',
          gpuType: 'H100',
          gpuHourUsd: 6,
          effectiveFrom: '2026-11-15',
        },
      ],
    });
    const slices = priceAttempt({
      startMs: at('2026-11-14T23:00:00Z'),
      endMs: at('2026-11-15T02:00:00Z'),
      gpus: 2,
      spot: false,
      prices: h100Aws(b),
    });
    expect(slices.map(s => [s.day, s.costMicros])).toEqual([
      ['2026-11-14', 16_000_000], // 2 GPUs × 1 h × $8
      ['2026-11-15', 24_000_000], // 2 GPUs × 2 h × $6
    ]);
  });

  it('prices spot time at the spot price, and reports the saving against on demand', () => {
    const b = book({ spotDiscount: 0.6 });
    const [slice] = priceAttempt({
      startMs: at('2026-11-03T00:00:00Z'),
      endMs: at('2026-11-03T10:00:00Z'),
      gpus: 4,
      spot: true,
      prices: b.historyFor({ pool: 'x', provider: 'aws', gpuType: 'A10G' }),
    });
    expect(slice.costMicros).toBe(16_000_000); // 40 GPU-h × $0.40
    expect(slice.listCostMicros).toBe(40_000_000);
  });

  it('bills a preempted attempt for the time it ran', () => {
    const slices = priceAttempt({
      startMs: at('2026-11-03T00:00:00Z'),
      endMs: at('2026-11-03T00:20:00Z'),
      gpus: 1,
      spot: true,
      prices: book({
        prices: [{ pool: 'spot-a10', gpuHourUsd: 1, spotGpuHourUsd: 0.33 }],
      }).historyFor({
        pool: 'spot-a10',
        gpuType: 'A10G',
      }),
    });
    expect(slices[0].costMicros).toBe(110_000); // 1/3 h × $0.33
  });

  it('bills only the billable fraction where a managed platform reports it', () => {
    const [slice] = priceAttempt({
      startMs: at('2026-11-03T00:00:00Z'),
      endMs: at('2026-11-03T01:00:00Z'),
      gpus: 1,
      spot: false,
      billedFraction: 0.25,
      prices: h100Aws(book()),
    });
    expect(slice.costMicros).toBe(2_000_000);
    expect(slice.listCostMicros).toBe(8_000_000);
    expect(slice.gpuSeconds).toBe(900);
  });

  it('rounds each slice half up to the micro-dollar, so sums are exact integers', () => {
    const prices: PriceEntry[] = book({
      prices: [{ pool: 'odd', gpuHourUsd: 0.000001 }],
    }).historyFor({
      pool: 'odd',
      gpuType: 'x',
    });
    const half = priceAttempt({
      startMs: 0,
      endMs: HOUR / 2,
      gpus: 1,
      spot: false,
      prices,
    });
    const third = priceAttempt({
      startMs: 0,
      endMs: HOUR / 3,
      gpus: 1,
      spot: false,
      prices,
    });
    expect(half[0].costMicros).toBe(1); // 0.5 µ$ rounds up
    expect(third[0].costMicros).toBe(0); // 0.33 µ$ rounds down
    const long = priceAttempt({
      startMs: at('2026-01-01T00:00:00Z'),
      endMs: at('2026-12-31T00:00:00Z'),
      gpus: 64,
      spot: false,
      prices: h100Aws(book()),
    });
    const total = long.reduce((sum, s) => sum + s.costMicros, 0);
    expect(Number.isInteger(total)).toBe(true);
    expect(total).toBe(364 * 24 * 64 * 8_000_000);
  });

  it('prefers the pool price, then the most specific provider/GPU/region match', () => {
    const b = book(
      {
        prices: [
          { gpuType: 'L4', gpuHourUsd: 0.9 },
          { provider: 'gcp', gpuType: 'L4', gpuHourUsd: 0.7 },
          {
            provider: 'gcp',
            gpuType: 'L4',
            region: 'europe-west4',
            gpuHourUsd: 0.8,
          },
        ],
      },
      [{ name: 'mine', gpuHourUsd: 0.5 }],
    );
    const price = (r: any) =>
      b.historyFor({ pool: 'other', gpuType: 'L4', ...r })[0]?.gpuHourMicros;
    expect(price({ pool: 'mine' })).toBe(500_000);
    expect(price({ provider: 'gcp', region: 'europe-west4' })).toBe(800_000);
    expect(price({ provider: 'gcp', region: 'us-central1' })).toBe(700_000);
    expect(price({ provider: 'aws' })).toBe(900_000);
    expect(b.historyFor({ pool: 'x', gpuType: 'cpu' })).toEqual([]);
  });

  it('refuses a malformed price book', () => {
    expect(() => book({ prices: [{ gpuHourUsd: 1 }] })).toThrow(
      'name a pool or a gpuType',
    );
    expect(() =>
      book({
        prices: [{ gpuType: 'L4', gpuHourUsd: 1, effectiveFrom: 'soon' }],
      }),
    ).toThrow('effectiveFrom must be a date');
    expect(() => book({ spotDiscount: 1.5 })).toThrow('spotDiscount');
  });
});
