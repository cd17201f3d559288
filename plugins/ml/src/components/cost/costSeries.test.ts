import { BudgetStatus, SpendRow } from '@ml-portal/plugin-ml-common';
import { burnDown, teamTrends, totalSpend } from './costSeries';
import { addMonths, daysElapsed, daysInMonth, monthsUpTo } from './months';

const row = (overrides: Partial<SpendRow>): SpendRow => ({
  team: 'group:default/recsys',
  costMicros: 0,
  listCostMicros: 0,
  gpuSeconds: 0,
  ...overrides,
});

describe('months', () => {
  it('steps across years and knows leap Februaries', () => {
    expect(addMonths('2026-01', -1)).toBe('2025-12');
    expect(addMonths('2025-12', 1)).toBe('2026-01');
    expect(monthsUpTo('2026-02', 3)).toEqual(['2025-12', '2026-01', '2026-02']);
    expect(daysInMonth('2028-02')).toBe(29);
    expect(daysInMonth('2026-02')).toBe(28);
  });

  it('counts the days begun in UTC: all of a past month, none of a future one', () => {
    const now = new Date(Date.UTC(2026, 10, 20, 23, 30));
    expect(daysElapsed('2026-11', now)).toBe(20);
    expect(daysElapsed('2026-10', now)).toBe(31);
    expect(daysElapsed('2026-12', now)).toBe(0);
  });
});

describe('teamTrends', () => {
  const months = ['2026-09', '2026-10', '2026-11'];

  it('stacks each team by GPU type and spot, every month present', () => {
    const [recsys, vision] = teamTrends(
      [
        row({
          month: '2026-11',
          gpuType: 'nvidia-a100',
          spot: true,
          costMicros: 5,
        }),
        row({
          month: '2026-11',
          gpuType: 'nvidia-a100',
          spot: false,
          costMicros: 7,
        }),
        row({
          month: '2026-11',
          gpuType: 'nvidia-a100',
          spot: false,
          costMicros: 1,
        }),
        row({
          month: '2026-09',
          gpuType: 'nvidia-a100',
          spot: false,
          costMicros: 2,
        }),
        row({
          team: 'group:default/vision',
          month: '2026-10',
          gpuType: 'nvidia-h100',
          costMicros: 3,
        }),
        // Outside the chart's months: left out.
        row({ month: '2026-05', gpuType: 'nvidia-a100', costMicros: 100 }),
      ],
      months,
    );

    expect(recsys.team).toBe('group:default/recsys');
    expect(recsys.totalMicros).toBe(15);
    expect(recsys.series.map(s => s.key)).toEqual([
      'nvidia-a100 · on-demand',
      'nvidia-a100 · spot',
    ]);
    expect(recsys.rows).toEqual([
      {
        month: '2026-09',
        'nvidia-a100 · on-demand': 2,
        'nvidia-a100 · spot': 0,
      },
      {
        month: '2026-10',
        'nvidia-a100 · on-demand': 0,
        'nvidia-a100 · spot': 0,
      },
      {
        month: '2026-11',
        'nvidia-a100 · on-demand': 8,
        'nvidia-a100 · spot': 5,
      },
    ]);
    expect(vision.rows.map(r => r['nvidia-h100 · on-demand'])).toEqual([
      0, 3, 0,
    ]);
  });
});

describe('burnDown', () => {
  const budget: BudgetStatus = {
    team: 'group:default/recsys',
    month: '2026-11',
    amountMicros: 1000,
    spentMicros: 200,
    forecastMicros: 1200,
    thresholds: [1],
    crossed: [],
    hard: true,
    holding: false,
  };
  const daily = [
    row({ day: '2026-11-01', costMicros: 50 }),
    row({ day: '2026-11-02', costMicros: 150 }),
    row({ team: 'group:default/vision', day: '2026-11-02', costMicros: 999 }),
  ];

  it('accumulates the team spend up to today and draws the forecast on to the end', () => {
    const points = burnDown({
      month: '2026-11',
      team: 'group:default/recsys',
      daily,
      budget,
      daysElapsed: 10,
    });

    expect(points).toHaveLength(30);
    expect(points.slice(0, 3).map(p => p.spentMicros)).toEqual([50, 200, 200]);
    expect(points[9].spentMicros).toBe(200);
    expect(points[10].spentMicros).toBeUndefined();
    // From 200 on the 10th to the forecast of 1,200 on the 30th: 50 a day.
    expect(points[9].forecastMicros).toBe(200);
    expect(points[19].forecastMicros).toBe(700);
    expect(points[29].forecastMicros).toBe(1200);
    expect(points[0].forecastMicros).toBeUndefined();
    expect(points.every(p => p.budgetMicros === 1000)).toBe(true);
  });

  it('has no forecast for a past month or a team without budget', () => {
    const past = burnDown({
      month: '2026-11',
      team: 'group:default/recsys',
      daily,
      budget,
      daysElapsed: 30,
    });
    expect(past.some(p => p.forecastMicros !== undefined)).toBe(false);
    expect(past[29].spentMicros).toBe(200);

    const unbudgeted = burnDown({
      month: '2026-11',
      team: 'group:default/recsys',
      daily,
      daysElapsed: 10,
    });
    expect(unbudgeted.some(p => p.forecastMicros !== undefined)).toBe(false);
    expect(unbudgeted.some(p => p.budgetMicros !== undefined)).toBe(false);
  });

  it('sums spend rows into totals', () => {
    expect(
      totalSpend([
        row({ costMicros: 1, listCostMicros: 3, gpuSeconds: 10 }),
        row({ costMicros: 2, listCostMicros: 2, gpuSeconds: 5 }),
      ]),
    ).toEqual({ costMicros: 3, listCostMicros: 5, gpuSeconds: 15 });
  });
});
