import { Knex } from 'knex';
import { ML_MIGRATIONS_DIR } from '../database/migrateDatabase';
import { createTestDatabases } from '../__testUtils__/databases';
import { exampleRegistry } from './__testUtils__/exampleRegistry';
import { DatabaseFeatureStore } from './DatabaseFeatureStore';
import { FeastRegistry, parseFeastRegistry } from './feastRegistry';

const databases = createTestDatabases();

const OWNERS = new Map([['mei.chen@example.com', 'group:default/recsys']]);
const example = parseFeastRegistry(exampleRegistry(), { owners: OWNERS });
const changed = parseFeastRegistry(exampleRegistry('registry-changed.json'), {
  owners: OWNERS,
});

const T0 = Date.parse('2026-11-23T14:00:00Z');
const HOUR = 3600_000;

describe.each(databases.eachSupportedId())(
  'DatabaseFeatureStore on %p',
  databaseId => {
    let knex: Knex;
    let store: DatabaseFeatureStore;

    const importAt = (
      registry: FeastRegistry,
      now: number,
      fallbackOwner = 'group:default/ml-platform',
    ) =>
      store.importRegistry(registry, {
        source: 'test',
        importedBy: 'user:default/mei.chen',
        fallbackOwner,
        now,
      });
    const names = (views: Array<{ name: string }>) => views.map(v => v.name);

    beforeEach(async () => {
      knex = await databases.init(databaseId);
      await knex.migrate.latest({
        directory: ML_MIGRATIONS_DIR,
        tableName: 'ml_knex_migrations',
      });
      store = DatabaseFeatureStore.create({ knex });
    });

    afterEach(async () => {
      await knex.destroy();
    });

    it('imports a dump, and the same dump again changes nothing', async () => {
      const first = await importAt(example, T0);
      expect(first).toMatchObject({
        source: 'test',
        importedAt: T0,
        projects: ['rideshare'],
        added: [
          'rideshare/customer_profile',
          'rideshare/driver_activity',
          'rideshare/driver_hourly_stats',
          'rideshare/driver_trip_aggregates',
          'rideshare/transformed_conv_rate',
        ],
        changed: [],
        removed: [],
        unchanged: 0,
        warnings: [],
      });

      const again = await importAt(example, T0 + HOUR);
      expect(again).toMatchObject({
        added: [],
        changed: [],
        removed: [],
        unchanged: 5,
      });

      const stats = await store.getView('rideshare/driver_hourly_stats');
      expect(stats).toMatchObject({
        id: 'rideshare/driver_hourly_stats',
        kind: 'batch',
        owner: 'group:default/recsys',
        entities: ['driver'],
        ttlSeconds: 86400,
        online: true,
        offline: true,
        batchSource: 'driver_hourly_stats_source',
        version: 1,
        createdAt: Date.parse('2026-09-02T10:15:31.482Z'),
        updatedAt: T0,
        sloSeconds: 7200,
        lastMaterializedAt: Date.parse('2026-11-23T13:00:00Z'),
      });
      expect(stats!.removedAt).toBeUndefined();
      expect(await store.viewVersions('rideshare/driver_hourly_stats')).toEqual(
        [{ version: 1, importedAt: T0, changes: ['created'] }],
      );
      expect(names(await store.listEntities())).toEqual(['customer', 'driver']);
      expect((await store.listEntities())[0].updatedAt).toBe(T0);
      expect(names(await store.listSources('rideshare'))).toHaveLength(6);
      expect(names(await store.listServices())).toEqual([
        'customer_churn_v2',
        'driver_ranking_v1',
      ]);
      expect(
        await store.servicesServing('rideshare', 'driver_hourly_stats'),
      ).toEqual(['driver_ranking_v1']);
      expect((await store.listImports(10)).map(i => i.importedAt)).toEqual([
        T0 + HOUR,
        T0,
      ]);
    });

    it('shows what a later dump changed, versions the changed view and marks the missing one removed', async () => {
      await importAt(example, T0);

      const result = await importAt(changed, T0 + 20 * HOUR);
      expect(result).toMatchObject({
        added: [],
        changed: ['rideshare/driver_hourly_stats'],
        removed: ['rideshare/driver_activity'],
        unchanged: 3,
      });

      expect(await store.viewVersions('rideshare/driver_hourly_stats')).toEqual(
        [
          {
            version: 2,
            importedAt: T0 + 20 * HOUR,
            changes: ['feature trips_today added'],
          },
          { version: 1, importedAt: T0, changes: ['created'] },
        ],
      );
      expect(names(await store.listViews({}))).toEqual([
        'customer_profile',
        'driver_hourly_stats',
        'driver_trip_aggregates',
        'transformed_conv_rate',
      ]);
      // Removed views keep their row: lineage and their page still name them.
      expect(await store.getView('rideshare/driver_activity')).toMatchObject({
        version: 1,
        removedAt: T0 + 20 * HOUR,
      });
      expect(names(await store.listSources())).not.toContain(
        'driver_activity_batch',
      );
      // A new materialization is no new version, but it is recorded.
      expect(await store.getView('rideshare/customer_profile')).toMatchObject({
        version: 1,
        updatedAt: T0,
        lastMaterializedAt: Date.parse('2026-11-24T02:00:00Z'),
      });

      // The older dump again: the removed view is back, the added feature gone again.
      const back = await importAt(example, T0 + 30 * HOUR);
      expect(back).toMatchObject({
        added: ['rideshare/driver_activity'],
        changed: ['rideshare/driver_hourly_stats'],
        removed: [],
        unchanged: 3,
      });
      expect(await store.getView('rideshare/driver_activity')).toMatchObject({
        version: 1,
      });
      expect(
        (await store.viewVersions('rideshare/driver_hourly_stats'))[0],
      ).toEqual({
        version: 3,
        importedAt: T0 + 30 * HOUR,
        changes: ['feature trips_today removed'],
      });
      expect(names(await store.listSources())).toContain(
        'driver_activity_batch',
      );
    });

    it('leaves other projects alone', async () => {
      await importAt(example, T0);
      const other = parseFeastRegistry({
        project: 'fraud',
        featureViews: [{ spec: { name: 'card_velocity', entities: ['card'] } }],
      });

      const result = await importAt(other, T0 + HOUR);

      expect(result).toMatchObject({
        added: ['fraud/card_velocity'],
        removed: [],
      });
      expect(await store.listViews({})).toHaveLength(6);
      expect(names(await store.listViews({ project: 'fraud' }))).toEqual([
        'card_velocity',
      ]);
    });

    it('gives unowned views the first importer’s group and keeps it on later imports', async () => {
      const unmapped = parseFeastRegistry(exampleRegistry());
      await importAt(unmapped, T0, 'group:default/growth');

      const again = await importAt(unmapped, T0 + HOUR, 'group:default/vision');

      expect(again.changed).toEqual([]);
      expect(await store.getView('rideshare/customer_profile')).toMatchObject({
        owner: 'group:default/growth',
      });
      expect(
        names(await store.listViews({ owner: 'group:default/growth' })),
      ).toEqual(['customer_profile']);
    });

    it('searches names, features, entities, tags and descriptions, ignoring case', async () => {
      await importAt(example, T0);
      const search = async (q: string) => names(await store.listViews({ q }));

      expect(await search('CONV_RATE')).toEqual([
        'driver_hourly_stats',
        'transformed_conv_rate',
      ]);
      expect(await search('trips_last_15m')).toEqual([
        'driver_trip_aggregates',
      ]);
      expect(await search('customer')).toEqual(['customer_profile']);
      expect(await search('team=recsys')).toEqual([
        'driver_activity',
        'driver_hourly_stats',
        'transformed_conv_rate',
      ]);
      expect(await search('Rider')).toEqual(['customer_profile']);
      // LIKE's wildcards are matched as themselves: `_` is no "driver" + any character.
      expect(await search('%')).toEqual([]);
      expect(await search('driver_')).toEqual([
        'driver_activity',
        'driver_hourly_stats',
        'driver_trip_aggregates',
      ]);
    });

    it('imports all or nothing', async () => {
      await importAt(example, T0);
      const broken: FeastRegistry = {
        ...changed,
        entities: [
          ...changed.entities,
          {
            project: 'rideshare',
            name: 'city',
            joinKeys: ['city_id'],
            tags: [],
          },
        ],
        // The store never gets this from the parser; here it makes the last write fail.
        featureViews: [
          ...changed.featureViews,
          changed.featureViews.find(v => v.name === 'driver_hourly_stats')!,
        ],
      };

      await expect(importAt(broken, T0 + HOUR)).rejects.toThrow();

      expect(names(await store.listEntities())).toEqual(['customer', 'driver']);
      expect(await store.listViews({})).toHaveLength(5);
      expect(await store.listImports(10)).toHaveLength(1);
    });
  },
);
