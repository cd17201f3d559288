import type { components as MlApiComponents } from './generated/openapi';

/**
 * Money is integer micro-dollars (1 USD = 1,000,000): sums of many small amounts never
 * drift, and every figure the API returns adds up exactly.
 *
 * @public
 */
export type Micros = number;

/** @public */
export const MICROS_PER_USD = 1_000_000;

/** A team's budget for a month and where its spend stands. @public */
export type BudgetStatus = {
  team: string;
  /** `YYYY-MM`, UTC. */
  month: string;
  amountMicros: Micros;
  spentMicros: Micros;
  /** Month so far plus the running jobs' cost to the month's end at their current rate. */
  forecastMicros: Micros;
  /** Alert thresholds as fractions of the amount, e.g. `[0.8, 1]`. */
  thresholds: number[];
  /** The thresholds the spend has crossed this month. */
  crossed: number[];
  /** Hard budgets hold the team's new jobs once spent; soft ones only alert. */
  hard: boolean;
  /** True when admission holds the team's new jobs for budget now. */
  holding: boolean;
};

/** One slice of spend: cost by a set of dimensions. @public */
export type SpendRow = {
  team: string;
  month?: string;
  day?: string;
  pool?: string;
  gpuType?: string;
  spot?: boolean;
  costMicros: Micros;
  /** What the same GPU time costs on demand; `list - cost` is the spot saving. */
  listCostMicros: Micros;
  gpuSeconds: number;
};

/** A job, run or experiment ranked by spend. @public */
export type SpendItem = {
  kind: 'job' | 'run' | 'experiment';
  id: string;
  name?: string;
  team: string;
  costMicros: Micros;
  gpuSeconds: number;
};

/** Something paid for and not used. @public */
export type IdleResource = {
  kind: 'endpoint' | 'pool';
  name: string;
  team?: string;
  /** Cost of the idle time this month. */
  costMicros: Micros;
  message: string;
};

/** Billed (imported) against estimated spend, per team and month. @public */
export type Reconciliation = {
  team: string;
  month: string;
  source: string;
  billedMicros: Micros;
  estimatedMicros: Micros;
};

/** The managers' cost page in one answer. @public */
export type CostSummary = {
  month: string;
  /** Spend per team in the month (all teams, or the one asked for). */
  teams: SpendRow[];
  /** Per month (the last six), team, GPU type and spot/on-demand: the trend chart. */
  trend: SpendRow[];
  /** Per day and team in the month: the burn-down. */
  daily: SpendRow[];
  budgets: BudgetStatus[];
  top: SpendItem[];
  idle: IdleResource[];
  reconciliation: Reconciliation[];
};

/** A suggestion that saves money, from the jobs' own records. @public */
export type CostRecommendation = {
  kind: 'right-size' | 'spot-candidate';
  jobId: string;
  jobName: string;
  team: string;
  pool: string;
  /** The cheaper pool to use, when there is one. */
  suggestedPool?: string;
  message: string;
  /** Saving per month at the job's recent rate. */
  monthlySavingsMicros: Micros;
};

/** A price of the price book, as the API shows it. @public */
export type GpuPrice = {
  /** A pool name, or the provider/GPU type/region it applies to. */
  pool?: string;
  provider?: string;
  gpuType?: string;
  region?: string;
  /** On-demand price per GPU-hour. */
  gpuHourMicros: Micros;
  /** Spot price per GPU-hour. */
  spotGpuHourMicros: Micros;
  /** `YYYY-MM-DD` (UTC) from which this price applies. */
  effectiveFrom: string;
};

/** Result of importing a bill or an allocation export. @public */
export type CostImportResult = {
  source: string;
  rows: number;
  months: string[];
  added: number;
  changed: number;
  unchanged: number;
};

/** A bill or allocation export as JSON: `POST /api/ml/cost/imports`. @public */
export type CostImportRequest = MlApiComponents['schemas']['CostImportRequest'];
