import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { Knex } from 'knex';
import { ML_MIGRATIONS_DIR } from '../database/migrateDatabase';
import { DatabaseServingUsage } from '../deployments/servingUsage';
import {
  StoredDeployment,
  StoredEndpoint,
} from '../deployments/DeploymentStore';
import { encodeLatencies, newLatencyHistogram } from '../shared/latency';
import { createTestDatabases } from '../__testUtils__/databases';
import { openAccess, userCaller } from '../__testUtils__/access';
import { readPools } from '../shared/pools';
import { CostService } from './CostService';
import { DatabaseCostStore } from './DatabaseCostStore';
import { formatUsd } from './money';
import { PriceBook } from './priceBook';
import {
  instanceGpus,
  readServingCostSettings,
  ServingPricer,
} from './servingCost';
import { ServedDeployment } from './ServingUsageSource';

const databases = createTestDatabases();
const at = (iso: string) => Date.parse(iso);
const RECSYS = 'group:default/recsys';
const VISION = 'group:default/vision';
const caller = userCaller('user:default/ana', [RECSYS]);

const config = new ConfigReader({
  ml: {
    training: {
      pools: [
        {
          name: 'a100',
          target: 'kubernetes',
          provider: 'aws',
          gpuType: 'A100-80GB',
          gpusPerNode: 8,
        },
      ],
    },
    cost: {
      // $2 per GPU-hour, $3 from 2 November: a slice is priced at the price of its time.
      prices: [
        { pool: 'a100', gpuHourUsd: 2 },
        { pool: 'a100', gpuHourUsd: 3, effectiveFrom: '2026-11-02' },
      ],
      serving: {
        cpuReplicaHourUsd: 0.5,
        requestSecondUsd: 0.001,
        idleRequestsPerHour: 10,
        idleWindowHours: 24,
      },
    },
  },
});

async function setup(databaseId: Parameters<typeof databases.init>[0]) {
  const knex: Knex = await databases.init(databaseId);
  await knex.migrate.latest({
    directory: ML_MIGRATIONS_DIR,
    tableName: 'ml_knex_migrations',
  });
  const clock = { now: at('2026-11-01T00:00:00Z') };
  const usage = DatabaseServingUsage.create({
    knex,
    routed: target => target === 'local',
  });
  const pools = readPools(config);
  const access = openAccess();
  /** A backend's cost service; two of them over one database are two replicas. */
  const costService = (
    extra: Partial<ConstructorParameters<typeof CostService>[0]> = {},
  ) =>
    new CostService({
      store: DatabaseCostStore.create({ knex }),
      priceBook: PriceBook.fromConfig(config, pools),
      pools,
      budgets: [],
      logger: mockServices.logger.mock(),
      access,
      serving: { source: usage, settings: readServingCostSettings(config) },
      now: () => clock.now,
      ...extra,
    });

  let n = 0;
  /** An endpoint with one deployment, as the deployments domain stores them. */
  const endpoint = async (e: {
    name: string;
    team: string;
    kind?: 'real-time' | 'serverless';
    target?: string;
    pool?: string;
    gpus?: number;
    minReplicas?: number;
    versionId?: string;
  }) => {
    n++;
    const id = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
    const stored = {
      id,
      name: e.name,
      owner: e.team,
      kind: e.kind ?? 'real-time',
      target: e.target ?? 'kubernetes',
      modelName: 'churn',
      pool: e.pool,
      gpus: e.gpus ?? 0,
      minReplicas: e.minReplicas ?? 1,
    } as StoredEndpoint;
    await knex('ml_endpoints').insert({
      endpoint_id: id,
      name: e.name,
      owner: e.team,
      kind: stored.kind,
      target: stored.target,
      model_name: 'churn',
      pool: e.pool ?? null,
      gpus: stored.gpus,
      min_replicas: stored.minReplicas,
      max_replicas: 4,
      target_concurrency: 4,
      canary_policy: '{}',
      status: 'READY',
      created_by: 'user:default/ana',
      created_at: clock.now,
      updated_at: clock.now,
    });
    const deployment = {
      id: id.replace(/^0/, 'd'),
      endpointId: id,
      name: `${e.name}-v1`,
      version: 1,
      versionId: e.versionId,
      role: 'stable',
      weight: 100,
      state: 'ready',
      createdAt: clock.now,
    } as StoredDeployment;
    await knex('ml_endpoint_deployments').insert({
      deployment_id: deployment.id,
      endpoint_id: id,
      name: deployment.name,
      model_version: 1,
      version_id: e.versionId ?? null,
      role: 'stable',
      weight: 100,
      state: 'ready',
      created_at: clock.now,
    });
    /** What the reconciler hands over after asking the target, at the clock's time. */
    const observe = (replicas: number | 'retired') =>
      usage.observe(
        stored,
        replicas === 'retired' ? [] : [deployment],
        {
          state: 'ready',
          deployments:
            replicas === 'retired'
              ? []
              : [
                  {
                    name: deployment.name,
                    state: replicas === 0 ? 'scaled-to-zero' : 'ready',
                    replicas,
                  },
                ],
        },
        clock.now,
      );
    /** The router's counts of one minute: `requests` that took `ms` each. */
    const served = async (minuteIso: string, requests: number, ms: number) => {
      const histogram = newLatencyHistogram();
      histogram.recordValueWithCount(ms * 1000, requests);
      await knex('ml_serving_minutes').insert({
        deployment_id: deployment.id,
        endpoint_id: id,
        minute: at(minuteIso) / 60_000,
        requests,
        errors: 0,
        client_errors: 0,
        bytes_in: 0,
        cold_starts: 0,
        cold_start_ms: 0,
        latency: encodeLatencies(histogram),
      });
      histogram.destroy();
    };
    return { id, deployment, observe, served };
  };
  const usageRows = async () =>
    (
      await knex('ml_usage').where({ source: 'endpoint' }).orderBy('start_ms')
    ).map(r => ({
      endpoint: r.endpoint_name as string,
      hour: new Date(Number(r.start_ms)).toISOString().slice(5, 13),
      gpuType: r.gpu_type as string,
      costMicros: Number(r.cost_micros),
    }));
  return { knex, clock, costService, endpoint, usageRows, access };
}

describe('serving prices', () => {
  // After the built-in list prices' date.
  const NOV = at('2026-11-01T00:00:00Z');
  const pricer = new ServingPricer(
    PriceBook.fromConfig(config, readPools(config)),
    new Map(readPools(config).map(p => [p.name, p])),
  );
  const served = (over: Partial<ServedDeployment>): ServedDeployment => ({
    deploymentId: 'd1',
    endpointId: 'e1',
    endpointName: 'e',
    team: RECSYS,
    kind: 'real-time',
    gpus: 0,
    minReplicas: 1,
    modelName: 'churn',
    modelVersion: 1,
    spans: [{ fromMs: NOV, toMs: NOV + 2 * 3_600_000, replicas: 1 }],
    ...over,
  });

  it('reads the GPUs of a managed instance type where no pool names them', () => {
    expect(instanceGpus('ml.g5.12xlarge')).toEqual({
      provider: 'aws',
      gpuType: 'A10G',
      gpus: 4,
    });
    expect(instanceGpus('g5.xlarge')?.gpus).toBe(1);
    expect(instanceGpus('a3-highgpu-2g')).toEqual({
      provider: 'gcp',
      gpuType: 'H100',
      gpus: 2,
    });
    expect(instanceGpus('Standard_NC48ads_A100_v4')?.gpus).toBe(2);
    expect(instanceGpus('ml.m5.large')).toBeUndefined();
    // Four A10Gs at AWS's list price of $1.00 for two hours; a CPU instance at $0.50.
    const on = (instanceType: string) =>
      pricer.price(served({ instanceType }), NOV, NOV + 2 * 3_600_000);
    expect(on('ml.g5.12xlarge')).toMatchObject({
      gpuType: 'A10G',
      gpus: 4,
      provider: 'aws',
      costMicros: 8_000_000,
      replicaSeconds: 7200,
    });
    expect(on('ml.m5.large')).toMatchObject({
      gpuType: 'CPU',
      costMicros: 1_000_000,
    });
  });
});

describe('serving cost', () => {
  it.each(databases.eachSupportedId())(
    'prices replica-hours at the price in force in each hour, across a price change (%p)',
    async databaseId => {
      const { knex, clock, costService, endpoint, usageRows } = await setup(
        databaseId,
      );
      const cost = costService();
      // 2 replicas × 2 A100s from 22:00 on 1 November; 1 replica from 01:30; retired at 03:00.
      const ranker = await endpoint({
        name: 'ranker',
        team: RECSYS,
        pool: 'a100',
        gpus: 2,
      });
      clock.now = at('2026-11-01T22:00:00Z');
      await ranker.observe(2);
      clock.now = at('2026-11-02T01:30:00Z');
      await ranker.observe(1);
      clock.now = at('2026-11-02T03:00:00Z');
      await ranker.observe('retired');

      // An hour is metered once it closed (and the router's counts are in).
      clock.now = at('2026-11-02T05:00:00Z');
      expect(await cost.meterServing()).toBe(6);
      expect(await usageRows()).toEqual([
        // 4 GPUs at $2.
        {
          endpoint: 'ranker',
          hour: '11-01T22',
          gpuType: 'A100-80GB',
          costMicros: 8_000_000,
        },
        {
          endpoint: 'ranker',
          hour: '11-01T23',
          gpuType: 'A100-80GB',
          costMicros: 8_000_000,
        },
        // 4 GPUs at $3 from midnight.
        {
          endpoint: 'ranker',
          hour: '11-02T00',
          gpuType: 'A100-80GB',
          costMicros: 12_000_000,
        },
        // Half an hour of 4 GPUs, half an hour of 2, at $3.
        {
          endpoint: 'ranker',
          hour: '11-02T01',
          gpuType: 'A100-80GB',
          costMicros: 9_000_000,
        },
        {
          endpoint: 'ranker',
          hour: '11-02T02',
          gpuType: 'A100-80GB',
          costMicros: 6_000_000,
        },
      ]);
      // Metering again records nothing twice; the next hour closes later.
      expect(await cost.meterServing()).toBe(0);
      clock.now = at('2026-11-02T06:00:00Z');
      expect(await cost.meterServing()).toBe(1);
      expect(await usageRows()).toHaveLength(5);

      const summary = await cost.summary(userCaller(), { month: '2026-11' });
      expect(summary.sources).toEqual([
        expect.objectContaining({
          team: RECSYS,
          source: 'endpoint',
          costMicros: 43_000_000,
          gpuSeconds: (2 * 4 + 1.5 * 4 + 1.5 * 2) * 3600 + 0,
        }),
      ]);
      // The export names each hour's source and endpoint.
      const csv = (await cost.exportCsv(userCaller(), { month: '2026-11' }))
        .trim()
        .split('\n');
      expect(csv[0]).toMatch(/,source,endpoint$/);
      expect(
        csv.filter(line => line.endsWith(',endpoint,ranker')),
      ).toHaveLength(5);
      const daily = await knex('ml_cost_daily').orderBy('day');
      expect(daily.map(d => [d.day, d.source, Number(d.cost_micros)])).toEqual([
        ['2026-11-01', 'endpoint', 16_000_000],
        ['2026-11-02', 'endpoint', 27_000_000],
      ]);
    },
  );

  it.each(databases.eachSupportedId())(
    'records each serving hour once when two backends meter at once (%p)',
    async databaseId => {
      const { clock, costService, endpoint, usageRows } = await setup(
        databaseId,
      );
      const replicas = [costService(), costService()];
      const endpoints = await Promise.all(
        ['a', 'b', 'c'].map(name => endpoint({ name, team: VISION, gpus: 0 })),
      );
      clock.now = at('2026-11-03T00:00:00Z');
      for (const e of endpoints) await e.observe(2);
      clock.now = at('2026-11-04T00:10:00Z');
      // Both replicas meter the same 24 hours, several times over, at the same moment.
      const metered = await Promise.all(
        [...replicas, ...replicas].map(r => r.meterServing()),
      );
      expect(metered.reduce((sum, m) => sum + m, 0)).toBe(24);
      const rows = await usageRows();
      expect(rows).toHaveLength(3 * 24);
      expect(new Set(rows.map(r => `${r.endpoint} ${r.hour}`)).size).toBe(
        3 * 24,
      );
      // 2 CPU replicas at $0.50 an hour.
      expect(
        rows.every(r => r.gpuType === 'CPU' && r.costMicros === 1_000_000),
      ).toBe(true);
    },
  );

  it.each(databases.eachSupportedId())(
    'bills a routed serverless endpoint per request-second (%p)',
    async databaseId => {
      const { clock, costService, endpoint, usageRows } = await setup(
        databaseId,
      );
      const cost = costService();
      const scorer = await endpoint({
        name: 'scorer',
        team: RECSYS,
        kind: 'serverless',
        target: 'local',
        minReplicas: 0,
      });
      clock.now = at('2026-11-05T10:00:00Z');
      await scorer.observe(1);
      // 100 requests of 0.5 s and 20 of 2 s: 90 request-seconds at $0.001.
      await scorer.served('2026-11-05T10:01:00Z', 100, 500);
      await scorer.served('2026-11-05T10:30:00Z', 20, 2000);
      clock.now = at('2026-11-05T10:20:00Z');
      await scorer.observe(0);
      clock.now = at('2026-11-05T11:10:00Z');
      expect(await cost.meterServing()).toBe(1);
      const [row] = await usageRows();
      expect(row).toMatchObject({ gpuType: 'serverless-request' });
      // The histogram keeps two significant digits of each latency.
      expect(row.costMicros).toBeGreaterThan(89_000);
      expect(row.costMicros).toBeLessThan(91_000);
    },
  );

  it.each(databases.eachSupportedId())(
    'flags idle endpoints with their idle cost, and what scaling to zero saved (%p)',
    async databaseId => {
      const { clock, costService, endpoint, access } = await setup(databaseId);
      const cost = costService();
      // The caller reads recsys' spend only.
      jest.spyOn(access, 'ownersFor').mockResolvedValue([RECSYS]);
      clock.now = at('2026-11-10T00:00:00Z');
      const quiet = await endpoint({
        name: 'quiet',
        team: RECSYS,
        target: 'local',
      });
      const busy = await endpoint({
        name: 'busy',
        team: RECSYS,
        target: 'local',
      });
      const remote = await endpoint({ name: 'remote', team: RECSYS });
      const lazy = await endpoint({
        name: 'lazy',
        team: RECSYS,
        kind: 'serverless',
        target: 'local',
        minReplicas: 0,
      });
      const other = await endpoint({
        name: 'other',
        team: VISION,
        target: 'local',
      });
      for (const e of [quiet, busy, remote, other]) await e.observe(1);
      await lazy.observe(0);
      // Under 10 an hour over 24 hours is under 240 requests.
      await quiet.served('2026-11-10T08:00:00Z', 200, 10);
      await busy.served('2026-11-10T08:00:00Z', 300, 10);
      await lazy.served('2026-11-10T08:00:00Z', 5, 1000);
      clock.now = at('2026-11-10T08:00:00Z');
      await lazy.observe(1);
      clock.now = at('2026-11-10T08:06:00Z');
      await lazy.observe(0);
      clock.now = at('2026-11-11T00:00:00Z');

      const summary = await cost.summary(caller, {});
      // The router's histograms keep two significant digits: 5 s of requests is 5.007 s.
      const lazyCost = summary.idle[1]?.costMicros;
      expect(lazyCost).toBeGreaterThanOrEqual(5_000);
      expect(lazyCost).toBeLessThan(5_050);
      expect(summary.idle.map(({ message, ...rest }) => rest)).toEqual([
        {
          kind: 'endpoint',
          name: 'quiet',
          team: RECSYS,
          // One CPU replica for 24 hours at $0.50.
          costMicros: 12_000_000,
          requests: 200,
          windowHours: 24,
        },
        {
          kind: 'endpoint',
          name: 'lazy',
          team: RECSYS,
          // Serverless: 5 request-seconds at $0.001, against one replica all day.
          costMicros: lazyCost,
          requests: 5,
          windowHours: 24,
          scaleToZeroSavingsMicros: 12_000_000 - lazyCost,
        },
      ]);
      expect(summary.idle.map(i => i.message)).toEqual([
        '200 requests in 24 hours (idle under 10 an hour) with 24 replica-hours up',
        `5 requests in 24 hours (idle under 10 an hour) with 0.1 replica-hours up; it scales to zero, saving ${formatUsd(
          12_000_000 - lazyCost,
        )} against one replica kept up`,
      ]);
    },
  );

  it.each(databases.eachSupportedId())(
    "answers a model version's cost as its lineage's training plus its serving (%p)",
    async databaseId => {
      const { knex, clock, costService, endpoint, access } = await setup(
        databaseId,
      );
      const versionId = 'v0000000-0000-4000-8000-000000000003';
      const lineage = {
        upstreamOfEach: jest.fn(
          async () =>
            new Map([
              [
                versionId,
                [
                  { kind: 'run', id: 'run-train' },
                  { kind: 'run', id: 'run-prep' },
                  { kind: 'dataset', id: 'ds-1' },
                ],
              ],
            ]),
        ),
      };
      const models = {
        getVersion: jest.fn(async () => ({
          id: versionId,
          name: 'churn',
          version: '3',
        })),
      };
      const cost = costService({ lineage, models });
      // Training: the runs' GPU time, as metering rolls it up per run.
      const store = DatabaseCostStore.create({ knex });
      const trained = (runId: string, team: string, costMicros: number) => ({
        source: 'training' as const,
        day: '2026-11-01',
        month: '2026-11',
        startMs: at('2026-11-01T00:00:00Z'),
        endMs: at('2026-11-01T01:00:00Z'),
        gpuSeconds: 3600,
        costMicros,
        listCostMicros: costMicros,
        team,
        pool: 'a100',
        gpuType: 'A100-80GB',
        gpus: 1,
        spot: false,
        runId,
      });
      await knex.transaction(tx =>
        store.insertUsage(tx, [
          trained('run-train', RECSYS, 30_000_000),
          trained('run-prep', VISION, 5_000_000),
          trained('run-unrelated', RECSYS, 99_000_000),
        ]),
      );
      // Serving: version 3 on one A100 for two hours at $2.
      const ranker = await endpoint({
        name: 'ranker',
        team: RECSYS,
        pool: 'a100',
        gpus: 1,
        versionId,
      });
      await endpoint({ name: 'other-version', team: RECSYS, gpus: 0 }).then(e =>
        e.observe(1),
      );
      await ranker.observe(1);
      clock.now = at('2026-11-01T02:00:00Z');
      await ranker.observe('retired');
      clock.now = at('2026-11-01T03:10:00Z');
      await cost.meterServing();

      expect(await cost.modelVersionCost(caller, 'churn', '3')).toEqual({
        name: 'churn',
        version: '3',
        trainingMicros: 35_000_000,
        servingMicros: 4_000_000,
        totalMicros: 39_000_000,
        runs: expect.arrayContaining([
          { runId: 'run-train', costMicros: 30_000_000 },
          { runId: 'run-prep', costMicros: 5_000_000 },
        ]),
        endpoints: [
          {
            endpoint: 'ranker',
            team: RECSYS,
            costMicros: 4_000_000,
            replicaSeconds: 7200,
          },
        ],
        partial: false,
      });
      expect(models.getVersion).toHaveBeenCalledWith(caller, 'churn', '3');

      // A reader of recsys' spend only: vision's preparation run is left out, and said so.
      jest.spyOn(access, 'ownersFor').mockResolvedValue([RECSYS]);
      expect(await cost.modelVersionCost(caller, 'churn', '3')).toMatchObject({
        trainingMicros: 30_000_000,
        servingMicros: 4_000_000,
        totalMicros: 34_000_000,
        runs: [{ runId: 'run-train', costMicros: 30_000_000 }],
        partial: true,
      });
    },
  );
});
