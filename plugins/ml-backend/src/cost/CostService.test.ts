import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { Knex } from 'knex';
import { ML_MIGRATIONS_DIR } from '../database/migrateDatabase';
import { createTestDatabases } from '../__testUtils__/databases';
import { readPools } from '../shared/pools';
import { openAccess, userCaller } from '../__testUtils__/access';
import { DatabaseBudgetStore } from './BudgetStore';
import { budgetsOver, CostService } from './CostService';
import { DatabaseCostStore } from './DatabaseCostStore';
import { PriceBook } from './priceBook';
import { mlNotifier } from '../shared/notify';
import { NotificationSendOptions } from '@backstage/plugin-notifications-node';
import { DatabaseTrackingStore } from '../tracking/DatabaseTrackingStore';

const caller = userCaller();

const databases = createTestDatabases();
const at = (iso: string) => Date.parse(iso);
const RECSYS = 'group:default/recsys';
const VISION = 'group:default/vision';

const config = new ConfigReader({
  ml: {
    training: {
      pools: [
        {
          name: 'h100',
          target: 'kubernetes',
          provider: 'aws',
          gpuType: 'H100',
          gpusPerNode: 8,
          nodes: 2,
        },
        {
          name: 'a10-spot',
          target: 'kubernetes',
          provider: 'aws',
          gpuType: 'A10G',
          gpusPerNode: 4,
          spot: true,
        },
        {
          name: 'a10',
          target: 'kubernetes',
          provider: 'aws',
          gpuType: 'A10G',
          gpusPerNode: 4,
        },
        {
          name: 'reserved-l4',
          target: 'kubernetes',
          gpuType: 'L4',
          gpusPerNode: 4,
          reserved: true,
          gpuHourUsd: 0.5,
        },
      ],
    },
    cost: {
      spotDiscount: 0.6,
      budgets: [
        { team: RECSYS, monthlyUsd: 100, alertAt: [0.5, 1], hard: true },
        { team: VISION, monthlyUsd: 1000 },
      ],
    },
  },
});

async function setup(
  databaseId: Parameters<typeof databases.init>[0],
  now: string,
) {
  const knex: Knex = await databases.init(databaseId);
  await knex.migrate.latest({
    directory: ML_MIGRATIONS_DIR,
    tableName: 'ml_knex_migrations',
  });
  const pools = readPools(config);
  const logger = mockServices.logger.mock();
  // What reaches Backstage's notifications backend.
  const notifications: NotificationSendOptions[] = [];
  const cost = new CostService({
    store: DatabaseCostStore.create({
      knex,
      runMetrics: DatabaseTrackingStore.create({ knex }),
    }),
    priceBook: PriceBook.fromConfig(config, pools),
    pools,
    // As the plugin builds it: config's budgets unless one is set through the API.
    budgets: budgetsOver(
      CostService.readBudgets(config),
      DatabaseBudgetStore.create({ knex }),
    ),
    budgetStore: DatabaseBudgetStore.create({ knex }),
    logger,
    access: openAccess(),
    notifier: mlNotifier({
      notifications: { send: async sent => void notifications.push(sent) },
      logger,
    }),
    now: () => at(now),
  });
  let n = 0;
  /** A job with one attempt, as the training domain leaves them. */
  const attempt = async (a: {
    team: string;
    pool: string;
    gpuType: string;
    gpus: number;
    spot?: boolean;
    start: string;
    end?: string;
    state?: string;
    spec?: object;
    runId?: string;
  }) => {
    n++;
    const jobId = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
    await knex('ml_jobs').insert({
      job_id: jobId,
      name: `job-${n}`,
      owner: a.team,
      status: a.end ? 'SUCCEEDED' : 'RUNNING',
      pool: a.pool,
      priority: 0,
      gpus: a.gpus,
      spot_allowed: Boolean(a.spot),
      max_retries: 0,
      spec: JSON.stringify({
        name: `job-${n}`,
        command: ['train'],
        resources: { gpus: a.gpus },
        ...a.spec,
      }),
      run_id: a.runId ?? null,
      created_at: at(a.start),
      updated_at: at(a.start),
    });
    await knex('ml_job_attempts').insert({
      attempt_id: jobId.replace(/^0/, 'a'),
      job_id: jobId,
      attempt_number: 1,
      pool: a.pool,
      target: 'kubernetes',
      external_name: `ml-${n}`,
      state: a.state ?? (a.end ? 'SUCCEEDED' : 'RUNNING'),
      spot: Boolean(a.spot),
      gpus: a.gpus,
      gpu_type: a.gpuType,
      region: 'us-east-1',
      started_at: at(a.start),
      ended_at: a.end ? at(a.end) : null,
    });
    return jobId;
  };
  return { knex, cost, logger, notifications, attempt };
}

describe('CostService', () => {
  it.each(databases.eachSupportedId())(
    'meters ended attempts once into usage and rollups that agree (%p)',
    async databaseId => {
      const { knex, cost, attempt } = await setup(
        databaseId,
        '2026-11-20T12:00:00Z',
      );
      // Across the month boundary: 2 h in October, 1 h in November, 8 × H100 at $8.
      const across = await attempt({
        team: RECSYS,
        pool: 'h100',
        gpuType: 'H100',
        gpus: 8,
        start: '2026-10-31T22:00:00Z',
        end: '2026-11-01T01:00:00Z',
      });
      // A preempted spot attempt is billed for the time it ran: 4 × A10G × 30 min at $0.40.
      await attempt({
        team: VISION,
        pool: 'a10-spot',
        gpuType: 'A10G',
        gpus: 4,
        spot: true,
        start: '2026-11-05T10:00:00Z',
        end: '2026-11-05T10:30:00Z',
        state: 'PREEMPTED',
      });
      await attempt({
        team: VISION,
        pool: 'h100',
        gpuType: 'H100',
        gpus: 1,
        start: '2026-11-20T11:00:00Z',
      }); // running: not metered

      expect(await cost.meter()).toBe(2);
      expect(await cost.meter()).toBe(0);

      const usage = await knex('ml_usage').orderBy('start_ms');
      expect(usage.map(u => [u.month, Number(u.cost_micros)])).toEqual([
        ['2026-10', 128_000_000],
        ['2026-11', 64_000_000],
        ['2026-11', 800_000],
      ]);
      const november = await cost.summary(caller, { month: '2026-11' });
      expect(
        november.teams.map(t => [t.team, t.costMicros, t.listCostMicros]),
      ).toEqual([
        [RECSYS, 64_000_000, 64_000_000],
        [VISION, 800_000, 2_000_000],
      ]);
      const october = await cost.summary(caller, { month: '2026-10' });
      expect(october.teams).toEqual([
        expect.objectContaining({ team: RECSYS, costMicros: 128_000_000 }),
      ]);
      expect(november.trend.filter(r => r.month === '2026-10')).toEqual([
        expect.objectContaining({
          team: RECSYS,
          gpuType: 'H100',
          spot: false,
          costMicros: 128_000_000,
        }),
      ]);
      expect(november.top.filter(i => i.kind === 'job')[0]).toMatchObject({
        id: across,
        costMicros: 64_000_000,
      });

      const csv = await cost.exportCsv(caller, {
        month: '2026-11',
        team: RECSYS,
      });
      expect(csv.trim().split('\n')).toHaveLength(2);
      expect(csv).toContain(',64.000000,64.000000');
    },
  );

  it.each(databases.eachSupportedId())(
    'holds a team over its hard budget, forecasts from running jobs, and alerts once per threshold (%p)',
    async databaseId => {
      const { cost, logger, notifications, attempt } = await setup(
        databaseId,
        '2026-11-20T12:00:00Z',
      );
      // $64 spent: over the 50% threshold, under the budget of $100.
      await attempt({
        team: RECSYS,
        pool: 'h100',
        gpuType: 'H100',
        gpus: 8,
        start: '2026-11-02T00:00:00Z',
        end: '2026-11-02T01:00:00Z',
      });
      await cost.meter();
      expect(await cost.budgetHolds()).toEqual(new Map());
      expect(logger.warn).toHaveBeenCalledTimes(1);
      expect(logger.warn).toHaveBeenCalledWith(
        expect.stringContaining('50% or more of its $100.00 budget'),
      );
      // To the team's group only, a heads-up at 50%.
      expect(notifications).toEqual([
        {
          recipients: { type: 'entity', entityRef: RECSYS },
          payload: {
            title: `${RECSYS} reached 50% of its 2026-11 GPU budget`,
            description: `${RECSYS} has spent $64.00, 50% or more of its $100.00 budget for 2026-11`,
            link: `/ml/cost?month=2026-11&team=${encodeURIComponent(RECSYS)}`,
            severity: 'normal',
            topic: 'ml-budgets',
            scope: `ml-budget:${RECSYS}:2026-11:0.5`,
          },
        },
      ]);

      // One H100 running since 10:00: $16 accrued by noon, and $8/h to the month's end.
      await attempt({
        team: RECSYS,
        pool: 'h100',
        gpuType: 'H100',
        gpus: 1,
        start: '2026-11-20T10:00:00Z',
      });
      const [recsys] = await cost.budgets('2026-11', RECSYS);
      expect(recsys.spentMicros).toBe(80_000_000);
      const hoursLeft =
        (at('2026-12-01T00:00:00Z') - at('2026-11-20T12:00:00Z')) / 3_600_000;
      expect(recsys.forecastMicros).toBe(80_000_000 + hoursLeft * 8_000_000);
      expect(recsys.holding).toBe(false);

      await attempt({
        team: RECSYS,
        pool: 'h100',
        gpuType: 'H100',
        gpus: 8,
        start: '2026-11-03T00:00:00Z',
        end: '2026-11-03T01:00:00Z',
      });
      await cost.meter();
      const holds = await cost.budgetHolds();
      expect([...holds.keys()]).toEqual([RECSYS]);
      expect(holds.get(RECSYS)).toMatch(
        /Held for budget: .* spent \$144\.00 of its \$100\.00 budget for 2026-11/,
      );
      expect(logger.warn).toHaveBeenCalledTimes(2);
      expect(notifications).toHaveLength(2);
      expect(notifications[1]).toMatchObject({
        recipients: { entityRef: RECSYS },
        payload: {
          title: `${RECSYS} reached 100% of its 2026-11 GPU budget`,
          description: expect.stringContaining(
            '$144.00, 100% or more of its $100.00 budget for 2026-11; new jobs wait',
          ),
          severity: 'critical',
        },
      });
      // Once per team, month and threshold.
      await cost.meter();
      expect(logger.warn).toHaveBeenCalledTimes(2);
      expect(notifications).toHaveLength(2);
      const [vision] = await cost.budgets('2026-11', VISION);
      expect(vision).toMatchObject({
        spentMicros: 0,
        holding: false,
        hard: false,
      });

      // The platform team raises the budget through the API: the hold lifts at once.
      await cost.setBudget(caller, RECSYS, { monthlyUsd: 500, hard: true });
      expect(await cost.budgetHolds()).toEqual(new Map());
      const [raised] = await cost.budgets('2026-11', RECSYS);
      expect(raised).toMatchObject({
        amountMicros: 500_000_000,
        thresholds: [0.8, 1],
        holding: false,
      });
    },
  );

  it.each(databases.eachSupportedId())(
    'shows idle reserved capacity, recommends spot for checkpointing jobs, and re-imports bills idempotently (%p)',
    async databaseId => {
      const { knex, cost, attempt } = await setup(
        databaseId,
        '2026-11-02T00:00:00Z',
      );
      await attempt({
        team: VISION,
        pool: 'a10-spot',
        gpuType: 'A10G',
        gpus: 1,
        start: '2026-11-01T00:00:00Z',
        end: '2026-11-01T01:00:00Z',
        spot: true,
      });
      // 4 reserved L4s for 24 h at $0.50, used for 2 GPU-hours: 94 idle GPU-hours = $47.
      await attempt({
        team: VISION,
        pool: 'reserved-l4',
        gpuType: 'L4',
        gpus: 2,
        start: '2026-11-01T00:00:00Z',
        end: '2026-11-01T01:00:00Z',
      });
      await cost.meter();
      const { idle } = await cost.summary(caller, { month: '2026-11' });
      expect(idle).toEqual([
        expect.objectContaining({
          kind: 'pool',
          name: 'reserved-l4',
          costMicros: 47_000_000,
        }),
      ]);

      // A checkpointing job on on-demand A10Gs (a spot A10G pool exists), and an H100 job
      // whose run logged MLflow system metrics peaking at 20% GPU memory.
      const tracking = DatabaseTrackingStore.create({ knex });
      const experimentId = await tracking.createExperiment({
        name: 'e',
        owner: VISION,
        artifactLocation: id => `mlflow-artifacts:/${id}`,
        tags: [],
      });
      const run = await tracking.createRun({
        experimentId,
        runName: 'small-model',
        startTime: at('2026-11-01T00:00:00Z'),
        artifactUri: id => `mlflow-artifacts:/${experimentId}/${id}/artifacts`,
        tags: [],
      });
      await tracking.logBatch(run.info.runId, {
        metrics: [12, 20, 18].map((value, step) => ({
          key: 'system/gpu_0_memory_usage_percentage',
          value,
          timestamp: at('2026-11-01T00:00:00Z') + step,
          step,
        })),
        params: [],
        tags: [],
      });
      const checkpointing = await attempt({
        team: VISION,
        pool: 'a10',
        gpuType: 'A10G',
        gpus: 1,
        start: '2026-11-01T02:00:00Z',
        end: '2026-11-01T03:00:00Z',
        spec: { checkpoint: { intervalSeconds: 300 } },
      });
      const oversized = await attempt({
        team: VISION,
        pool: 'h100',
        gpuType: 'H100',
        gpus: 1,
        start: '2026-11-01T04:00:00Z',
        end: '2026-11-01T05:00:00Z',
        runId: run.info.runId,
      });
      await cost.meter();
      const recommendations = await cost.recommendations(caller);
      expect(
        recommendations.map(r => [r.kind, r.jobId, r.suggestedPool]),
      ).toEqual(
        expect.arrayContaining([
          ['spot-candidate', checkpointing, 'a10-spot'],
          ['right-size', oversized, 'reserved-l4'],
        ]),
      );
      expect(recommendations).toHaveLength(2);
      // One day of November's 30 has passed: $1.00 on demand would be $0.40 on spot, so
      // $0.60 saved that day, $18 a month.
      expect(
        recommendations.find(r => r.kind === 'spot-candidate')!
          .monthlySavingsMicros,
      ).toBe(18_000_000);

      await expect(cost.summary(caller, { month: '2026-13' })).rejects.toThrow(
        'month must be YYYY-MM',
      );
      await expect(
        cost.importBill(caller, { format: 'pdf', content: 'x' }),
      ).rejects.toThrow("format must be 'opencost' or 'aws-cur'");

      const line = (key: string, amountMicros: number) => ({
        key,
        periodStart: new Date('2026-11-01T00:00:00Z'),
        periodEnd: new Date('2026-11-02T00:00:00Z'),
        team: VISION,
        description: 'p4d.24xlarge',
        amountMicros,
      });
      expect(
        await cost.storeBill('aws-cur', [line('a', 10), line('b', 20)]),
      ).toMatchObject({
        added: 2,
        changed: 0,
        unchanged: 0,
        months: ['2026-11'],
      });
      expect(
        await cost.storeBill('aws-cur', [line('a', 10), line('b', 25)]),
      ).toMatchObject({ added: 0, changed: 1, unchanged: 1 });
      const { reconciliation } = await cost.summary(caller, {
        month: '2026-11',
      });
      expect(reconciliation).toEqual([
        {
          team: VISION,
          month: '2026-11',
          source: 'aws-cur',
          billedMicros: 35,
          estimatedMicros: 10_400_000, // $0.40 + $1.00 + $1.00 + $8.00
        },
      ]);
    },
  );
});
