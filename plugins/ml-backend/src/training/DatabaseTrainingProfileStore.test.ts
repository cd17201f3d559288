import { ConfigReader } from '@backstage/config';
import { Knex } from 'knex';
import { ML_MIGRATIONS_DIR } from '../database/migrateDatabase';
import { createTestDatabases } from '../__testUtils__/databases';
import { DatabaseTrainingProfileStore } from './DatabaseTrainingProfileStore';
import { DatabaseTrainingStore } from './DatabaseTrainingStore';
import { readConfiguredProfiles } from './profileDefinition';
import { readPools } from '../shared/pools';

const databases = createTestDatabases();
const PLATFORM = 'group:default/ml-platform';

const POOLS = [
  { name: 'cpu', target: 'local', gpuType: 'cpu' },
  { name: 'a100', target: 'local', gpuType: 'A100-80GB', gpusPerNode: 8 },
  { name: 'a100-spot', target: 'local', gpuType: 'A100-80GB', spot: true },
];

/** Config's profiles as the backend reads them at start. */
function configured(profiles: object[]) {
  const config = new ConfigReader({
    ml: { training: { pools: POOLS, profiles } },
  });
  return readConfiguredProfiles(config, readPools(config), PLATFORM);
}

const small = {
  name: 'small',
  description: 'One GPU',
  pools: ['a100'],
  defaults: { gpus: 1, maxRuntimeSeconds: 3600 },
  limits: { maxGpus: 2 },
};

describe.each(databases.eachSupportedId())(
  'DatabaseTrainingProfileStore on %p',
  databaseId => {
    let knex: Knex;
    let store: DatabaseTrainingProfileStore;
    beforeEach(async () => {
      knex = await databases.init(databaseId);
      await knex.migrate.latest({
        directory: ML_MIGRATIONS_DIR,
        tableName: 'ml_knex_migrations',
      });
      store = DatabaseTrainingProfileStore.create({ knex });
    });

    afterEach(async () => {
      await knex.destroy();
    });

    it('keeps every version: an update adds one and leaves the old as it was', async () => {
      const v1 = await store.create({
        name: 'big',
        owner: PLATFORM,
        definition: {
          pools: ['a100'],
          spotPolicy: 'allowed',
          defaults: { gpus: 8 },
          limits: { maxGpus: 8 },
        },
        source: 'api',
        createdBy: 'user:default/pat',
      });
      expect(v1).toMatchObject({ name: 'big', version: 1, owner: PLATFORM });
      const v2 = await store.addVersion({
        name: 'big',
        owner: PLATFORM,
        definition: { ...v1, limits: { maxGpus: 4 }, defaults: { gpus: 4 } },
        source: 'api',
        baseVersion: 1,
      });
      expect(v2).toMatchObject({ version: 2, limits: { maxGpus: 4 } });
      expect((await store.getCurrent('big'))!.version).toBe(2);
      expect(await store.getVersion('big', 1)).toMatchObject({
        version: 1,
        limits: { maxGpus: 8 },
        createdBy: 'user:default/pat',
      });
      expect((await store.listVersions('big')).map(v => v.version)).toEqual([
        2, 1,
      ]);
      expect(
        (
          await store.getVersions([
            { name: 'big', version: 1 },
            { name: 'big', version: 9 },
          ])
        ).map(v => v.limits.maxGpus),
      ).toEqual([8]);
    });

    it('refuses a taken name and a change made from an old version with 409', async () => {
      const [profile] = configured([small]);
      await store.create({ ...profile, source: 'api' });
      await expect(
        store.create({ ...profile, source: 'api' }),
      ).rejects.toMatchObject({ name: 'ConflictError' });
      await store.addVersion({ ...profile, source: 'api', baseVersion: 1 });
      await expect(
        store.addVersion({ ...profile, source: 'api', baseVersion: 1 }),
      ).rejects.toMatchObject({
        name: 'ConflictError',
        message: expect.stringContaining('is at version 2, not 1'),
      });
      await expect(
        store.addVersion({ ...profile, name: 'nope', source: 'api' }),
      ).rejects.toMatchObject({ name: 'NotFoundError' });
    });

    it('syncs config: version 1, nothing for the same config, a version for a change, and keeps an API edit', async () => {
      expect(await store.syncConfig(configured([small]))).toEqual([
        { name: 'small', version: 1, changed: true },
      ]);
      // A restart with the same config makes nothing.
      expect(await store.syncConfig(configured([small]))).toEqual([
        { name: 'small', version: 1, changed: false },
      ]);
      // The platform team edits it through the API...
      await store.addVersion({
        name: 'small',
        owner: PLATFORM,
        definition: configured([{ ...small, limits: { maxGpus: 1 } }])[0]
          .definition,
        source: 'api',
      });
      // ...and a restart with unchanged config leaves the edit current.
      expect(await store.syncConfig(configured([small]))).toEqual([
        { name: 'small', version: 2, changed: false },
      ]);
      expect(await store.getCurrent('small')).toMatchObject({
        version: 2,
        source: 'api',
        limits: { maxGpus: 1 },
      });
      // Config changes: its definition is the next version.
      const changed = { ...small, limits: { maxGpus: 4 } };
      expect(await store.syncConfig(configured([changed]))).toEqual([
        { name: 'small', version: 3, changed: true },
      ]);
      expect(await store.getCurrent('small')).toMatchObject({
        version: 3,
        source: 'config',
        limits: { maxGpus: 4 },
      });
    });

    it('makes each config version once when replicas sync together', async () => {
      const replicas = [1, 2, 3, 4].map(() =>
        DatabaseTrainingProfileStore.create({ knex }),
      );
      await Promise.all(replicas.map(r => r.syncConfig(configured([small]))));
      const changed = configured([{ ...small, defaults: { gpus: 2 } }]);
      const results = await Promise.all(
        replicas.map(r => r.syncConfig(changed)),
      );
      expect(results.flat().map(r => r.version)).toEqual([2, 2, 2, 2]);
      expect((await store.listVersions('small')).map(v => v.version)).toEqual([
        2, 1,
      ]);
    });

    it("hands admission each pending job's own profile version", async () => {
      await store.syncConfig(configured([small]));
      const jobs = DatabaseTrainingStore.create({ knex });
      const job = await jobs.insertJob({
        owner: PLATFORM,
        spec: { name: 'on-v1', command: ['true'], resources: { gpus: 1 } },
        gpus: 1,
        priority: 0,
        spotAllowed: false,
        maxRetries: 0,
        profile: 'small',
        profileVersion: 1,
      });
      expect(job.profileVersion).toBe(1);
      await store.addVersion({
        ...configured([{ ...small, pools: ['cpu'] }])[0],
        source: 'api',
      });
      const seen: Array<[string, unknown]> = [];
      const pending = await jobs.withAdmissionLock(cycle =>
        cycle.pendingJobs((profile, version) => {
          seen.push([profile, version?.pools]);
          return version?.pools ?? [];
        }),
      );
      expect(seen).toEqual([['small', ['a100']]]);
      expect(pending.map(p => p.pools)).toEqual([['a100']]);
    });
  },
);
