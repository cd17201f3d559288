import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { createTestDatabases } from '../__testUtils__/databases';
import { openAccess } from '../__testUtils__/access';
import { waitFor } from '../__testUtils__/waitFor';
import {
  OUTSIDER,
  startServingPortal,
  TEAM,
} from '../deployments/__testUtils__/servingPortal';
import { DatabaseServingUsage } from '../deployments/servingUsage';
import { CostService } from './CostService';
import { DatabaseCostStore } from './DatabaseCostStore';
import { PriceBook } from './priceBook';
import { readServingCostSettings } from './servingCost';

const databases = createTestDatabases();
const HOUR = 3_600_000;
/** The default price of a CPU replica-hour, in micro-dollars. */
const CPU_HOUR_MICROS = 100_000;

/**
 * Serving cost over the API, on the local serving target for real: the reconciler
 * records the replica the model server runs, the summary flags the endpoint idle until
 * it serves, and a version's cost adds its run's training to its metered serving.
 */
describe.each(databases.eachSupportedId())('serving cost on %p', databaseId => {
  it("records an endpoint's replicas, flags it idle until it serves, and prices its version", async () => {
    const database = await databases.init(databaseId);
    const portal = await startServingPortal({ database });
    try {
      const { scientist } = portal;
      const v1 = await portal.registerVersion('churn', {
        coefficients: [0.1, 0.01],
      });
      expect(
        (
          await scientist.post('/deployments/endpoints', {
            name: 'churn-cost',
            owner: TEAM,
            modelName: 'churn',
            version: v1.version,
            kind: 'real-time',
            target: 'local',
          })
        ).status,
      ).toBe(201);
      await portal.endpointWhen(
        'churn-cost',
        e => e.status === 'READY' && e.deployments[0].state === 'ready',
      );
      // The local target reports one replica once its model server is ready.
      const [interval] = await waitFor(
        'the replica recorded',
        () =>
          database('ml_endpoint_replicas')
            .where({ endpoint_name: 'churn-cost' })
            .whereNull('to_ms'),
        rows => rows.length === 1 && Number(rows[0].replicas) === 1,
      );
      expect(interval).toMatchObject({
        team: TEAM,
        model_name: 'churn',
        version_id: v1.id,
      });

      // Up without a request: idle, at what its replica costs.
      const idle = (await scientist.get('/cost/summary')).body.idle;
      expect(idle).toEqual([
        expect.objectContaining({
          kind: 'endpoint',
          name: 'churn-cost',
          team: TEAM,
          requests: 0,
        }),
      ]);
      for (let i = 0; i < 3; i++) {
        expect((await portal.invoke('churn-cost')).status).toBe(200);
      }
      // Three requests in its first minutes are well over 10 an hour.
      await waitFor(
        'the endpoint no longer idle',
        async () => (await scientist.get('/cost/summary')).body.idle,
        (now: any[]) => now.length === 0,
      );

      // The version's run trained on a GPU, as training's metering records it.
      const { runId } = (
        await scientist.get(`/models/churn/versions/${v1.version}`)
      ).body;
      const store = DatabaseCostStore.create({ knex: database });
      await database.transaction(tx =>
        store.insertUsage(tx, [
          {
            source: 'training',
            day: '2026-11-01',
            month: '2026-11',
            startMs: Date.parse('2026-11-01T00:00:00Z'),
            endMs: Date.parse('2026-11-01T01:00:00Z'),
            gpuSeconds: 3600,
            costMicros: 7_000_000,
            listCostMicros: 7_000_000,
            team: TEAM,
            pool: 'a100',
            gpuType: 'A100-80GB',
            gpus: 1,
            spot: false,
            runId,
          },
        ]),
      );
      // The portal meters hours once they close; a cost service whose clock is two
      // hours on meters the first two over the same tables.
      const from = Number(interval.from_ms);
      const firstHour = Math.floor(from / HOUR) * HOUR;
      const later = new CostService({
        store,
        priceBook: PriceBook.fromConfig(new ConfigReader({}), []),
        pools: [],
        budgets: [],
        logger: mockServices.logger.mock(),
        access: openAccess(),
        serving: {
          source: DatabaseServingUsage.create({
            knex: database,
            routed: target => target === 'local',
          }),
          settings: readServingCostSettings(new ConfigReader({})),
        },
        now: () => firstHour + 2 * HOUR + 10 * 60_000,
      });
      expect(await later.meterServing()).toBe(2);
      const servingMicros =
        Math.round((CPU_HOUR_MICROS * (firstHour + HOUR - from)) / HOUR) +
        CPU_HOUR_MICROS;

      const cost = await scientist.get(
        `/cost/model-versions/churn/${v1.version}`,
      );
      expect(cost.status).toBe(200);
      expect(cost.body).toEqual({
        name: 'churn',
        version: v1.version,
        trainingMicros: 7_000_000,
        servingMicros,
        totalMicros: 7_000_000 + servingMicros,
        runs: [{ runId, costMicros: 7_000_000 }],
        endpoints: [
          {
            endpoint: 'churn-cost',
            team: TEAM,
            costMicros: servingMicros,
            replicaSeconds: (firstHour + 2 * HOUR - from) / 1000,
          },
        ],
        partial: false,
      });

      // Another team's member reads the model, not its team's spend.
      const outsider = await portal
        .as(OUTSIDER)
        .get(`/cost/model-versions/churn/${v1.version}`);
      expect(outsider.body).toMatchObject({
        trainingMicros: 0,
        servingMicros: 0,
        runs: [],
        endpoints: [],
        partial: true,
      });
      expect(
        (await scientist.get('/cost/model-versions/churn/99')).status,
      ).toBe(404);
    } finally {
      await portal.stop();
    }
  });
});
