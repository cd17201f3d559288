import { Knex } from 'knex';
import { BilledCost } from '@ml-portal/plugin-ml-node';
import { SpendItem, SpendRow } from '@ml-portal/plugin-ml-common';
import { chunks } from '../database/chunks';
import {
  BilledTotal,
  BillImportCounts,
  SpendGrouping,
  CostStore,
  MeterableAttempt,
  MonthJob,
  TeamScope,
  UsageRecord,
} from './CostStore';

function forTeams(query: Knex.QueryBuilder, column: string, scope: TeamScope) {
  if (typeof scope === 'string') query.where(column, scope);
  else if (scope) query.whereIn(column, scope);
}

/**
 * What cost reads of runs' metrics, from the tracking domain that stores them.
 *
 * @internal
 */
export type RunMetricPeaks = {
  /** Per run, the highest value logged under any key matching `keyLike` (SQL LIKE). */
  maxMetricValues(
    runIds: string[],
    keyLike: string,
  ): Promise<Map<string, number>>;
};

const num = (v: unknown) => Number(v ?? 0);
const opt = (v: unknown) =>
  v === null || v === undefined ? undefined : Number(v);

/** The `ml_usage` row of a usage record. @internal */
export const toUsageRow = (r: UsageRecord) => ({
  source: r.source,
  attempt_id: r.attemptId ?? null,
  job_id: r.jobId ?? null,
  team: r.team,
  pool: r.pool,
  provider: r.provider ?? null,
  region: r.region ?? null,
  gpu_type: r.gpuType,
  gpus: r.gpus,
  spot: r.spot,
  experiment_id: r.experimentId ?? null,
  run_id: r.runId ?? null,
  endpoint_id: r.endpointId ?? null,
  endpoint_name: r.endpointName ?? null,
  deployment_id: r.deploymentId ?? null,
  model_version_id: r.modelVersionId ?? null,
  day: r.day,
  month: r.month,
  start_ms: r.startMs,
  end_ms: r.endMs,
  gpu_seconds: r.gpuSeconds,
  cost_micros: r.costMicros,
  list_cost_micros: r.listCostMicros,
});

/** Whether a bill line is new, changed or the same as the stored one. */
function compareBilled(
  stored: { amount_micros: unknown; team: string | null } | undefined,
  line: BilledCost,
): keyof BillImportCounts {
  if (!stored) return 'added';
  const same =
    num(stored.amount_micros) === line.amountMicros &&
    (stored.team ?? undefined) === line.team;
  return same ? 'unchanged' : 'changed';
}

/** Sums rows of the same rollup key first: one upsert may not touch a row twice. */
function aggregate<T extends Record<string, unknown>>(
  rows: T[],
  key: (row: T) => string,
  sums: Array<keyof T>,
): T[] {
  const byKey = new Map<string, T>();
  for (const row of rows) {
    const existing = byKey.get(key(row));
    if (!existing) byKey.set(key(row), { ...row });
    else for (const s of sums) (existing as any)[s] += row[s] as number;
  }
  return [...byKey.values()];
}

/**
 * The cost tables: usage facts, their two rollups (kept in step in one transaction),
 * imported bills and sent budget alerts.
 *
 * @internal
 */
export class DatabaseCostStore implements CostStore {
  private constructor(
    private readonly db: Knex,
    private readonly runMetrics?: RunMetricPeaks,
  ) {}

  /** Without `runMetrics` no run has a known GPU memory peak (no right-sizing advice). */
  static create(options: { knex: Knex; runMetrics?: RunMetricPeaks }) {
    return new DatabaseCostStore(options.knex, options.runMetrics);
  }

  /** Attempts that ended and whose usage is not recorded yet. */
  async unmeteredAttempts(limit = 500): Promise<MeterableAttempt[]> {
    const rows = await this.attemptQuery()
      .whereNotNull('a.ended_at')
      .whereNull('a.metered_at')
      .limit(limit);
    return rows.map(toMeterable);
  }

  /** Attempts running now, for the forecast and the budget's month so far. */
  async runningAttempts(): Promise<MeterableAttempt[]> {
    const rows = await this.attemptQuery()
      .whereIn('a.state', ['RUNNING', 'PENDING'])
      .whereNotNull('a.started_at')
      .whereNull('a.ended_at');
    return rows.map(toMeterable);
  }

  /**
   * Records an attempt's usage and marks it metered, rollups included, all or nothing;
   * a second call for the same attempt changes nothing.
   */
  async recordAttemptUsage(
    attemptId: string,
    records: UsageRecord[],
  ): Promise<boolean> {
    return this.db.transaction(async tx => {
      const claimed = await tx('ml_job_attempts')
        .where({ attempt_id: attemptId })
        .whereNull('metered_at')
        .update({ metered_at: Date.now() });
      if (claimed === 0) return false;
      await this.insertUsage(tx, records);
      return true;
    });
  }

  /** Inserts usage rows and folds them into the rollups, in the caller's transaction. */
  async insertUsage(tx: Knex, records: UsageRecord[]): Promise<void> {
    if (records.length === 0) return;
    for (const batch of chunks(records, 200)) {
      await tx('ml_usage').insert(batch.map(toUsageRow));
    }
    const sums = ['gpu_seconds', 'cost_micros', 'list_cost_micros'] as const;
    const added = (table: string) =>
      Object.fromEntries(
        sums.map(s => [s, tx.raw(`${table}.${s} + excluded.${s}`)]),
      );
    const daily = aggregate(
      records.map(r => ({
        day: r.day,
        month: r.month,
        team: r.team,
        source: r.source,
        pool: r.pool,
        gpu_type: r.gpuType,
        spot: r.spot,
        gpu_seconds: r.gpuSeconds,
        cost_micros: r.costMicros,
        list_cost_micros: r.listCostMicros,
      })),
      r => [r.day, r.team, r.source, r.pool, r.gpu_type, r.spot].join('\u0000'),
      [...sums],
    );
    for (const batch of chunks(daily, 200)) {
      await tx('ml_cost_daily')
        .insert(batch)
        .onConflict(['day', 'team', 'source', 'pool', 'gpu_type', 'spot'])
        .merge(added('ml_cost_daily'));
    }
    const items = aggregate(
      records.flatMap(r =>
        (
          [
            ['job', r.jobId],
            ['run', r.runId],
            ['experiment', r.experimentId],
          ] as const
        )
          .filter(([, id]) => id)
          .map(([kind, id]) => ({
            month: r.month,
            kind,
            item_id: id!,
            team: r.team,
            gpu_seconds: r.gpuSeconds,
            cost_micros: r.costMicros,
            list_cost_micros: r.listCostMicros,
          })),
      ),
      r => [r.month, r.kind, r.item_id].join('\u0000'),
      [...sums],
    );
    for (const batch of chunks(items, 200)) {
      await tx('ml_cost_monthly_items')
        .insert(batch)
        .onConflict(['month', 'kind', 'item_id'])
        .merge(added('ml_cost_monthly_items'));
    }
  }

  /** Spend grouped by the given rollup columns, for months and optionally one team. */
  async spend(
    group: SpendGrouping,
    filter: { months: string[]; team?: TeamScope },
  ): Promise<SpendRow[]> {
    const query = this.db('ml_cost_daily')
      .whereIn('month', filter.months)
      .select(group)
      .sum({
        cost: 'cost_micros',
        list: 'list_cost_micros',
        seconds: 'gpu_seconds',
      })
      .groupBy(group)
      .orderBy(group);
    forTeams(query, 'team', filter.team);
    const rows: any[] = await query;
    return rows.map(row => ({
      team: row.team,
      ...(row.month !== undefined && { month: row.month }),
      ...(row.day !== undefined && { day: row.day }),
      ...(row.pool !== undefined && { pool: row.pool }),
      ...(row.gpu_type !== undefined && { gpuType: row.gpu_type }),
      ...(row.spot !== undefined && { spot: Boolean(row.spot) }),
      ...(row.source !== undefined && { source: row.source }),
      costMicros: num(row.cost),
      listCostMicros: num(row.list),
      gpuSeconds: num(row.seconds),
    }));
  }

  /** The month's most expensive jobs, runs and experiments, each read from one index range. */
  async top(
    month: string,
    team: TeamScope,
    limit: number,
  ): Promise<SpendItem[]> {
    const names: Record<SpendItem['kind'], [string, string, string]> = {
      job: ['ml_jobs', 'job_id', 'name'],
      run: ['ml_runs', 'run_uuid', 'name'],
      experiment: ['ml_experiments', 'experiment_id', 'name'],
    };
    const lists = await Promise.all(
      (Object.keys(names) as SpendItem['kind'][]).map(async kind => {
        const q = this.db('ml_cost_monthly_items')
          .where({ month, kind })
          .orderBy('cost_micros', 'desc')
          .limit(limit);
        forTeams(q, 'team', team);
        const rows: any[] = await q;
        const [table, idColumn, nameColumn] = names[kind];
        const ids = rows.map(r => r.item_id);
        const named = new Map(
          (
            await this.db(table)
              .whereIn(idColumn, kind === 'experiment' ? ids.map(Number) : ids)
              .select({ id: idColumn, name: nameColumn })
          ).map((r: any) => [String(r.id), r.name as string]),
        );
        return rows.map(
          (row): SpendItem => ({
            kind,
            id: row.item_id,
            name: named.get(row.item_id),
            team: row.team,
            costMicros: num(row.cost_micros),
            gpuSeconds: num(row.gpu_seconds),
          }),
        );
      }),
    );
    return lists.flat();
  }

  /** The month's jobs by spend, with what recommendations need to know of each. */
  async monthJobs(
    month: string,
    team: TeamScope,
    limit: number,
  ): Promise<MonthJob[]> {
    const q = this.db('ml_cost_monthly_items as c')
      .join('ml_jobs as j', 'j.job_id', 'c.item_id')
      .where({ 'c.month': month, 'c.kind': 'job' })
      .select(
        'j.job_id',
        'j.name',
        'c.team',
        'j.pool',
        'j.spec',
        'j.run_id',
        'c.cost_micros',
        'c.list_cost_micros',
      )
      .orderBy('c.cost_micros', 'desc')
      .limit(limit);
    forTeams(q, 'c.team', team);
    const rows: any[] = await q;
    return rows.map(row => {
      const { checkpoint } = JSON.parse(row.spec);
      return {
        jobId: row.job_id as string,
        name: row.name as string,
        team: row.team as string,
        pool: row.pool as string,
        runId: (row.run_id as string | null) ?? undefined,
        checkpoints: Boolean(checkpoint?.uri || checkpoint?.intervalSeconds),
        costMicros: num(row.cost_micros),
        listCostMicros: num(row.list_cost_micros),
      };
    });
  }

  /** Per run, the highest GPU memory use any GPU logged (MLflow system metrics), in percent. */
  async peakGpuMemory(runIds: string[]): Promise<Map<string, number>> {
    if (!this.runMetrics || runIds.length === 0) return new Map();
    return this.runMetrics.maxMetricValues(
      runIds,
      'system/gpu%memory_usage_percentage',
    );
  }

  /** Total spend of a run across months: the unit a model version's cost adds up from. */
  async runCost(runId: string): Promise<number> {
    const row = await this.db('ml_cost_monthly_items')
      .where({ kind: 'run', item_id: runId })
      .sum({ cost: 'cost_micros' })
      .first();
    return num(row?.cost);
  }

  async runCosts(
    runIds: string[],
  ): Promise<Array<{ runId: string; team: string; costMicros: number }>> {
    if (runIds.length === 0) return [];
    const rows: any[] = [];
    for (const batch of chunks(runIds, 500)) {
      rows.push(
        ...(await this.db('ml_cost_monthly_items')
          .where({ kind: 'run' })
          .whereIn('item_id', batch)
          .select('item_id', 'team')
          .sum({ cost: 'cost_micros' })
          .groupBy('item_id', 'team')),
      );
    }
    return rows.map(r => ({
      runId: r.item_id,
      team: r.team,
      costMicros: num(r.cost),
    }));
  }

  async versionServingCost(versionId: string) {
    const rows: any[] = await this.db('ml_usage')
      .where({ model_version_id: versionId, source: 'endpoint' })
      .select('endpoint_name', 'team')
      .sum({ cost: 'cost_micros' })
      // GPU-seconds over GPUs per replica; CPU replicas and request time count as they are.
      .sum({
        replica: this.db.raw(
          'CASE WHEN gpus > 1 THEN gpu_seconds / gpus ELSE gpu_seconds END',
        ),
      })
      .groupBy('endpoint_name', 'team')
      .orderBy('endpoint_name');
    return rows.map(r => ({
      endpoint: r.endpoint_name as string,
      team: r.team as string,
      costMicros: num(r.cost),
      // Spans are whole milliseconds: a sum of their seconds in floating point (in the
      // order the database adds them) is rounded back to them.
      replicaSeconds: Math.round(num(r.replica) * 1000) / 1000,
    }));
  }

  async lastServingHour(): Promise<number | undefined> {
    const row = await this.db('ml_serving_meter_hours')
      .max({ hour: 'hour_ms' })
      .first();
    return opt(row?.hour);
  }

  async recordServingHour(
    hourMs: number,
    records: UsageRecord[],
  ): Promise<boolean> {
    return this.db.transaction(async tx => {
      // The claim and the usage commit together: another backend's claim of the same
      // hour inserts nothing here, and this one writes nothing.
      const claimed = await tx('ml_serving_meter_hours')
        .insert({ hour_ms: hourMs, metered_at: Date.now() })
        .onConflict('hour_ms')
        .ignore()
        .returning('hour_ms');
      if (claimed.length === 0) return false;
      await this.insertUsage(tx, records);
      return true;
    });
  }

  /** The month's usage rows, oldest first, for the CSV export. */
  async usageRows(
    month: string,
    team?: TeamScope,
  ): Promise<Record<string, unknown>[]> {
    const q = this.db('ml_usage').where({ month }).orderBy('start_ms');
    forTeams(q, 'team', team);
    return q;
  }

  /** GPU-seconds used per pool between two times, for idle reserved capacity. */
  async gpuSecondsByPool(month: string): Promise<Map<string, number>> {
    const rows: any[] = await this.db('ml_cost_daily')
      .where({ month })
      .select('pool')
      .sum({ seconds: 'gpu_seconds' })
      .groupBy('pool');
    return new Map(rows.map(r => [r.pool, num(r.seconds)]));
  }

  /** Stores imported bill lines by their stable keys: re-importing changes only what changed. */
  async upsertBilled(
    source: string,
    lines: BilledCost[],
  ): Promise<BillImportCounts> {
    const counts: BillImportCounts = { added: 0, changed: 0, unchanged: 0 };
    await this.db.transaction(async tx => {
      for (const batch of chunks(lines, 200)) {
        const existing = new Map(
          (
            await tx('ml_billed_costs')
              .where({ source })
              .whereIn(
                'line_key',
                batch.map(l => l.key),
              )
              .select('line_key', 'amount_micros', 'team')
          ).map(r => [r.line_key, r]),
        );
        const rows = batch.map(line => {
          counts[compareBilled(existing.get(line.key), line)]++;
          return {
            source,
            line_key: line.key,
            team: line.team ?? null,
            month: line.periodStart.toISOString().slice(0, 7),
            period_start_ms: line.periodStart.getTime(),
            period_end_ms: line.periodEnd.getTime(),
            gpu_type: line.gpuType ?? null,
            description: line.description,
            amount_micros: line.amountMicros,
            imported_at: Date.now(),
          };
        });
        await tx('ml_billed_costs')
          .insert(rows)
          .onConflict(['source', 'line_key'])
          .merge();
      }
    });
    return counts;
  }

  async billedByTeam(month: string, team?: TeamScope): Promise<BilledTotal[]> {
    const q = this.db('ml_billed_costs')
      .where({ month })
      .select('source', 'team')
      .sum({ amount: 'amount_micros' })
      .groupBy('source', 'team');
    forTeams(q, 'team', team);
    const rows: any[] = await q;
    return rows.map(r => ({
      source: r.source as string,
      team: (r.team as string | null) ?? 'unallocated',
      billedMicros: num(r.amount),
    }));
  }

  /** Records a crossed threshold once per team and month; true when it is new. */
  async recordAlert(
    team: string,
    month: string,
    threshold: number,
    spentMicros: number,
  ): Promise<boolean> {
    // RETURNING lists only the rows inserted, on both databases: an ignored one is not new.
    const inserted = await this.db('ml_budget_alerts')
      .insert({
        team,
        month,
        threshold,
        spent_micros: spentMicros,
        at: Date.now(),
      })
      .onConflict(['team', 'month', 'threshold'])
      .ignore()
      .returning('team');
    return inserted.length > 0;
  }

  private attemptQuery() {
    return this.db('ml_job_attempts as a')
      .join('ml_jobs as j', 'j.job_id', 'a.job_id')
      .select(
        'a.attempt_id',
        'a.job_id',
        'j.name',
        'j.owner',
        'a.pool',
        'a.target',
        'a.region',
        'a.gpu_type',
        'a.gpus',
        'a.spot',
        'a.started_at',
        'a.ended_at',
        'a.billable_seconds',
        'j.experiment_id',
        'j.run_id',
        'j.spec',
      );
  }
}

function toMeterable(row: any): MeterableAttempt {
  return {
    attemptId: row.attempt_id,
    jobId: row.job_id,
    jobName: row.name,
    team: row.owner,
    pool: row.pool,
    target: row.target,
    region: row.region,
    gpuType: row.gpu_type,
    gpus: Number(row.gpus),
    spot: Boolean(row.spot),
    startedAt: opt(row.started_at),
    endedAt: opt(row.ended_at),
    billableSeconds: opt(row.billable_seconds),
    maxRuntimeSeconds: JSON.parse(row.spec).maxRuntimeSeconds,
    experimentId: row.experiment_id ?? undefined,
    runId: row.run_id ?? undefined,
  };
}
