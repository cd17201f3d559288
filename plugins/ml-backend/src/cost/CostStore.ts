import { BilledCost } from '@ml-portal/plugin-ml-node';
import { SpendItem, SpendRow } from '@ml-portal/plugin-ml-common';
import { UsageSlice } from './pricing';

/**
 * Whose spend a query reads: one team, a list of teams (those a caller may see), or
 * every team when undefined.
 *
 * @internal
 */
export type TeamScope = string | string[] | undefined;

/** A priced slice with what it was for. @internal */
export type UsageRecord = UsageSlice & {
  source: 'training' | 'endpoint' | 'storage';
  attemptId?: string;
  jobId?: string;
  team: string;
  pool: string;
  provider?: string;
  region?: string;
  gpuType: string;
  gpus: number;
  spot: boolean;
  experimentId?: string;
  runId?: string;
  /** Serving usage: the endpoint, deployment and model version it was for. */
  endpointId?: string;
  endpointName?: string;
  deploymentId?: string;
  modelVersionId?: string;
};

/** An attempt with its job's owner and links, as metering needs it. @internal */
export type MeterableAttempt = {
  attemptId: string;
  jobId: string;
  jobName: string;
  team: string;
  pool: string;
  target: string;
  region: string;
  gpuType: string;
  gpus: number;
  spot: boolean;
  startedAt?: number;
  endedAt?: number;
  billableSeconds?: number;
  maxRuntimeSeconds?: number;
  experimentId?: string;
  runId?: string;
};

/** A job of the month by spend, with what recommendations need to know of it. @internal */
export type MonthJob = {
  jobId: string;
  name: string;
  team: string;
  pool: string;
  runId?: string;
  checkpoints: boolean;
  costMicros: number;
  listCostMicros: number;
};

/** What re-importing a bill changed, by its lines' stable keys. @internal */
export type BillImportCounts = {
  added: number;
  changed: number;
  unchanged: number;
};

/** A bill's total for one team (`unallocated` when the line names none). @internal */
export type BilledTotal = {
  source: string;
  team: string;
  billedMicros: number;
};

/** The columns the rollups group spend by. @internal */
export type SpendGrouping = Array<
  'month' | 'day' | 'team' | 'source' | 'pool' | 'gpu_type' | 'spot'
>;

/**
 * The cost domain's storage: usage facts and their rollups (kept in step), imported bills
 * and sent budget alerts.
 *
 * @internal
 */
export interface CostStore {
  /** Attempts that ended and whose usage is not recorded yet. */
  unmeteredAttempts(limit?: number): Promise<MeterableAttempt[]>;
  /** Attempts running now, for the forecast and the budget's month so far. */
  runningAttempts(): Promise<MeterableAttempt[]>;
  /**
   * Records an attempt's usage and marks it metered, rollups included, all or nothing;
   * false (and nothing changed) when the attempt was metered already.
   */
  recordAttemptUsage(
    attemptId: string,
    records: UsageRecord[],
  ): Promise<boolean>;
  /** Spend grouped by rollup columns, for months and optionally some teams. */
  spend(
    group: SpendGrouping,
    filter: { months: string[]; team?: TeamScope },
  ): Promise<SpendRow[]>;
  /** The month's most expensive jobs, runs and experiments. */
  top(month: string, team: TeamScope, limit: number): Promise<SpendItem[]>;
  monthJobs(month: string, team: TeamScope, limit: number): Promise<MonthJob[]>;
  /** Per run, the highest GPU memory use any GPU logged, in percent. */
  peakGpuMemory(runIds: string[]): Promise<Map<string, number>>;
  /** Total spend of a run across months. */
  runCost(runId: string): Promise<number>;
  /** Per run, its spend across months by the team that paid. */
  runCosts(
    runIds: string[],
  ): Promise<Array<{ runId: string; team: string; costMicros: number }>>;
  /** A model version's serving spend per endpoint and paying team. */
  versionServingCost(versionId: string): Promise<
    Array<{
      endpoint: string;
      team: string;
      costMicros: number;
      replicaSeconds: number;
    }>
  >;
  /** The last hour (start, epoch ms) whose serving usage is recorded. */
  lastServingHour(): Promise<number | undefined>;
  /**
   * Records an hour's serving usage and claims the hour, rollups included, all or
   * nothing; false (and nothing changed) when the hour was recorded already.
   */
  recordServingHour(hourMs: number, records: UsageRecord[]): Promise<boolean>;
  /** The month's usage rows, oldest first, for the CSV export. */
  usageRows(
    month: string,
    team?: TeamScope,
  ): Promise<Record<string, unknown>[]>;
  /** GPU-seconds used per pool in a month, for idle reserved capacity. */
  gpuSecondsByPool(month: string): Promise<Map<string, number>>;
  /** Stores bill lines by their stable keys, in one transaction. */
  upsertBilled(source: string, lines: BilledCost[]): Promise<BillImportCounts>;
  billedByTeam(month: string, team?: TeamScope): Promise<BilledTotal[]>;
  /** Records a crossed threshold once per team and month; true when it is new. */
  recordAlert(
    team: string,
    month: string,
    threshold: number,
    spentMicros: number,
  ): Promise<boolean>;
}
