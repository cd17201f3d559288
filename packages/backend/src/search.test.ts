import { Readable } from 'node:stream';
import {
  coreServices,
  createBackendModule,
  createBackendPlugin,
  createServiceFactory,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import searchPlugin from '@backstage/plugin-search-backend';
import searchModuleCatalog from '@backstage/plugin-search-backend-module-catalog';
import searchModulePg from '@backstage/plugin-search-backend-module-pg';
import { searchIndexRegistryExtensionPoint } from '@backstage/plugin-search-backend-node/alpha';
import catalogModuleMlAssets from '@ml-portal/plugin-catalog-backend-module-ml';
import {
  assetEntityName,
  MlAssetType,
  MlCatalogAsset,
} from '@ml-portal/plugin-ml-common';
import request from 'supertest';

const databases = TestDatabases.create({
  ids: ['SQLITE_3', 'POSTGRES_15'],
  disableDocker: true,
});

/**
 * What the catalog collator makes of ML assets' entities (a training profile and a
 * model), under its own document type, so the test needs no catalog.
 */
const documents = [
  {
    title: 'gpu-a100',
    text: 'Fine-tuning on A100s. Training profile v3: pools a100-eu; up to 8 GPUs; spot required',
    location: '/catalog/default/resource/training-profile-gpu-a100',
    kind: 'Resource',
    type: 'ml-training-profile',
    owner: 'group:default/ml-platform',
  },
  {
    title: 'churn-classifier',
    text: 'Predicts churn from customer events',
    location: '/catalog/default/resource/model-churn-classifier',
    kind: 'Resource',
    type: 'ml-model',
    owner: 'group:default/recsys',
  },
];

/** The search plugin's scheduler, as the collator module sees it. */
let searchScheduler: SchedulerService | undefined;

const collatorModule = createBackendModule({
  pluginId: 'search',
  moduleId: 'test-ml-assets',
  register(env) {
    env.registerInit({
      deps: {
        indexRegistry: searchIndexRegistryExtensionPoint,
        scheduler: coreServices.scheduler,
      },
      async init({ indexRegistry, scheduler }) {
        searchScheduler = scheduler;
        indexRegistry.addCollator({
          schedule: scheduler.createScheduledTaskRunner({
            frequency: { minutes: 10 },
            timeout: { minutes: 1 },
          }),
          factory: {
            type: 'software-catalog',
            getCollator: async () => Readable.from(documents),
          },
        });
      },
    });
  },
});

describe.each(databases.eachSupportedId())('search on %p', databaseId => {
  it('indexes ML assets with the engine the database supports and finds a training profile', async () => {
    const knex = await databases.init(databaseId);
    const { server } = await startTestBackend({
      features: [
        searchPlugin,
        // As in src/index.ts: the PostgreSQL engine where the database is PostgreSQL;
        // on SQLite the module stands aside and Lunr stays.
        searchModulePg,
        collatorModule,
        mockServices.database.factory({ knex }),
        // Indexing runs when the test says, not at some point after start.
        mockServices.scheduler.factory({ skipTaskRunOnStartup: true }),
      ],
    });
    const scheduler = searchScheduler!;
    const tasks = await scheduler.getScheduledTasks();
    expect(tasks.map(t => t.id)).toEqual(['search_index_software_catalog']);
    await scheduler.triggerTask(tasks[0].id);

    const search = (term: string) =>
      request(server)
        .get('/api/search/query')
        .query({ term })
        .set('Authorization', mockCredentials.user.header());
    const found = await search('spot required');
    expect(found.status).toBe(200);
    expect(
      found.body.results.map(
        (r: { document: { title: string } }) => r.document.title,
      ),
    ).toEqual(['gpu-a100']);
    expect(found.body.results[0]).toMatchObject({
      type: 'software-catalog',
      document: { type: 'ml-training-profile', kind: 'Resource' },
    });

    // The engine is PostgreSQL's exactly where the database is: its documents table
    // holds what was indexed.
    const pg = databaseId === 'POSTGRES_15';
    expect(await knex.schema.hasTable('documents')).toBe(pg);
    const indexed = pg
      ? await knex('documents').where({ type: 'software-catalog' })
      : [];
    expect(indexed.map(row => row.document.title).sort()).toEqual(
      pg ? ['churn-classifier', 'gpu-a100'] : [],
    );
  });
});

/** An ML asset as the ml backend lists it for the catalog. */
function asset(
  type: MlAssetType,
  title: string,
  description: string,
  path: string,
): MlCatalogAsset {
  return {
    type,
    entityName: assetEntityName(type, title),
    title,
    description,
    owner: 'group:default/ml-platform',
    path,
    tags: [type],
    dependsOn: [],
    annotations: {},
  };
}

const assets = [
  asset(
    'ml-model',
    'churn-classifier',
    'Predicts churn',
    'models/churn-classifier',
  ),
  asset('dataset', 'churn-events', 'Customer events', 'datasets/ds-1'),
  asset(
    'feature-view',
    'shop/customer_stats',
    'Customer aggregates',
    'features/views/shop/customer_stats',
  ),
  {
    ...asset(
      'ml-endpoint',
      'churn-live',
      'Churn scores for the CRM',
      'deployments/churn-live',
    ),
    endpoint: {
      kind: 'real-time',
      target: 'local',
      status: 'READY',
      modelName: 'churn-classifier',
      versions: ['3'],
    },
  },
  asset(
    'ml-training-profile',
    'gpu-a100',
    'Fine-tuning on A100s. Training profile v3: pools a100-eu; up to 8 GPUs; spot required',
    'training/profiles/gpu-a100',
  ),
];

/**
 * A stand-in for the ml backend's catalog route (`GET /api/ml/catalog/assets`), as a
 * plugin of the test backend so that discovery finds it; the route's own tests cover
 * what the real one lists.
 */
const mlAssetsStandIn = createBackendPlugin({
  pluginId: 'ml',
  register(env) {
    env.registerInit({
      deps: { httpRouter: coreServices.httpRouter },
      async init({ httpRouter }) {
        httpRouter.use((req, res, next) => {
          if (req.method === 'GET' && req.path === '/catalog/assets') {
            res.json({ assets });
          } else {
            next();
          }
        });
      },
    });
  },
});

/** Each plugin's own database on one server, as a real backend has them. */
function databasesPerPlugin(init: () => ReturnType<typeof databases.init>) {
  const byPlugin = new Map<string, ReturnType<typeof databases.init>>();
  const clientOf = (pluginId: string) => {
    if (!byPlugin.has(pluginId)) byPlugin.set(pluginId, init());
    return byPlugin.get(pluginId)!;
  };
  return {
    clientOf,
    factory: createServiceFactory({
      service: coreServices.database,
      deps: { plugin: coreServices.pluginMetadata },
      factory: ({ plugin }) => ({
        getClient: () => clientOf(plugin.getId()),
      }),
    }),
  };
}

/** Polls `check` until it holds (at most 20 s, 100 ms apart). */
async function waitFor(what: string, check: () => Promise<boolean>) {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} never happened`);
    await new Promise(resolve => setTimeout(resolve, 100));
  }
}

describe.each(databases.eachSupportedId())(
  'catalog search on %p',
  databaseId => {
    it('finds every kind of ML asset the catalog publishes, training profiles among them', async () => {
      const scheduler = mockServices.scheduler();
      const perPlugin = databasesPerPlugin(() => databases.init(databaseId));
      const { server } = await startTestBackend({
        features: [
          mlAssetsStandIn,
          catalogPlugin,
          catalogModuleMlAssets,
          searchPlugin,
          searchModuleCatalog,
          searchModulePg,
          perPlugin.factory,
          // Tasks run when the test triggers them.
          createServiceFactory({
            service: coreServices.scheduler,
            deps: {},
            factory: () => scheduler,
          }),
          mockServices.rootConfig.factory({
            data: { app: { baseUrl: 'http://portal.test' } },
          }),
        ],
      });
      await scheduler.triggerTask('MlAssetEntityProvider:refresh');
      const user = mockCredentials.user.header();
      // The catalog processes the published entities on its own time.
      await waitFor('the catalog processing the ML entities', async () => {
        const res = await request(server)
          .get('/api/catalog/entities/by-query')
          .query({ filter: 'kind=resource' })
          .set('Authorization', user);
        return res.body.items?.length === assets.length;
      });
      await scheduler.triggerTask('search_index_software_catalog');

      const titles = async (term: string) =>
        (
          await request(server)
            .get('/api/search/query')
            .query({ term, types: ['software-catalog'] })
            .set('Authorization', user)
        ).body.results.map(
          (r: { document: { title: string } }) => r.document.title,
        );
      // Lunr also matches near words ('shop' for 'spot'): the best match comes first.
      expect((await titles('spot required'))[0]).toBe('gpu-a100');
      expect(await titles('churn')).toEqual(
        expect.arrayContaining([
          'churn-classifier',
          'churn-events',
          'churn-live',
        ]),
      );
      expect(await titles('aggregates')).toEqual(['shop/customer_stats']);
      const profile = (
        await request(server)
          .get('/api/search/query')
          .query({ term: 'gpu-a100' })
          .set('Authorization', user)
      ).body.results[0].document;
      expect(profile).toMatchObject({
        kind: 'Resource',
        type: 'ml-training-profile',
        location: '/catalog/default/resource/training-profile-gpu-a100',
      });
      // PostgreSQL indexes into the search plugin's own database; Lunr in memory.
      const searchDb = await perPlugin.clientOf('search');
      expect(await searchDb.schema.hasTable('documents')).toBe(
        databaseId === 'POSTGRES_15',
      );
    });
  },
);
