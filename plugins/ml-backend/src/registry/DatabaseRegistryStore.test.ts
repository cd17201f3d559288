import { ConflictError, NotFoundError } from '@backstage/errors';
import { Knex } from 'knex';
import { ML_MIGRATIONS_DIR } from '../database/migrateDatabase';
import { LineageService } from '../lineage/LineageService';
import { LineageRecorder } from '../shared/lineage';
import { createTestDatabases } from '../__testUtils__/databases';
import { DatabasePromotionStore } from './DatabasePromotionStore';
import { DatabaseRegistryStore } from './DatabaseRegistryStore';

const databases = createTestDatabases();
const audit = { actor: 'user:default/a', action: 'test', detail: 'test' };
const OWNER = 'group:default/team-a';

async function migrated(databaseId: Parameters<typeof databases.init>[0]) {
  const knex = await databases.init(databaseId);
  await knex.migrate.latest({
    directory: ML_MIGRATIONS_DIR,
    tableName: 'ml_knex_migrations',
  });
  return knex;
}

function storeOn(
  knex: Knex,
  lineage: LineageRecorder = LineageService.create({ knex }),
) {
  return DatabaseRegistryStore.create({ knex, lineage });
}

async function withVersions(
  store: DatabaseRegistryStore,
  name: string,
  count: number,
) {
  await store.createModel({ name, owner: OWNER, tags: [] }, audit);
  const versions = [];
  for (let i = 0; i < count; i++) {
    versions.push(
      await store.createVersion(
        { name, source: `mlflow-artifacts:/1/r${i}/artifacts/model`, tags: [] },
        audit,
      ),
    );
  }
  return versions;
}

/** The two registry stores share their tables: models and versions, aliases and requests. */
describe.each(databases.eachSupportedId())(
  'DatabaseRegistryStore and DatabasePromotionStore on %p',
  databaseId => {
    let knex: Knex;
    let store: DatabaseRegistryStore;
    let promotions: DatabasePromotionStore;

    beforeAll(async () => {
      knex = await migrated(databaseId);
      store = storeOn(knex);
      promotions = DatabasePromotionStore.create({ knex });
    });

    it('numbers concurrent versions 1..n and never reuses a deleted number', async () => {
      await store.createModel(
        { name: 'numbers', owner: OWNER, tags: [] },
        audit,
      );
      const created = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          store.createVersion(
            { name: 'numbers', source: `s3://b/m${i}`, tags: [] },
            audit,
          ),
        ),
      );
      expect(created.map(v => Number(v.version)).sort()).toEqual([
        1, 2, 3, 4, 5, 6,
      ]);
      expect(new Set(created.map(v => v.id)).size).toBe(6);
      expect(created[0]).toMatchObject({
        status: 'READY',
        currentStage: 'None',
      });

      await store.deleteVersion('numbers', '6', audit);
      const next = await store.createVersion(
        { name: 'numbers', source: 's3://b/next', tags: [] },
        audit,
      );
      expect(next.version).toBe('7');
      await expect(
        store.createVersion(
          { name: 'missing', source: 's3://x', tags: [] },
          audit,
        ),
      ).rejects.toThrow(
        new NotFoundError('Registered Model with name=missing not found'),
      );
    });

    it('rejects a taken name', async () => {
      await store.createModel({ name: 'taken', owner: OWNER, tags: [] }, audit);
      await expect(
        store.createModel({ name: 'taken', owner: OWNER, tags: [] }, audit),
      ).rejects.toThrow(
        new ConflictError('Registered Model (name=taken) already exists.'),
      );
    });

    it('keeps one version per alias and moves it', async () => {
      const [v1, v2] = await withVersions(store, 'aliased', 2);
      await promotions.setAlias('aliased', 'champion', '1', audit);
      await promotions.setAlias('aliased', 'challenger', '1', audit);
      await promotions.setAlias('aliased', 'champion', '2', audit);

      const model = await store.getModel('aliased');
      expect(model?.aliases).toEqual([
        { alias: 'challenger', version: '1' },
        { alias: 'champion', version: '2' },
      ]);
      expect((await store.getVersion('aliased', '1'))?.aliases).toEqual([
        'challenger',
      ]);
      expect((await store.getVersionByAlias('aliased', 'champion'))?.id).toBe(
        v2.id,
      );
      await store.deleteVersion('aliased', '1', audit);
      expect((await store.getModel('aliased'))?.aliases).toEqual([
        { alias: 'champion', version: '2' },
      ]);
      expect(v1.id).not.toBe(v2.id);
      await expect(
        promotions.setAlias('aliased', 'champion', '9', audit),
      ).rejects.toThrow(
        new NotFoundError('Model Version (name=aliased, version=9) not found'),
      );
    });

    it('renames a model and keeps its version ids, aliases and tags', async () => {
      const [v1] = await withVersions(store, 'before', 1);
      await promotions.setAlias('before', 'champion', '1', audit);
      await store.setVersionTag('before', '1', { key: 'k', value: 'v' }, audit);
      await store.renameModel('before', 'after', audit);

      expect(await store.getModel('before')).toBeUndefined();
      const moved = await store.getVersion('after', '1');
      expect(moved).toMatchObject({
        id: v1.id,
        name: 'after',
        aliases: ['champion'],
        tags: [{ key: 'k', value: 'v' }],
      });
      await withVersions(store, 'other', 0);
      await expect(store.renameModel('other', 'after', audit)).rejects.toThrow(
        ConflictError,
      );
    });

    it('deletes a model with everything of it but keeps the audit trail', async () => {
      await withVersions(store, 'doomed', 2);
      const model = (await store.getModel('doomed'))!;
      await store.setModelTag('doomed', { key: 'team', value: 'a' }, audit);
      await store.setVersionTag('doomed', '1', { key: 'k', value: 'v' }, audit);
      await promotions.setAlias('doomed', 'champion', '2', audit);
      await promotions.createPromotion(
        {
          modelName: 'doomed',
          version: '1',
          alias: 'production',
          requestedBy: 'user:default/b',
          metrics: {},
          gates: [],
        },
        [audit],
      );

      await store.deleteModel('doomed', { ...audit, action: 'model.deleted' });

      const count = async (query: Knex.QueryBuilder) =>
        Number((await query.count('* as n'))[0].n);
      for (const table of [
        'ml_model_versions',
        'ml_registered_model_tags',
        'ml_model_aliases',
        'ml_promotion_requests',
      ]) {
        expect(
          await count(knex(table).where({ model_id: model.modelId })),
        ).toBe(0);
      }
      expect(
        await count(
          knex('ml_model_version_tags').whereNotIn(
            'version_id',
            knex('ml_model_versions').select('version_id'),
          ),
        ),
      ).toBe(0);

      const trail = await store.listAudit(model.modelId, { limit: 100 });
      expect(trail[0]).toMatchObject({
        action: 'model.deleted',
        modelName: 'doomed',
      });
      expect(trail.length).toBeGreaterThan(5);
      // A new model of the same name starts over.
      const [again] = await withVersions(store, 'doomed', 1);
      expect(again.version).toBe('1');
    });

    it('records the run → version lineage edge in the version’s transaction', async () => {
      await withVersions(store, 'from-run', 0);
      const version = await store.createVersion(
        { name: 'from-run', source: 's3://b/m', runId: 'run-1', tags: [] },
        audit,
      );
      expect(
        await knex('ml_lineage_edges').where({
          from_kind: 'run',
          from_id: 'run-1',
          to_kind: 'model_version',
          to_id: version.id,
          relation: 'registered_as',
        }),
      ).toHaveLength(1);

      // When recording fails, the version and its number are not taken either.
      const failing = storeOn(knex, {
        record: async () => {
          throw new Error('lineage down');
        },
      });
      await expect(
        failing.createVersion(
          { name: 'from-run', source: 's3://b/m', runId: 'run-2', tags: [] },
          audit,
        ),
      ).rejects.toThrow('lineage down');
      expect(await store.listVersions('from-run')).toHaveLength(1);
      const next = await store.createVersion(
        { name: 'from-run', source: 's3://b/m', tags: [] },
        audit,
      );
      expect(next.version).toBe('2');
    });

    it('searches models and versions with MLflow filters, order and pages', async () => {
      await store.createModel(
        {
          name: 'Search-Churn',
          owner: OWNER,
          tags: [{ key: 'domain', value: 'retention' }],
        },
        audit,
      );
      await store.createModel(
        { name: 'search-fraud', owner: OWNER, tags: [] },
        audit,
      );
      const names = async (filter: string, orderBy?: string[]) =>
        (
          await store.searchModels(
            { filter, orderBy },
            { offset: 0, limit: 10 },
          )
        ).items.map(m => m.name);

      expect(await names("name LIKE 'search-%'")).toEqual(['search-fraud']);
      expect(await names("name ILIKE 'search-%'")).toEqual([
        'Search-Churn',
        'search-fraud',
      ]);
      expect(await names("name ILIKE 'search-%'", ['name DESC'])).toEqual([
        'search-fraud',
        'Search-Churn',
      ]);
      expect(await names("tags.domain = 'retention'")).toEqual([
        'Search-Churn',
      ]);
      expect(await names("name = 'search-fraud'")).toEqual(['search-fraud']);

      const page = await store.searchModels(
        { filter: "name ILIKE 'search-%'" },
        { offset: 0, limit: 1 },
      );
      expect(page).toMatchObject({
        hasMore: true,
        items: [{ name: 'Search-Churn' }],
      });

      await store.createVersion(
        { name: 'search-fraud', source: 's3://1', runId: 'ra', tags: [] },
        audit,
      );
      await store.createVersion(
        {
          name: 'search-fraud',
          source: 's3://2',
          runId: 'rb',
          tags: [{ key: 'flavor', value: 'sklearn' }],
        },
        audit,
      );
      await store.createVersion(
        { name: 'Search-Churn', source: 's3://3', runId: 'rc', tags: [] },
        audit,
      );
      const versions = async (filter: string, orderBy?: string[]) =>
        (
          await store.searchVersions(
            { filter, orderBy },
            { offset: 0, limit: 10 },
          )
        ).items.map(v => `${v.name}/${v.version}`);
      expect(
        await versions("run_id IN ('ra', 'rc')", ['version_number ASC']),
      ).toEqual(['Search-Churn/1', 'search-fraud/1']);
      expect(
        await versions("name = 'search-fraud'", ['version_number DESC']),
      ).toEqual(['search-fraud/2', 'search-fraud/1']);
      expect(await versions("tags.flavor = 'sklearn'")).toEqual([
        'search-fraud/2',
      ]);
      // Each version carries its model's owner, whom read permissions decide by.
      const owned = await store.searchVersions(
        { filter: "name = 'search-fraud'" },
        { offset: 0, limit: 10 },
      );
      expect(owned.items.map(v => v.owner)).toEqual([OWNER, OWNER]);
      await expect(
        store.searchModels({ filter: "run_id = 'x'" }, { offset: 0, limit: 1 }),
      ).rejects.toThrow(/Invalid attribute key 'run_id'/);
    });

    it('reports the latest version per stage and archives on transition', async () => {
      await withVersions(store, 'staged', 3);
      await store.transitionStage('staged', '1', 'Production', false, audit);
      await store.transitionStage('staged', '2', 'Production', false, audit);
      let latest = await store.latestVersions('staged', ['Production']);
      expect(latest.map(v => v.version)).toEqual(['2']);

      await store.transitionStage('staged', '3', 'Production', true, audit);
      const all = await store.listVersions('staged');
      expect(all.map(v => [v.version, v.currentStage])).toEqual([
        ['3', 'Production'],
        ['2', 'Archived'],
        ['1', 'Archived'],
      ]);
      latest = await store.latestVersions('staged', []);
      expect(latest.map(v => `${v.version}:${v.currentStage}`)).toEqual([
        '3:Production',
        '2:Archived',
      ]);
      expect(
        (await store.getModel('staged'))?.latestVersions.map(v => v.version),
      ).toEqual(['3', '2']);
    });

    it('keeps one identical pending request and decides it once', async () => {
      const [, v2] = await withVersions(store, 'promoted', 2);
      const request = await promotions.createPromotion(
        {
          modelName: 'promoted',
          version: '2',
          alias: 'production',
          requestedBy: 'user:default/b',
          metrics: { accuracy: 0.9 },
          gates: [],
        },
        [{ ...audit, action: 'promotion.requested' }],
      );
      expect(request).toMatchObject({
        status: 'PENDING',
        version: '2',
        versionId: v2.id,
        modelOwner: OWNER,
        metrics: { accuracy: 0.9 },
      });
      await expect(
        promotions.createPromotion(
          {
            modelName: 'promoted',
            version: '2',
            alias: 'production',
            requestedBy: 'user:default/c',
            metrics: {},
            gates: [],
          },
          [audit],
        ),
      ).rejects.toThrow(ConflictError);
      expect(
        (await promotions.findPendingPromotion('promoted', 'production', '2'))
          ?.id,
      ).toBe(request.id);

      const approved = await promotions.decidePromotion(
        request.id,
        { status: 'APPROVED', by: 'user:default/a', comment: 'ok' },
        { ...audit, action: 'promotion.approved' },
      );
      expect(approved).toMatchObject({
        status: 'APPROVED',
        decidedBy: 'user:default/a',
        decisionComment: 'ok',
      });
      expect(
        (await store.getVersionByAlias('promoted', 'production'))?.id,
      ).toBe(v2.id);
      await expect(
        promotions.decidePromotion(
          request.id,
          { status: 'REJECTED', by: 'user:default/a' },
          audit,
        ),
      ).rejects.toThrow(ConflictError);

      const trail = await store.listAudit(request.modelId, {
        version: '2',
        limit: 10,
      });
      expect(trail.slice(0, 2)).toMatchObject([
        { action: 'promotion.approved', requestId: request.id },
        { action: 'promotion.requested', requestId: request.id },
      ]);
      // A new identical request may be made once the last one is decided.
      await expect(
        promotions.createPromotion(
          {
            modelName: 'promoted',
            version: '2',
            alias: 'production',
            requestedBy: 'user:default/b',
            metrics: {},
            gates: [],
          },
          [audit],
        ),
      ).resolves.toMatchObject({ status: 'PENDING' });
    });
  },
);
