import {
  CostRecommendation,
  CostSummary,
  GpuPrice,
  SpendRow,
} from '@ml-portal/plugin-ml-common';

/** Test data for the cost pages: November 2026, seen on the 20th. @internal */
export const now = new Date(Date.UTC(2026, 10, 20, 12, 0, 0));

/** @internal */
export const recsys = 'group:default/recsys';
/** @internal */
export const vision = 'group:default/vision';

const usd = (dollars: number) => dollars * 1_000_000;
const hours = (h: number) => h * 3600;

function trendRow(
  team: string,
  month: string,
  gpuType: string,
  spot: boolean,
  dollars: number,
): SpendRow {
  return {
    team,
    month,
    gpuType,
    spot,
    costMicros: usd(dollars),
    listCostMicros: usd(spot ? dollars * 2.5 : dollars),
    gpuSeconds: hours(dollars / 3),
  };
}

/** $400 a day for recsys and $250 a day for vision, from the 1st to the 20th. */
function dailyRows(): SpendRow[] {
  const rows: SpendRow[] = [];
  for (let day = 1; day <= 20; day++) {
    const date = `2026-11-${String(day).padStart(2, '0')}`;
    rows.push(
      {
        team: recsys,
        day: date,
        costMicros: usd(400),
        listCostMicros: usd(600),
        gpuSeconds: hours(150),
      },
      {
        team: vision,
        day: date,
        costMicros: usd(250),
        listCostMicros: usd(250),
        gpuSeconds: hours(60),
      },
    );
  }
  return rows;
}

/**
 * Recsys on A100s (partly spot) within a hard budget it will overrun by its
 * forecast; vision on H100s on demand, past its hard budget and held.
 *
 * @internal
 */
export const summary: CostSummary = {
  month: '2026-11',
  teams: [
    {
      team: recsys,
      costMicros: usd(8000),
      listCostMicros: usd(12000),
      gpuSeconds: hours(3000),
    },
    {
      team: vision,
      costMicros: usd(5000),
      listCostMicros: usd(5000),
      gpuSeconds: hours(1200),
    },
  ],
  sources: [
    {
      team: recsys,
      source: 'training',
      costMicros: usd(7200),
      listCostMicros: usd(11200),
      gpuSeconds: hours(2700),
    },
    {
      team: recsys,
      source: 'endpoint',
      costMicros: usd(800),
      listCostMicros: usd(800),
      gpuSeconds: hours(300),
    },
    {
      team: vision,
      source: 'training',
      costMicros: usd(5000),
      listCostMicros: usd(5000),
      gpuSeconds: hours(1200),
    },
  ],
  trend: [
    trendRow(recsys, '2026-09', 'nvidia-a100', false, 3000),
    trendRow(recsys, '2026-09', 'nvidia-a100', true, 1000),
    trendRow(recsys, '2026-10', 'nvidia-a100', false, 5000),
    trendRow(recsys, '2026-10', 'nvidia-a100', true, 2000),
    trendRow(recsys, '2026-11', 'nvidia-a100', false, 5333),
    trendRow(recsys, '2026-11', 'nvidia-a100', true, 2667),
    trendRow(vision, '2026-10', 'nvidia-h100', false, 4000),
    trendRow(vision, '2026-11', 'nvidia-h100', false, 5000),
  ],
  daily: dailyRows(),
  budgets: [
    {
      team: recsys,
      month: '2026-11',
      amountMicros: usd(10000),
      spentMicros: usd(8000),
      forecastMicros: usd(12000),
      thresholds: [0.5, 0.8, 1],
      crossed: [0.5, 0.8],
      hard: false,
      holding: false,
    },
    {
      team: vision,
      month: '2026-11',
      amountMicros: usd(5000),
      spentMicros: usd(5000),
      forecastMicros: usd(7500),
      thresholds: [0.8, 1],
      crossed: [0.8, 1],
      hard: true,
      holding: true,
    },
  ],
  top: [
    {
      kind: 'experiment',
      id: '7',
      name: 'churn-model',
      team: recsys,
      costMicros: usd(1500),
      gpuSeconds: hours(500),
    },
    {
      kind: 'job',
      id: 'job-7',
      name: 'ranker-train',
      team: recsys,
      costMicros: usd(4000),
      gpuSeconds: hours(1500),
    },
    {
      kind: 'run',
      id: 'run-abc',
      name: 'ranker lr=3e-4',
      team: recsys,
      costMicros: usd(2000),
      gpuSeconds: hours(700),
    },
  ],
  idle: [
    {
      kind: 'pool',
      name: 'h100-reserved',
      team: vision,
      costMicros: usd(320),
      message: 'No job used 6 of its 8 reserved GPUs for 40 hours',
    },
    {
      kind: 'endpoint',
      name: 'ranker-shadow',
      team: recsys,
      costMicros: usd(48),
      requests: 12,
      windowHours: 24,
      message:
        '12 requests in 24 hours (idle under 10 an hour) with 24 replica-hours up',
    },
    {
      kind: 'endpoint',
      name: 'churn-serverless',
      team: recsys,
      costMicros: usd(0.5),
      requests: 3,
      windowHours: 24,
      scaleToZeroSavingsMicros: usd(2.4),
      message:
        '3 requests in 24 hours (idle under 10 an hour) with 0.2 replica-hours up; it scales to zero, saving $2.40 against one replica kept up',
    },
  ],
  reconciliation: [
    {
      team: recsys,
      month: '2026-10',
      source: 'aws-cur',
      billedMicros: usd(7350),
      estimatedMicros: usd(7000),
    },
  ],
};

/** A month before any job ran. @internal */
export const emptySummary: CostSummary = {
  month: '2026-11',
  teams: [],
  sources: [],
  trend: [],
  daily: [],
  budgets: [],
  top: [],
  idle: [],
  reconciliation: [],
};

/** @internal */
export const recommendations: CostRecommendation[] = [
  {
    kind: 'spot-candidate',
    jobId: 'job-9',
    jobName: 'nightly-embeddings',
    team: recsys,
    pool: 'a100-eu',
    suggestedPool: 'a100-spot-eu',
    message: 'Checkpoints every 10 minutes and never ran over 2 h',
    monthlySavingsMicros: usd(900),
  },
  {
    kind: 'right-size',
    jobId: 'job-9',
    jobName: 'nightly-embeddings',
    team: recsys,
    pool: 'a100-eu',
    suggestedPool: 'l4-eu',
    message: 'Used 18% of GPU memory on its last 10 runs',
    monthlySavingsMicros: usd(1200),
  },
  {
    kind: 'right-size',
    jobId: 'job-12',
    jobName: 'detector-eval',
    team: vision,
    pool: 'h100-us',
    message: 'Uses 1 of its 4 GPUs',
    monthlySavingsMicros: usd(300),
  },
];

/** @internal */
export const prices: GpuPrice[] = [
  {
    pool: 'a100-eu',
    gpuHourMicros: usd(2.5),
    spotGpuHourMicros: usd(1),
    effectiveFrom: '2026-01-01',
  },
  {
    provider: 'aws',
    gpuType: 'nvidia-h100',
    region: 'us-east-1',
    gpuHourMicros: usd(6),
    spotGpuHourMicros: usd(2.4),
    effectiveFrom: '2026-06-01',
  },
];
