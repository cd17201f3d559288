import { BudgetStatus, Micros, SpendRow } from '@ml-portal/plugin-ml-common';
import { daysInMonth } from './months';

/** Sums of the money and GPU time of spend rows. @internal */
export type SpendTotals = {
  costMicros: Micros;
  listCostMicros: Micros;
  gpuSeconds: number;
};

/** The totals of some spend rows. @internal */
export function totalSpend(rows: SpendRow[]): SpendTotals {
  return rows.reduce(
    (sum, row) => ({
      costMicros: sum.costMicros + row.costMicros,
      listCostMicros: sum.listCostMicros + row.listCostMicros,
      gpuSeconds: sum.gpuSeconds + row.gpuSeconds,
    }),
    { costMicros: 0, listCostMicros: 0, gpuSeconds: 0 },
  );
}

/** One segment of the trend's stacked bars: a GPU type on spot or on demand. @internal */
export type TrendSeries = { key: string; gpuType: string; spot: boolean };

/** One team's spend over the trend's months, stacked by series. @internal */
export type TeamTrend = {
  team: string;
  totalMicros: Micros;
  series: TrendSeries[];
  /** One row per month: `month` and the micro-dollars of each series' key. */
  rows: Array<{ month: string } & Record<string, Micros | string>>;
};

/** The segment a spend row belongs to, e.g. `nvidia-a100 · spot`. @internal */
export function trendSeries(row: SpendRow): TrendSeries {
  const gpuType = row.gpuType ?? 'other';
  const spot = row.spot ?? false;
  return { key: `${gpuType} · ${spot ? 'spot' : 'on-demand'}`, gpuType, spot };
}

/**
 * The trend rows as one stacked bar chart per team: every month shown (a month
 * without spend is an empty bar, not a missing one), series ordered by GPU type
 * with on-demand below spot, teams by their spend, largest first.
 *
 * @internal
 */
export function teamTrends(trend: SpendRow[], months: string[]): TeamTrend[] {
  const byTeam = new Map<string, SpendRow[]>();
  for (const row of trend) {
    if (!row.month || !months.includes(row.month)) continue;
    byTeam.set(row.team, [...(byTeam.get(row.team) ?? []), row]);
  }
  const teams = [...byTeam].map(([team, rows]) => {
    const series = new Map<string, TrendSeries>();
    for (const row of rows) {
      const s = trendSeries(row);
      series.set(s.key, s);
    }
    const chartRows = months.map(month => {
      const chartRow: { month: string } & Record<string, Micros | string> = {
        month,
      };
      for (const key of series.keys()) chartRow[key] = 0;
      for (const row of rows.filter(r => r.month === month)) {
        const key = trendSeries(row).key;
        chartRow[key] = (chartRow[key] as Micros) + row.costMicros;
      }
      return chartRow;
    });
    return {
      team,
      totalMicros: totalSpend(rows).costMicros,
      series: [...series.values()].sort(
        (a, b) =>
          a.gpuType.localeCompare(b.gpuType) || Number(a.spot) - Number(b.spot),
      ),
      rows: chartRows,
    };
  });
  return teams.sort(
    (a, b) => b.totalMicros - a.totalMicros || a.team.localeCompare(b.team),
  );
}

/** One day of a burn-down chart. @internal */
export type BurnDownPoint = {
  day: number;
  /** Spend from the 1st to the end of this day; absent for days still to come. */
  spentMicros?: Micros;
  /** The straight line from today's spend to the forecast at the month's end. */
  forecastMicros?: Micros;
  budgetMicros?: Micros;
};

/**
 * A team's month as a burn-down: cumulative spend per day up to the last day
 * begun (`daysElapsed`), the budget as a flat line, and the forecast drawn from
 * the last actual point to the budget's forecast on the last day.
 *
 * @internal
 */
export function burnDown(options: {
  month: string;
  team: string;
  daily: SpendRow[];
  budget?: BudgetStatus;
  daysElapsed: number;
}): BurnDownPoint[] {
  const { month, team, daily, budget, daysElapsed } = options;
  const days = daysInMonth(month);
  const perDay = new Array<Micros>(days + 1).fill(0);
  for (const row of daily) {
    if (row.team !== team || !row.day?.startsWith(month)) continue;
    const day = Number(row.day.slice(8, 10));
    if (day >= 1 && day <= days) perDay[day] += row.costMicros;
  }

  const points: BurnDownPoint[] = [];
  let spent = 0;
  for (let day = 1; day <= days; day++) {
    spent += perDay[day];
    points.push({
      day,
      ...(day <= daysElapsed && { spentMicros: spent }),
      ...(budget && { budgetMicros: budget.amountMicros }),
    });
  }

  // The forecast continues from the last actual day; before the 1st, from zero.
  if (budget && daysElapsed < days) {
    const fromDay = daysElapsed;
    const fromMicros = fromDay > 0 ? points[fromDay - 1].spentMicros! : 0;
    const slope = (budget.forecastMicros - fromMicros) / (days - fromDay);
    for (let day = Math.max(fromDay, 1); day <= days; day++) {
      points[day - 1].forecastMicros = Math.round(
        fromMicros + slope * (day - fromDay),
      );
    }
  }
  return points;
}
