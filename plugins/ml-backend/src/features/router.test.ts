import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  FeatureView,
  mlFeatureImportPermission,
} from '@ml-portal/plugin-ml-common';
import request from 'supertest';
import { migrateDatabase } from '../database/migrateDatabase';
import { LineageService } from '../lineage/LineageService';
import { openAccess, userCaller } from '../__testUtils__/access';
import { createTestDatabases } from '../__testUtils__/databases';
import { startPortal } from '../__testUtils__/portal';
import { AccessControl } from '../shared/AccessControl';
import { createCallerResolver } from '../shared/caller';
import { EXAMPLE_NOW, exampleRegistry } from './__testUtils__/exampleRegistry';
import { DatabaseFeatureStore } from './DatabaseFeatureStore';
import { FeaturesService } from './FeaturesService';
import { runFeatureImports } from './imports';
import { createFeaturesRouter } from './router';
import { createPortalApi } from '../router';

const databases = createTestDatabases();

/**
 * The features API as the plugin wires it, over the test backend's database, with
 * the clock at {@link EXAMPLE_NOW} and the lineage service in the test's hands.
 */
async function startFeaturesApi() {
  let lineage: LineageService | undefined;
  const plugin = createBackendPlugin({
    pluginId: 'ml',
    register(env) {
      env.registerInit({
        deps: {
          database: coreServices.database,
          httpRouter: coreServices.httpRouter,
          httpAuth: coreServices.httpAuth,
          userInfo: coreServices.userInfo,
          permissions: coreServices.permissions,
        },
        async init({ database, httpRouter, httpAuth, userInfo, permissions }) {
          const knex = await database.getClient();
          await migrateDatabase(database, knex);
          const access = new AccessControl({
            permissions,
            tenancy: {
              readAcrossTeams: true,
              managers: [],
              platformGroups: [],
            },
            enabled: true,
          });
          lineage = LineageService.create({ knex, access });
          const features = new FeaturesService({
            store: DatabaseFeatureStore.create({ knex }),
            lineage,
            now: () => EXAMPLE_NOW,
            access,
          });
          lineage.addDescriber('feature_view', features.describeViews);
          lineage.addDescriber(
            'run',
            async ids =>
              new Map(
                ids.map(id => [id, { label: `run ${id}`, path: `runs/${id}` }]),
              ),
          );
          const resolveCaller = createCallerResolver({
            httpAuth,
            userInfo,
            defaultOwner: 'group:default/ml-platform',
            allowUnauthenticated: false,
            principals: { services: new Map() },
          });
          httpRouter.use(
            await createPortalApi([
              createFeaturesRouter({ features, resolveCaller }),
            ]),
          );
        },
      });
    },
  });
  const { server } = await startTestBackend({
    features: [
      plugin,
      mockServices.userInfo.mock({
        getUserInfo: async () => ({
          userEntityRef: 'user:default/mei.chen',
          ownershipEntityRefs: [
            'user:default/mei.chen',
            'group:default/growth',
          ],
        }),
      }).factory,
    ],
  });
  return { server, lineage: lineage! };
}

const names = (views: FeatureView[]) => views.map(v => v.name);

describe('features API', () => {
  it('imports a registry dump, lists, searches and filters stale views', async () => {
    const { server } = await startFeaturesApi();

    const imported = await request(server)
      .post('/api/ml/features/imports')
      .send(exampleRegistry());
    expect(imported.status).toBe(200);
    expect(imported.body).toMatchObject({
      source: 'upload',
      importedAt: EXAMPLE_NOW,
      projects: ['rideshare'],
      unchanged: 0,
    });
    expect(imported.body.added).toHaveLength(5);
    expect(imported.body.warnings).toEqual([
      expect.stringContaining("owner 'mei.chen@example.com'"),
    ]);

    const all = await request(server).get('/api/ml/features/views');
    expect(all.status).toBe(200);
    expect(names(all.body)).toEqual([
      'customer_profile',
      'driver_activity',
      'driver_hourly_stats',
      'driver_trip_aggregates',
      'transformed_conv_rate',
    ]);
    const byName = new Map<string, FeatureView>(
      all.body.map((v: FeatureView) => [v.name, v]),
    );
    // An owner Feast names by email only: the importer's group.
    expect(byName.get('customer_profile')!.owner).toBe('group:default/growth');
    expect(byName.get('driver_hourly_stats')!.freshness).toEqual({
      status: 'fresh',
      lastMaterializedAt: Date.parse('2026-11-23T13:00:00Z'),
      sloSeconds: 7200,
      ageSeconds: 3000,
    });
    expect(byName.get('driver_activity')!.freshness.status).toBe('stale');
    expect(byName.get('transformed_conv_rate')!.freshness.status).toBe(
      'unknown',
    );

    const stale = await request(server).get(
      '/api/ml/features/views?stale=true',
    );
    expect(names(stale.body)).toEqual(['driver_activity']);

    const search = await request(server).get(
      '/api/ml/features/views?q=Conv_Rate&owner=recsys',
    );
    expect(names(search.body)).toEqual([
      'driver_hourly_stats',
      'transformed_conv_rate',
    ]);

    const entities = await request(server).get(
      '/api/ml/features/entities?project=rideshare',
    );
    expect(entities.body.map((e: { name: string }) => e.name)).toEqual([
      'customer',
      'driver',
    ]);
    const sources = await request(server).get('/api/ml/features/sources');
    expect(sources.body).toContainEqual(
      expect.objectContaining({
        name: 'trip_events_stream',
        type: 'STREAM_KAFKA',
        location: 'rideshare.trip_events',
      }),
    );
    const services = await request(server).get('/api/ml/features/services');
    expect(services.body.map((s: { name: string }) => s.name)).toEqual([
      'customer_churn_v2',
      'driver_ranking_v1',
    ]);
  });

  it('shows a view’s page with its versions, services and the runs and models that used it', async () => {
    const { server, lineage } = await startFeaturesApi();
    await request(server)
      .post('/api/ml/features/imports?source=rideshare-prod')
      .send(exampleRegistry());
    await request(server)
      .post('/api/ml/features/imports?source=rideshare-prod')
      .send(exampleRegistry('registry-changed.json'));
    await lineage.record([
      {
        from: { kind: 'feature_view', id: 'rideshare/driver_hourly_stats' },
        to: { kind: 'run', id: 'r1' },
        relation: 'input_to',
      },
      {
        from: { kind: 'run', id: 'r1' },
        to: { kind: 'model_version', id: 'mv-7' },
        relation: 'registered_as',
      },
    ]);

    const page = await request(server).get(
      '/api/ml/features/views/rideshare/driver_hourly_stats',
    );

    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({
      id: 'rideshare/driver_hourly_stats',
      version: 2,
      services: ['driver_ranking_v1'],
      versions: [
        { version: 2, changes: ['feature trips_today added'] },
        { version: 1, changes: ['created'] },
      ],
      usedBy: [
        { kind: 'run', id: 'r1', label: 'run r1', path: 'runs/r1' },
        { kind: 'model_version', id: 'mv-7', label: 'mv-7' },
      ],
    });
    expect(page.body.features.map((f: { name: string }) => f.name)).toContain(
      'trips_today',
    );

    // Lineage draws the view as the catalog describes it.
    const graph = await lineage.graph({
      root: { kind: 'run', id: 'r1' },
      direction: 'upstream',
      depth: 1,
    });
    expect(graph.nodes).toContainEqual(
      expect.objectContaining({
        key: 'feature_view:rideshare/driver_hourly_stats',
        label: 'rideshare/driver_hourly_stats',
        subtitle: 'v2 · 4 features',
        owner: 'group:default/recsys',
        path: 'features/views/rideshare/driver_hourly_stats',
        known: true,
      }),
    );

    // The removed view keeps its page; lists leave it out.
    const removed = await request(server).get(
      '/api/ml/features/views/rideshare/driver_activity',
    );
    expect(removed.status).toBe(200);
    expect(removed.body.removedAt).toBe(EXAMPLE_NOW);
    expect(removed.body.usedBy).toEqual([]);

    const history = await request(server).get('/api/ml/features/imports');
    expect(history.body).toHaveLength(2);
    expect(history.body[0]).toMatchObject({
      source: 'rideshare-prod',
      changed: ['rideshare/driver_hourly_stats'],
      removed: ['rideshare/driver_activity'],
    });

    const missing = await request(server).get(
      '/api/ml/features/views/rideshare/nope',
    );
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toBe("No feature view 'rideshare/nope'");
  });

  it.each([
    ['application/json', '{"project": ', /not valid JSON/],
    ['text/plain', 'registry', /not valid JSON/],
    [
      'application/json',
      '{"name": "driver", "version": 3}',
      /Not a Feast registry: it has none of/,
    ],
    ['application/json', '[1, 2]', /Not a Feast registry: .* got a list/],
    [
      'application/json',
      '{"project": "p", "featureViews": [{"spec": {"name": "v", "ttl": "1 day"}}]}',
      /featureViews\[0\]\.spec\.ttl: '1 day' is not a protobuf duration/,
    ],
    [
      'application/json',
      '',
      /The body must be the JSON that `feast registry-dump` prints/,
    ],
  ])('answers 400 to a %s body %j', async (type, body, message) => {
    const { server } = await startFeaturesApi();

    const response = await request(server)
      .post('/api/ml/features/imports')
      .set('Content-Type', type)
      .send(body);

    expect(response.status).toBe(400);
    expect(response.body.error.name).toBe('InputError');
    expect(response.body.error.message).toMatch(message);
    const history = await request(server).get('/api/ml/features/imports');
    expect(history.body).toEqual([]);
  });

  it('reads a dump sent as text too, and refuses bad filters', async () => {
    const { server } = await startFeaturesApi();

    const imported = await request(server)
      .post('/api/ml/features/imports')
      .set('Content-Type', 'text/plain')
      .send(JSON.stringify(exampleRegistry()));
    const badFilter = await request(server).get(
      '/api/ml/features/views?stale=yes',
    );

    expect(imported.status).toBe(200);
    expect(imported.body.added).toHaveLength(5);
    expect(badFilter.status).toBe(400);
    expect(badFilter.body.error.message).toMatch(
      /^request\/query\/stale must be equal to one of the allowed values/,
    );
  });
});

describe('uploads', () => {
  it('import only when ml.feature.import allows the caller, and write nothing otherwise', async () => {
    const knex = await databases.init('SQLITE_3');
    await migrateDatabase({ getClient: async () => knex }, knex);
    const decisions: AuthorizeResult[] = [AuthorizeResult.DENY];
    const permissions = mockServices.permissions.mock({
      authorize: async requests => {
        expect(requests).toEqual([{ permission: mlFeatureImportPermission }]);
        return [{ result: decisions.shift()! }] as any;
      },
    });
    const features = new FeaturesService({
      store: DatabaseFeatureStore.create({ knex }),
      access: new AccessControl({
        permissions,
        tenancy: { readAcrossTeams: true, managers: [], platformGroups: [] },
        enabled: true,
      }),
    });
    const caller = userCaller('user:default/mei.chen', [
      'group:default/growth',
    ]);

    await expect(
      features.uploadRegistry(caller, exampleRegistry(), 'upload'),
    ).rejects.toThrow(
      'user:default/mei.chen lacks the permission ml.feature.import',
    );
    expect(await features.listImports(caller)).toEqual([]);

    decisions.push(AuthorizeResult.ALLOW);
    const result = await features.uploadRegistry(
      caller,
      exampleRegistry(),
      'upload',
    );
    expect(result.added).toHaveLength(5);
    await knex.destroy();
  });
});

describe('scheduled imports', () => {
  it('imports configured files and logs, never throws, on a file it cannot import', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'feast-'));
    writeFileSync(join(dir, 'good.json'), JSON.stringify(exampleRegistry()));
    writeFileSync(join(dir, 'bad.json'), '{"hello": "world"}');
    const logger = mockServices.logger.mock();
    const knex = await databases.init('SQLITE_3');
    await migrateDatabase({ getClient: async () => knex }, knex);
    const features = new FeaturesService({
      store: DatabaseFeatureStore.create({ knex }),
      access: openAccess(),
    });

    await runFeatureImports({
      features,
      logger,
      owner: 'group:default/ml-platform',
      files: [
        { id: 'missing', path: join(dir, 'missing.json') },
        { id: 'bad', path: join(dir, 'bad.json') },
        { id: 'good', path: join(dir, 'good.json') },
      ],
    });

    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(
        /^Could not import Feast registry missing: cannot read .*missing\.json/,
      ),
    );
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(
        /^Could not import Feast registry bad: Not a Feast registry/,
      ),
    );
    expect(logger.info).toHaveBeenCalledWith(
      'Imported Feast registry good: 5 views added, 0 changed, 0 removed, 0 unchanged',
    );
    expect(
      (await features.listImports(userCaller())).map(i => i.source),
    ).toEqual(['good']);
    await knex.destroy();
  });
});

describe('features in the ml plugin', () => {
  it('maps owners from ml.features.owners and lets lineage describe imported views', async () => {
    const { server } = await startPortal({
      ml: {
        features: {
          owners: [
            { owner: 'Mei.Chen@example.com', group: 'group:default/recsys' },
          ],
        },
      },
    });

    const imported = await request(server)
      .post('/api/ml/features/imports')
      .send(exampleRegistry());
    const view = await request(server).get(
      '/api/ml/features/views/rideshare/customer_profile',
    );
    const graph = await request(server).get(
      '/api/ml/lineage?kind=feature_view&id=rideshare/customer_profile',
    );

    expect(imported.status).toBe(200);
    expect(imported.body.warnings).toEqual([]);
    expect(view.body.owner).toBe('group:default/recsys');
    expect(graph.status).toBe(200);
    expect(graph.body.nodes[0]).toMatchObject({
      label: 'rideshare/customer_profile',
      path: 'features/views/rideshare/customer_profile',
      known: true,
    });
  });
});
