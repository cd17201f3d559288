import { Readable } from 'node:stream';
import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { InputError, NotImplementedError } from '@backstage/errors';
import {
  BudgetSetting,
  BudgetStatus,
  CostImportResult,
  CostRecommendation,
  CostSummary,
  GpuPrice,
  IdleResource,
  LoggedModelCost,
  ModelVersionCost,
  mlBudgetUpdatePermission,
  mlCostImportPermission,
  mlCostReadPermission,
  ML_NOTIFICATION_TOPICS,
} from '@ml-portal/plugin-ml-common';
import { BilledCost } from '@ml-portal/plugin-ml-node';
import { AccessControl } from '../shared/AccessControl';
import { Caller } from '../shared/caller';
import { toGroupRef } from '../shared/groupRefs';
import { MlNotifier } from '../shared/notify';
import { ConfiguredPool } from '../shared/pools';
import {
  CostStore,
  MeterableAttempt,
  UsageRecord,
  TeamScope,
} from './CostStore';
import { parseBill, TeamMapping } from './imports';
import { BudgetStore, StoredBudget } from './BudgetStore';
import { formatUsd, numberToMicros } from './money';
import { PriceBook } from './priceBook';
import { priceAttempt } from './pricing';
import { ServingCostSettings, ServingPricer } from './servingCost';
import { ServedDeployment, ServingUsageSource } from './ServingUsageSource';

/** What cost reads of the registry: a version the caller may read (404/403 otherwise). @internal */
export type CostModelVersions = {
  getVersion(
    caller: Caller,
    name: unknown,
    version: unknown,
  ): Promise<{ id: string; name: string; version: string }>;
};

/** What a logged model's cost reads of tracking: the model, where the caller may read it. @internal */
export type CostLoggedModels = {
  getLoggedModel(
    caller: Caller,
    modelId: string,
  ): Promise<{ modelId: string; name: string }>;
};

/** What cost reads of lineage: the nodes upstream of some nodes. @internal */
export type CostLineage = {
  upstreamOfEach(
    kind: 'model_version' | 'logged_model',
    ids: string[],
    depth: number,
  ): Promise<Map<string, Array<{ kind: string; id: string }>>>;
};

/** How far up a version's lineage its training runs are looked for. */
const VERSION_LINEAGE_DEPTH = 10;
/** Serving hours are metered this long after they close: the router's last counts are in. */
const SERVING_METER_DELAY_MS = 5 * 60_000;
/** Hours one metering run records at most (a backlog catches up over runs). */
const SERVING_HOURS_PER_RUN = 24 * 7;

/** A team's monthly budget: set through the API (`updated`), else from `ml.cost.budgets`. @internal */
export type Budget = {
  team: string;
  amountMicros: number;
  thresholds: number[];
  hard: boolean;
  updated?: { by?: string; at: number };
};

const HOUR_MS = 3_600_000;
const DEFAULT_ALERT_AT = [0.8, 1];

/** A stored budget as the service uses it. @internal */
export function storedToBudget(stored: StoredBudget): Budget {
  return {
    team: stored.team,
    amountMicros: numberToMicros(stored.monthlyUsd),
    thresholds: [...stored.alertAt].sort((x, y) => x - y),
    hard: stored.hard,
    updated: { by: stored.updatedBy, at: stored.updatedAt },
  };
}

/**
 * The budgets now: each team's API-set one where it has one, its config one otherwise.
 *
 * @internal
 */
export function budgetsOver(
  defaults: Budget[],
  store: BudgetStore,
): () => Promise<Budget[]> {
  return async () => {
    const set = new Map(
      (await store.list()).map(b => [b.team, storedToBudget(b)]),
    );
    return [...defaults.filter(b => !set.has(b.team)), ...set.values()];
  };
}

const toBudgetSetting = (budget: Budget): BudgetSetting => ({
  team: budget.team,
  monthlyUsd: budget.amountMicros / 1_000_000,
  alertAt: budget.thresholds,
  hard: budget.hard,
  source: budget.updated ? 'api' : 'config',
  ...(budget.updated?.by && { updatedBy: budget.updated.by }),
  ...(budget.updated && { updatedAt: budget.updated.at }),
});

/** Bounds a budget so its micro-dollars stay exact integers. */
const MAX_BUDGET_USD = 1_000_000_000;

/** A budget request's body: amount > 0, thresholds in (0, 2] (at most 10), hard or not. */
function parseBudgetInput(
  input: unknown,
): Pick<StoredBudget, 'monthlyUsd' | 'alertAt' | 'hard'> {
  const body = (input ?? {}) as Record<string, unknown>;
  const { monthlyUsd, alertAt = DEFAULT_ALERT_AT, hard = false } = body;
  if (
    typeof monthlyUsd !== 'number' ||
    !Number.isFinite(monthlyUsd) ||
    monthlyUsd > MAX_BUDGET_USD ||
    numberToMicros(monthlyUsd) <= 0
  )
    throw new InputError(
      `monthlyUsd must be a number above 0 (at least $0.000001) and at most ${MAX_BUDGET_USD}`,
    );
  if (
    !Array.isArray(alertAt) ||
    alertAt.length > 10 ||
    !alertAt.every(t => typeof t === 'number' && t > 0 && t <= 2)
  )
    throw new InputError(
      'alertAt must be a list of at most 10 fractions of the budget, each above 0 and at most 2',
    );
  if (typeof hard !== 'boolean') throw new InputError('hard must be a boolean');
  return {
    monthlyUsd,
    alertAt: [...new Set(alertAt as number[])].sort((x, y) => x - y),
    hard,
  };
}

/** Over budget is critical, nearly there high; earlier thresholds are a heads-up. */
function budgetSeverity(threshold: number) {
  if (threshold >= 1) return 'critical';
  return threshold >= 0.9 ? 'high' : 'normal';
}

export const monthOf = (ms: number) => new Date(ms).toISOString().slice(0, 7);
const monthStart = (month: string) => Date.parse(`${month}-01T00:00:00Z`);
const nextMonthStart = (month: string) => {
  const d = new Date(monthStart(month));
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
};
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** Whether `team` is within `scope` (undefined: every team). */
const inScope = (team: string, scope: TeamScope) =>
  scope === undefined ||
  (typeof scope === 'string' ? team === scope : scope.includes(team));

/** The six months ending with `month`, oldest first. */
function lastMonths(month: string, count: number): string[] {
  const d = new Date(monthStart(month));
  return Array.from({ length: count }, (_, i) =>
    monthOf(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - (count - 1 - i), 1)),
  );
}

/**
 * GPU spend: meters ended attempts into usage and rollups, answers the cost page,
 * forecasts the month, enforces hard budgets at admission (the training budget hook)
 * and raises threshold alerts, recommends savings, and imports real bills.
 *
 * @internal
 */
export class CostService {
  private readonly pools: Map<string, ConfiguredPool>;

  constructor(
    private readonly options: {
      store: CostStore;
      priceBook: PriceBook;
      pools: ConfiguredPool[];
      /** The budgets now: a fixed list, or read on each use (API-set ones over config's). */
      budgets: Budget[] | (() => Promise<Budget[]>);
      /** Where `setBudget` writes; budgets are read-only without it. */
      budgetStore?: BudgetStore;
      logger: LoggerService;
      /** Who sees which team's spend (`ml.cost.read`) and imports bills (`ml.cost.import`). */
      access: AccessControl;
      /** Endpoints' replicas and requests, metered and judged idle as `settings` say. */
      serving?: { source: ServingUsageSource; settings: ServingCostSettings };
      /** A model version's cost reads the registry and lineage. */
      models?: CostModelVersions;
      loggedModels?: CostLoggedModels;
      lineage?: CostLineage;
      /** Budget alerts to the team's group; none without it (they are still logged). */
      notifier?: MlNotifier;
      now?: () => number;
    },
  ) {
    this.pools = new Map(options.pools.map(p => [p.name, p]));
    this.pricer = new ServingPricer(options.priceBook, this.pools);
    const { budgets } = options;
    this.currentBudgets = Array.isArray(budgets)
      ? async () => budgets
      : budgets;
  }

  private readonly currentBudgets: () => Promise<Budget[]>;

  private readonly pricer: ServingPricer;

  static readBudgets(config: Config): Budget[] {
    return (config.getOptionalConfigArray('ml.cost.budgets') ?? []).map(
      (b, i) => {
        const monthlyUsd = b.getNumber('monthlyUsd');
        if (!(monthlyUsd > 0))
          throw new Error(`ml.cost.budgets[${i}]: monthlyUsd must be > 0`);
        return {
          team: b.getString('team'),
          amountMicros: numberToMicros(monthlyUsd),
          thresholds: [
            ...(b.getOptional<number[]>('alertAt') ?? [0.8, 1]),
          ].sort((x, y) => x - y),
          hard: b.getOptionalBoolean('hard') ?? false,
        };
      },
    );
  }

  private now() {
    return this.options.now?.() ?? Date.now();
  }

  /** Prices an attempt from its start to its end (or `untilMs` while it runs). */
  private usageOf(attempt: MeterableAttempt, untilMs?: number): UsageRecord[] {
    const pool = this.pools.get(attempt.pool);
    const provider = pool?.provider;
    const startMs = attempt.startedAt;
    const endMs = untilMs ?? attempt.endedAt;
    if (startMs === undefined || endMs === undefined) return [];
    const elapsedS = (endMs - startMs) / 1000;
    // Managed platforms that report billable seconds bill those at the on-demand rate.
    const billed =
      attempt.billableSeconds !== undefined &&
      elapsedS > 0 &&
      untilMs === undefined;
    const slices = priceAttempt({
      startMs,
      endMs,
      gpus: attempt.gpus,
      spot: billed ? false : attempt.spot,
      billedFraction: billed
        ? Math.min(1, attempt.billableSeconds! / elapsedS)
        : 1,
      prices: this.options.priceBook.historyFor({
        pool: attempt.pool,
        provider,
        gpuType: attempt.gpuType,
        region: attempt.region,
      }),
    });
    return slices.map(slice => ({
      ...slice,
      source: 'training',
      attemptId: attempt.attemptId,
      jobId: attempt.jobId,
      team: attempt.team,
      pool: attempt.pool,
      provider,
      region: attempt.region,
      gpuType: attempt.gpuType,
      gpus: attempt.gpus,
      spot: attempt.spot,
      experimentId: attempt.experimentId,
      runId: attempt.runId,
    }));
  }

  /** Records the usage of every ended attempt not yet metered (preempted ones included), then checks budgets. */
  async meter(): Promise<number> {
    let metered = 0;
    for (const attempt of await this.options.store.unmeteredAttempts()) {
      if (
        await this.options.store.recordAttemptUsage(
          attempt.attemptId,
          this.usageOf(attempt),
        )
      )
        metered++;
    }
    if (metered > 0) await this.alert();
    return metered;
  }

  /**
   * Records the serving usage of every hour that closed since the last one recorded
   * (from the first replica interval on the first run), one hour per transaction with
   * its claim: two backends metering at once record each hour once. Then checks budgets.
   */
  async meterServing(): Promise<number> {
    const { serving, store } = this.options;
    if (!serving) return 0;
    const last = await store.lastServingHour();
    const first =
      last === undefined ? await serving.source.firstServedAt() : undefined;
    if (last === undefined && first === undefined) return 0;
    const start =
      last !== undefined
        ? last + HOUR_MS
        : Math.floor(first! / HOUR_MS) * HOUR_MS;
    let metered = 0;
    const now = this.now();
    for (let n = 0; n < SERVING_HOURS_PER_RUN; n++) {
      const hour = start + n * HOUR_MS;
      const end = hour + HOUR_MS;
      if (end + SERVING_METER_DELAY_MS > now) break;
      const served = await serving.source.served(hour, end);
      const records = served.flatMap(
        d => this.pricer.usage(d, hour, end) ?? [],
      );
      if (await store.recordServingHour(hour, records)) metered++;
    }
    if (metered > 0) await this.alert();
    return metered;
  }

  /**
   * Endpoints of the teams in scope that served fewer requests than the idle rate over
   * the window while up (or able to scale up), with what their replicas cost in it and,
   * for those that scale to zero, what one replica kept up would have cost more.
   * Only endpoints whose requests the portal counts (it routes them) can be judged.
   */
  private async idleEndpoints(team: TeamScope): Promise<IdleResource[]> {
    const { serving } = this.options;
    if (!serving) return [];
    const { idleWindowHours, idleRequestsPerHour } = serving.settings;
    const now = this.now();
    const from = now - idleWindowHours * HOUR_MS;
    const byEndpoint = new Map<string, ServedDeployment[]>();
    for (const served of await serving.source.served(from, now)) {
      if (!inScope(served.team, team)) continue;
      byEndpoint.set(served.endpointId, [
        ...(byEndpoint.get(served.endpointId) ?? []),
        served,
      ]);
    }
    const idle: IdleResource[] = [];
    for (const deployments of byEndpoint.values()) {
      const spans = deployments.flatMap(d => d.spans);
      // Gone before now (deleted, or its replicas no longer recorded): not idle now.
      if (!spans.some(span => span.toMs >= now)) continue;
      if (deployments.some(d => !d.requests)) continue;
      const since = Math.min(...spans.map(span => span.fromMs));
      const hours = (now - since) / HOUR_MS;
      const requests = deployments.reduce((n, d) => n + d.requests!.count, 0);
      if (requests >= idleRequestsPerHour * hours) continue;
      const prices = deployments.map(d => this.pricer.price(d, since, now));
      const costMicros = prices.reduce((sum, p) => sum + p.costMicros, 0);
      const replicaHours =
        prices.reduce((sum, p) => sum + p.replicaSeconds, 0) / 3600;
      const [first] = deployments;
      const scalesToZero = first.minReplicas === 0;
      if (replicaHours === 0 && !scalesToZero) continue;
      const savings = scalesToZero
        ? Math.max(0, this.pricer.oneReplica(first, since, now) - costMicros)
        : undefined;
      const window = `${Math.round(hours * 10) / 10} hours`;
      idle.push({
        kind: 'endpoint',
        name: first.endpointName,
        team: first.team,
        costMicros,
        requests,
        windowHours: Math.round(hours * 10) / 10,
        ...(savings !== undefined && { scaleToZeroSavingsMicros: savings }),
        message: `${requests} requests in ${window} (idle under ${idleRequestsPerHour} an hour) with ${
          Math.round(replicaHours * 10) / 10
        } replica-hours up${
          savings !== undefined
            ? `; it scales to zero, saving ${formatUsd(
                savings,
              )} against one replica kept up`
            : ''
        }`,
      });
    }
    return idle;
  }

  /**
   * A model version's cost: the GPU spend of the training runs upstream of it in
   * lineage plus what serving it cost, of the teams the caller may read (`partial` when
   * some spend was another's). 404/403 when the caller may not read the version.
   */
  async modelVersionCost(
    caller: Caller,
    name: string,
    version: string,
  ): Promise<ModelVersionCost> {
    const { models, store } = this.options;
    if (!models) throw new Error('Model version costs need the registry');
    const found = await models.getVersion(caller, name, version);
    const [training, serving, teams] = await Promise.all([
      this.trainingCostUpstreamOf(caller, 'model_version', found.id),
      store.versionServingCost(found.id),
      this.visibleTeams(caller),
    ]);
    const endpoints = serving.filter(e => inScope(e.team, teams));
    const servingMicros = endpoints.reduce((sum, e) => sum + e.costMicros, 0);
    return {
      name: found.name,
      version: found.version,
      trainingMicros: training.trainingMicros,
      servingMicros,
      totalMicros: training.trainingMicros + servingMicros,
      runs: training.runs,
      endpoints,
      partial: training.partial || endpoints.length < serving.length,
    };
  }

  /**
   * A logged model's cost (MLflow 3): the GPU spend of the runs upstream of it in
   * lineage (the run that logged it, and what that run started from), of the teams the
   * caller may read. A logged model is not served itself; its versions are.
   */
  async loggedModelCost(
    caller: Caller,
    modelId: string,
  ): Promise<LoggedModelCost> {
    const { loggedModels } = this.options;
    if (!loggedModels) throw new Error('Logged model costs need tracking');
    const model = await loggedModels.getLoggedModel(caller, modelId);
    return {
      modelId: model.modelId,
      name: model.name,
      ...(await this.trainingCostUpstreamOf(
        caller,
        'logged_model',
        model.modelId,
      )),
    };
  }

  /** The GPU cost of the runs upstream of a node, per run, of the teams the caller may read. */
  private async trainingCostUpstreamOf(
    caller: Caller,
    kind: 'model_version' | 'logged_model',
    id: string,
  ) {
    const { lineage, store } = this.options;
    if (!lineage) throw new Error('Training costs of models need lineage');
    const upstream =
      (await lineage.upstreamOfEach(kind, [id], VERSION_LINEAGE_DEPTH)).get(
        id,
      ) ?? [];
    const runIds = [
      ...new Set(upstream.filter(n => n.kind === 'run').map(n => n.id)),
    ];
    const [runCosts, teams] = await Promise.all([
      store.runCosts(runIds),
      this.visibleTeams(caller),
    ]);
    const runs = runCosts.filter(r => inScope(r.team, teams));
    const byRun = new Map<string, number>();
    for (const r of runs)
      byRun.set(r.runId, (byRun.get(r.runId) ?? 0) + r.costMicros);
    return {
      trainingMicros: runs.reduce((sum, r) => sum + r.costMicros, 0),
      runs: [...byRun].map(([runId, costMicros]) => ({ runId, costMicros })),
      partial: runs.length < runCosts.length,
    };
  }

  /** Per team: cost of running attempts in `month` so far, and their cost per hour now. */
  private async running(month: string) {
    const now = this.now();
    const byTeam = new Map<
      string,
      { accrued: number; perHour: number; untilEnd: number }
    >();
    const monthEnd = nextMonthStart(month);
    for (const attempt of await this.options.store.runningAttempts()) {
      const entry = byTeam.get(attempt.team) ?? {
        accrued: 0,
        perHour: 0,
        untilEnd: 0,
      };
      const from = Math.max(attempt.startedAt!, monthStart(month));
      const usage = this.usageOf(
        { ...attempt, startedAt: from },
        Math.max(from, Math.min(now, monthEnd)),
      );
      entry.accrued += usage.reduce((sum, u) => sum + u.costMicros, 0);
      const hourly = this.usageOf(
        { ...attempt, startedAt: now },
        now + HOUR_MS,
      );
      const perHour = hourly.reduce((sum, u) => sum + u.costMicros, 0);
      entry.perHour += perHour;
      // To the month's end, or to the job's maximum runtime if that comes first.
      const endsAt = Math.min(
        monthEnd,
        attempt.maxRuntimeSeconds
          ? attempt.startedAt! + attempt.maxRuntimeSeconds * 1000
          : monthEnd,
      );
      entry.untilEnd += Math.round(
        (perHour * Math.max(0, endsAt - now)) / HOUR_MS,
      );
      byTeam.set(attempt.team, entry);
    }
    return byTeam;
  }

  async budgets(
    month = monthOf(this.now()),
    team?: TeamScope,
  ): Promise<BudgetStatus[]> {
    const budgets = (await this.currentBudgets()).filter(b =>
      inScope(b.team, team),
    );
    if (budgets.length === 0) return [];
    const spent = new Map(
      (await this.options.store.spend(['team'], { months: [month] })).map(r => [
        r.team,
        r.costMicros,
      ]),
    );
    const current = month === monthOf(this.now());
    const running = current ? await this.running(month) : new Map();
    return budgets.map(budget => {
      const live = running.get(budget.team);
      const spentMicros = (spent.get(budget.team) ?? 0) + (live?.accrued ?? 0);
      const forecastMicros = spentMicros + (live?.untilEnd ?? 0);
      const crossed = budget.thresholds.filter(
        t => spentMicros >= t * budget.amountMicros,
      );
      return {
        team: budget.team,
        month,
        amountMicros: budget.amountMicros,
        spentMicros,
        forecastMicros,
        thresholds: budget.thresholds,
        crossed,
        hard: budget.hard,
        holding: current && budget.hard && spentMicros >= budget.amountMicros,
      };
    });
  }

  /**
   * The budgets of the teams whose spend the caller sees, API-set or from config; every
   * team's for those who set them (`ml.budget.update`).
   */
  async listBudgets(caller: Caller): Promise<BudgetSetting[]> {
    const scope = (await this.options.access.holds(
      caller,
      mlBudgetUpdatePermission,
    ))
      ? undefined
      : await this.visibleTeams(caller);
    return (await this.currentBudgets())
      .filter(b => inScope(b.team, scope))
      .map(toBudgetSetting);
  }

  /**
   * Sets a team's monthly budget, replacing its config default; the next summary, alert
   * pass and admission cycle use it. Needs `ml.budget.update` (platform groups).
   */
  async setBudget(
    caller: Caller,
    team: string,
    input: unknown,
  ): Promise<BudgetSetting> {
    const { budgetStore, access } = this.options;
    const ref = toGroupRef(team);
    if (!ref) throw new InputError(`team '${team}' is not a group reference`);
    const body = parseBudgetInput(input);
    await access.authorize(caller, mlBudgetUpdatePermission);
    if (!budgetStore)
      throw new NotImplementedError('Budgets are read-only in this portal');
    const stored = {
      team: ref,
      ...body,
      updatedBy: caller.userId,
      updatedAt: this.now(),
    };
    await budgetStore.put(stored);
    return toBudgetSetting(storedToBudget(stored));
  }

  /**
   * A pool's price per GPU-hour now, in micro-dollars (spot or on demand): training's
   * cost ceiling per job. Undefined for a pool the price book does not price.
   */
  gpuHourMicros(pool: ConfiguredPool, spot: boolean): number | undefined {
    const now = this.now();
    const current = this.options.priceBook
      .historyFor({
        pool: pool.name,
        provider: pool.provider,
        gpuType: pool.gpuType,
        region: pool.region,
      })
      .filter(p => p.effectiveFromMs <= now)
      .pop();
    if (!current) return undefined;
    return spot ? current.spotGpuHourMicros : current.gpuHourMicros;
  }

  /** The training budget hook: teams over a hard budget this month, with the reason shown. */
  async budgetHolds(): Promise<Map<string, string>> {
    const holds = new Map<string, string>();
    // Asked before every admission cycle: no hard budget, no query.
    if (!(await this.currentBudgets()).some(budget => budget.hard))
      return holds;
    for (const status of await this.budgets()) {
      if (status.holding)
        holds.set(
          status.team,
          `Held for budget: ${status.team} has spent ${formatUsd(
            status.spentMicros,
          )} of its ${formatUsd(status.amountMicros)} budget for ${
            status.month
          }; new jobs wait until the month rolls over or the budget is raised`,
        );
    }
    return holds;
  }

  /**
   * Tells a team's group of each threshold it crosses, once per month (and logs it); the
   * page always shows them.
   */
  private async alert() {
    for (const status of await this.budgets()) {
      for (const threshold of status.crossed) {
        if (
          await this.options.store.recordAlert(
            status.team,
            status.month,
            threshold,
            status.spentMicros,
          )
        )
          await this.sendBudgetAlert(status, threshold);
      }
    }
  }

  private async sendBudgetAlert(status: BudgetStatus, threshold: number) {
    const percent = Math.round(threshold * 100);
    const description = `${status.team} has spent ${formatUsd(
      status.spentMicros,
    )}, ${percent}% or more of its ${formatUsd(
      status.amountMicros,
    )} budget for ${status.month}${
      status.hard && threshold >= 1 ? '; new jobs wait for the budget' : ''
    }`;
    this.options.logger.warn(`Budget alert: ${description}`);
    const group = toGroupRef(status.team);
    if (!group) return;
    await this.options.notifier?.send({
      to: [group],
      payload: {
        title: `${status.team} reached ${percent}% of its ${status.month} GPU budget`,
        description,
        link: `/ml/cost?${new URLSearchParams({
          month: status.month,
          team: status.team,
        })}`,
        severity: budgetSeverity(threshold),
        topic: ML_NOTIFICATION_TOPICS.budgets,
        // One notification per team, month and threshold: a re-send updates it.
        scope: `ml-budget:${status.team}:${status.month}:${threshold}`,
      },
    });
  }

  private checkMonth(month: string | undefined) {
    const m = month ?? monthOf(this.now());
    if (!MONTH.test(m))
      throw new InputError(`month must be YYYY-MM, got '${m}'`);
    return m;
  }

  async summary(
    caller: Caller,
    query: { month?: string; team?: string },
  ): Promise<CostSummary> {
    const month = this.checkMonth(query.month);
    const { store } = this.options;
    const team = await this.visibleTeams(caller, query.team);
    const [teams, sources, trend, daily, budgets, top, billed] =
      await Promise.all([
        store.spend(['team'], { months: [month], team }),
        store.spend(['team', 'source'], { months: [month], team }),
        store.spend(['month', 'team', 'gpu_type', 'spot'], {
          months: lastMonths(month, 6),
          team,
        }),
        store.spend(['day', 'team'], { months: [month], team }),
        this.budgets(month, team),
        store.top(month, team, 10),
        store.billedByTeam(month, team),
      ]);
    const estimated = new Map(teams.map(t => [t.team, t.costMicros]));
    return {
      month,
      teams,
      sources,
      trend,
      daily,
      budgets,
      top,
      // Reserved pools are the platform's, not a team's: every reader sees them.
      // Endpoints are judged on the hours before now, so only the current month has them.
      idle: [
        ...(await this.idle(month)),
        ...(month === monthOf(this.now())
          ? await this.idleEndpoints(team)
          : []),
      ],
      reconciliation: billed.map(b => ({
        ...b,
        month,
        estimatedMicros: estimated.get(b.team) ?? 0,
      })),
    };
  }

  /** Reserved pools' unused GPU-hours in the month so far, at their on-demand price. */
  private async idle(month: string): Promise<IdleResource[]> {
    const reserved = [...this.pools.values()].filter(p => p.reserved);
    if (reserved.length === 0) return [];
    const used = await this.options.store.gpuSecondsByPool(month);
    const start = monthStart(month);
    const end = Math.min(this.now(), nextMonthStart(month));
    return reserved.flatMap(pool => {
      const capacitySeconds =
        (pool.capacityGpus * Math.max(0, end - start)) / 1000;
      const idleSeconds = Math.max(
        0,
        capacitySeconds - (used.get(pool.name) ?? 0),
      );
      const [slice] = priceAttempt({
        startMs: start,
        endMs: start + (idleSeconds * 1000) / pool.capacityGpus,
        gpus: pool.capacityGpus,
        spot: false,
        prices: this.options.priceBook.historyFor({
          pool: pool.name,
          provider: pool.provider,
          gpuType: pool.gpuType,
          region: pool.region,
        }),
      });
      if (!slice || idleSeconds === 0) return [];
      const share = capacitySeconds
        ? Math.round((100 * idleSeconds) / capacitySeconds)
        : 0;
      return [
        {
          kind: 'pool' as const,
          name: pool.name,
          costMicros: slice.costMicros,
          message: `${share}% of ${pool.name}'s reserved ${pool.capacityGpus} ${pool.gpuType} GPUs sat idle this month`,
        },
      ];
    });
  }

  /**
   * The teams whose spend the caller sees: the one asked for if they may read it (403
   * otherwise), else every team for managers, else their own teams.
   */
  private async visibleTeams(
    caller: Caller,
    requested?: string,
  ): Promise<TeamScope> {
    const { access } = this.options;
    if (requested) {
      await access.authorize(caller, mlCostReadPermission, {
        owner: requested,
        describe: `the spend of ${requested}`,
      });
      return requested;
    }
    const teams = await access.ownersFor(caller, mlCostReadPermission);
    return teams === 'all' ? undefined : teams;
  }

  prices(): GpuPrice[] {
    return this.options.priceBook.entries.map(
      ({ effectiveFromMs, ...price }) => price,
    );
  }

  /** The month's usage as CSV, one line per attempt-day and per endpoint deployment-hour. */
  async exportCsv(
    caller: Caller,
    query: { month?: string; team?: string },
  ): Promise<string> {
    const month = this.checkMonth(query.month);
    const rows = await this.options.store.usageRows(
      month,
      await this.visibleTeams(caller, query.team),
    );
    const columns = [
      'day',
      'team',
      'job_id',
      'attempt_id',
      'run_id',
      'experiment_id',
      'pool',
      'provider',
      'region',
      'gpu_type',
      'gpus',
      'spot',
      'start',
      'end',
      'gpu_hours',
      'cost_usd',
      'on_demand_usd',
      'source',
      'endpoint',
    ];
    const cell = (v: unknown) => {
      const s = v === null || v === undefined ? '' : String(v);
      return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    };
    const money = (micros: unknown) => (Number(micros) / 1e6).toFixed(6);
    const lines = rows.map((r: any) =>
      [
        r.day,
        r.team,
        r.job_id,
        r.attempt_id,
        r.run_id,
        r.experiment_id,
        r.pool,
        r.provider,
        r.region,
        r.gpu_type,
        r.gpus,
        Boolean(r.spot),
        new Date(Number(r.start_ms)).toISOString(),
        new Date(Number(r.end_ms)).toISOString(),
        (Number(r.gpu_seconds) / 3600).toFixed(4),
        money(r.cost_micros),
        money(r.list_cost_micros),
        r.source,
        r.endpoint_name,
      ]
        .map(cell)
        .join(','),
    );
    return `${[columns.join(','), ...lines].join('\n')}\n`;
  }

  /**
   * Imports a bill: `{ format, content }` with the export as text, or as a stream of
   * bytes (an upload read as it arrives). The bill is parsed whole before anything is
   * written, so a malformed one writes nothing; its lines are then written in one
   * transaction, replacing billed lines of every team it names.
   */
  async importBill(
    caller: Caller,
    input: unknown,
    mapping: TeamMapping = {},
  ): Promise<CostImportResult> {
    const body = input as { format?: unknown; content?: unknown };
    const { content } = body ?? {};
    try {
      await this.options.access.authorize(caller, mlCostImportPermission);
      if (body?.format !== 'opencost' && body?.format !== 'aws-cur')
        throw new InputError(`format must be 'opencost' or 'aws-cur'`);
      if (
        !(content instanceof Readable) &&
        (typeof content !== 'string' || content.length === 0)
      )
        throw new InputError('content must be the export file as text');
      const lines = await parseBill(body.format, content, mapping);
      return await this.storeBill(body.format, lines);
    } finally {
      // A refused upload is not read on.
      if (content instanceof Readable) content.destroy();
    }
  }

  async storeBill(
    source: string,
    lines: BilledCost[],
  ): Promise<CostImportResult> {
    const counts = await this.options.store.upsertBilled(source, lines);
    return {
      source,
      rows: lines.length,
      months: [
        ...new Set(lines.map(l => monthOf(l.periodStart.getTime()))),
      ].sort(),
      ...counts,
    };
  }

  /**
   * Spot candidates (checkpointing jobs that ran on demand where a spot pool of the same
   * GPU exists) and right-sizing (jobs on the priciest GPUs whose runs logged GPU memory
   * use ≤ 25% — MLflow's system metrics), from this month's spend.
   */
  async recommendations(
    caller: Caller,
    requestedTeam?: string,
  ): Promise<CostRecommendation[]> {
    const team = await this.visibleTeams(caller, requestedTeam);
    const month = monthOf(this.now());
    const jobs = await this.options.store.monthJobs(month, team, 200);
    const peaks = await this.options.store.peakGpuMemory(
      jobs.flatMap(job => (job.runId ? [job.runId] : [])),
    );
    const elapsed = Math.max(1, this.now() - monthStart(month));
    const perMonth = (micros: number) =>
      Math.round(
        (micros * (nextMonthStart(month) - monthStart(month))) / elapsed,
      );
    const hourPrice = (pool: ConfiguredPool, spot: boolean) => {
      const [p] = this.options.priceBook
        .historyFor({
          pool: pool.name,
          provider: pool.provider,
          gpuType: pool.gpuType,
          region: pool.region,
        })
        .slice(-1);
      if (!p) return 0;
      return spot ? p.spotGpuHourMicros : p.gpuHourMicros;
    };
    const pools = [...this.pools.values()];
    const out: CostRecommendation[] = [];
    for (const job of jobs) {
      const pool = this.pools.get(job.pool);
      if (!pool) continue;
      const cost = job.costMicros;
      const spotPool = pools.find(p => p.spot && p.gpuType === pool.gpuType);
      if (
        !pool.spot &&
        job.checkpoints &&
        spotPool &&
        job.listCostMicros === cost
      ) {
        const ratio =
          hourPrice(spotPool, true) / Math.max(1, hourPrice(pool, false));
        out.push({
          kind: 'spot-candidate',
          jobId: job.jobId,
          jobName: job.name,
          team: job.team,
          pool: pool.name,
          suggestedPool: spotPool.name,
          message: `${job.name} checkpoints but ran on demand; on ${spotPool.name} (spot) it resumes after preemption`,
          monthlySavingsMicros: perMonth(Math.round(cost * (1 - ratio))),
        });
      }
      const peak = job.runId ? peaks.get(job.runId) : undefined;
      if (peak === undefined || peak > 25) continue;
      const price = hourPrice(pool, false);
      const cheaper = pools
        .filter(
          p =>
            p.gpuType !== pool.gpuType &&
            hourPrice(p, false) > 0 &&
            hourPrice(p, false) < price,
        )
        .sort((a, b) => hourPrice(a, false) - hourPrice(b, false))[0];
      if (!cheaper) continue;
      out.push({
        kind: 'right-size',
        jobId: job.jobId,
        jobName: job.name,
        team: job.team,
        pool: pool.name,
        suggestedPool: cheaper.name,
        message: `${job.name} used at most ${peak.toFixed(0)}% of its ${
          pool.gpuType
        } GPU memory; ${cheaper.gpuType} on ${cheaper.name} costs less`,
        monthlySavingsMicros: perMonth(
          Math.round(cost * (1 - hourPrice(cheaper, false) / price)),
        ),
      });
    }
    return out.sort((a, b) => b.monthlySavingsMicros - a.monthlySavingsMicros);
  }
}
