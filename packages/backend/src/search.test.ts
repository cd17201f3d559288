import { Readable } from 'node:stream';
import {
  coreServices,
  createBackendModule,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import searchPlugin from '@backstage/plugin-search-backend';
import searchModulePg from '@backstage/plugin-search-backend-module-pg';
import { searchIndexRegistryExtensionPoint } from '@backstage/plugin-search-backend-node/alpha';
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
