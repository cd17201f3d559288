import { DiscoveryService } from '@backstage/backend-plugin-api';
import { mockServices } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { EntityProviderMutation } from '@backstage/plugin-catalog-node';
import { assetEntityName } from '@ml-portal/plugin-ml-common';
import { MlAssetEntityProvider } from './MlAssetEntityProvider';
import {
  FakeMlCatalogBackend,
  RecordingConnection,
  mlAsset,
  mlEndpointAsset,
} from './__testUtils__';

const dataset = mlAsset({
  type: 'dataset',
  entityName: 'dataset-churn-events',
  title: 'churn-events',
  path: 'datasets/ds-1',
  tags: ['dataset'],
  annotations: {},
});
const featureView = mlAsset({
  type: 'feature-view',
  entityName: 'feature-view-shop.customer_stats',
  title: 'shop.customer_stats',
  path: 'features/views/shop/customer_stats',
  tags: ['feature-view'],
  annotations: {},
});
const model = mlAsset({
  dependsOn: ['dataset-churn-events', 'feature-view-shop.customer_stats'],
});

function names(entities: Array<{ entity: Entity }>): string[] {
  return entities.map(e => e.entity.metadata.name).sort();
}

describe('MlAssetEntityProvider', () => {
  let fake: FakeMlCatalogBackend;
  /** Where discovery sends the provider for plugin `ml`. */
  let mlBaseUrl: string;

  beforeEach(async () => {
    fake = await FakeMlCatalogBackend.start();
    mlBaseUrl = fake.baseUrl;
  });

  afterEach(async () => {
    await fake.stop();
  });

  async function connectedProvider() {
    const logger = mockServices.logger.mock();
    const scheduler = mockServices.scheduler();
    const discovery: DiscoveryService = {
      getBaseUrl: async () => mlBaseUrl,
      getExternalBaseUrl: async () => mlBaseUrl,
    };
    const provider = new MlAssetEntityProvider({
      logger,
      discovery,
      auth: mockServices.auth({ pluginId: 'catalog' }),
      scheduler,
      schedule: { frequency: { seconds: 30 }, timeout: { minutes: 2 } },
      appBaseUrl: 'http://portal.test',
    });
    const connection = new RecordingConnection();
    await provider.connect(connection);
    return { provider, connection, logger, scheduler };
  }

  it('schedules a local refresh task that publishes the assets with a service token for ml', async () => {
    fake.assets = [dataset];
    const { connection, scheduler } = await connectedProvider();

    const [task] = await scheduler.getScheduledTasks();
    expect(task).toMatchObject({
      id: 'MlAssetEntityProvider:refresh',
      scope: 'local',
    });
    await scheduler.triggerTask(task.id);

    expect(connection.mutations).toHaveLength(1);
    expect(fake.authorizations).toEqual([
      expect.stringMatching(
        /^Bearer mock-service-token:.*"sub":"plugin:catalog".*"target":"ml"/,
      ),
    ]);
  });

  it('applies a full mutation first, then only what changed, and nothing when nothing did', async () => {
    fake.assets = [dataset, featureView, model];
    const { provider, connection } = await connectedProvider();

    await provider.refresh();
    const [full] = connection.mutations;
    expect(full.type).toBe('full');
    expect(full.type === 'full' && names(full.entities)).toEqual([
      'dataset-churn-events',
      'feature-view-shop.customer_stats',
      'model-churn-classifier',
    ]);
    expect(full.type === 'full' && full.entities[0].locationKey).toBe(
      'ml-platform',
    );

    await provider.refresh();
    expect(connection.mutations).toHaveLength(1);

    const newDataset = mlAsset({
      type: 'dataset',
      entityName: 'dataset-churn-labels',
      title: 'churn-labels',
      path: 'datasets/ds-2',
      annotations: {},
    });
    fake.assets = [
      dataset,
      newDataset,
      { ...model, dependsOn: ['dataset-churn-events', 'dataset-churn-labels'] },
    ];
    await provider.refresh();

    expect(connection.mutations).toHaveLength(2);
    const delta = connection.mutations[1] as Extract<
      EntityProviderMutation,
      { type: 'delta' }
    >;
    expect(delta.type).toBe('delta');
    expect(names(delta.added)).toEqual([
      'dataset-churn-labels',
      'model-churn-classifier',
    ]);
    expect(delta.added[1].entity.spec?.dependsOn).toEqual([
      'resource:default/dataset-churn-events',
      'resource:default/dataset-churn-labels',
    ]);
    expect(delta.removed).toEqual([
      {
        entityRef: 'resource:default/feature-view-shop.customer_stats',
        locationKey: 'ml-platform',
      },
    ]);
  });

  it('publishes an endpoint with its owner and its model as dependency, and removes it in the next delta once deleted', async () => {
    const endpoint = mlEndpointAsset();
    fake.assets = [model, endpoint];
    const { provider, connection } = await connectedProvider();

    await provider.refresh();
    const [full] = connection.mutations;
    const published =
      full.type === 'full'
        ? full.entities.find(
            e => e.entity.metadata.name === 'endpoint-churn-live',
          )
        : undefined;
    expect(published).toMatchObject({
      locationKey: 'ml-platform',
      entity: {
        kind: 'Resource',
        metadata: {
          title: 'churn-live',
          annotations: expect.objectContaining({
            'ml.platform/model': 'churn-classifier',
            'ml.platform/model-versions': '9,10',
          }),
          links: expect.arrayContaining([
            {
              url: 'http://portal.test/ml/deployments/churn-live',
              title: 'Open in ML Platform',
            },
          ]),
        },
        spec: {
          type: 'ml-endpoint',
          owner: 'group:default/crm-team',
          dependsOn: ['resource:default/model-churn-classifier'],
        },
      },
    });

    // A canary of version 11 starts: the entity changes, nothing else does.
    fake.assets = [
      model,
      {
        ...endpoint,
        endpoint: {
          ...endpoint.endpoint!,
          status: 'UPDATING',
          versions: ['10', '11'],
        },
      },
    ];
    await provider.refresh();
    const canary = connection.mutations[1] as Extract<
      EntityProviderMutation,
      { type: 'delta' }
    >;
    expect(names(canary.added)).toEqual(['endpoint-churn-live']);
    expect(canary.added[0].entity.metadata.annotations).toMatchObject({
      'ml.platform/model-versions': '10,11',
      'ml.platform/endpoint-status': 'UPDATING',
    });
    expect(canary.removed).toEqual([]);

    fake.assets = [model];
    await provider.refresh();
    expect(connection.mutations[2]).toEqual({
      type: 'delta',
      added: [],
      removed: [
        {
          entityRef: 'resource:default/endpoint-churn-live',
          locationKey: 'ml-platform',
        },
      ],
    });
  });

  it('keeps the catalog as it is when the ml backend answers an error or cannot be reached', async () => {
    fake.assets = [dataset, model];
    const { provider, connection, logger } = await connectedProvider();
    await provider.refresh();

    fake.failWithStatus = 503;
    await provider.refresh();
    expect(connection.mutations).toHaveLength(1);
    expect(logger.warn).toHaveBeenLastCalledWith(
      expect.stringMatching(/Cannot read ML assets.*503/),
    );

    const stopped = await FakeMlCatalogBackend.start();
    await stopped.stop();
    mlBaseUrl = stopped.baseUrl;
    await provider.refresh();
    expect(connection.mutations).toHaveLength(1);
    expect(logger.warn).toHaveBeenLastCalledWith(
      expect.stringMatching(
        /Cannot read ML assets.*Cannot reach http:.*\/api\/ml\/catalog\/assets: .*ECONNREFUSED/,
      ),
    );

    // Back online: the baseline survived the outage, so only the change is sent.
    mlBaseUrl = fake.baseUrl;
    fake.failWithStatus = undefined;
    fake.assets = [dataset];
    await provider.refresh();
    expect(connection.mutations[1]).toEqual({
      type: 'delta',
      added: [],
      removed: [
        {
          entityRef: 'resource:default/model-churn-classifier',
          locationKey: 'ml-platform',
        },
      ],
    });
  });

  it('publishes nothing before the ml backend has answered once', async () => {
    fake.failWithStatus = 500;
    const { provider, connection } = await connectedProvider();
    await provider.refresh();
    expect(connection.mutations).toEqual([]);

    fake.failWithStatus = undefined;
    fake.assets = [dataset];
    await provider.refresh();
    expect(connection.mutations.map(m => m.type)).toEqual(['full']);
  });

  it('skips invalid, malformed, misnamed and duplicate assets, logging each problem once', async () => {
    fake.assets = [
      dataset,
      mlAsset({ entityName: 'Churn Classifier!' }),
      { entityName: 'model-half', type: 'ml-model' },
      mlEndpointAsset({
        entityName: 'endpoint-blockless',
        endpoint: undefined,
      }),
      { ...dataset, description: 'the same dataset again' },
      { ...dataset, title: 'Churn Events' },
    ];
    const { provider, connection, logger } = await connectedProvider();

    await provider.refresh();
    await provider.refresh();

    const [full] = connection.mutations;
    expect(full.type === 'full' && names(full.entities)).toEqual([
      'dataset-churn-events',
    ]);
    expect(logger.warn.mock.calls.map(([message]) => message)).toEqual([
      expect.stringMatching(/^Skipped ML asset 'model-half': title: /),
      "Skipped ML asset 'endpoint-blockless': endpoint: an ml-endpoint asset has an endpoint block and no other does",
      expect.stringMatching(/^Skipped ML asset 'Churn Classifier!': .*name/),
      "Skipped ML asset 'dataset-churn-events': another asset has its name",
      expect.stringMatching(
        /^Skipped ML asset 'dataset-churn-events': entity name is not the one of dataset "Churn Events", which is 'dataset-churn-events--[0-9a-f]{16}'$/,
      ),
    ]);
  });

  it('publishes assets whose names normalise alike as entities of their own, and a new one never takes an existing entity', async () => {
    // As the ml backend lists them: each named by assetEntityName of its type and exact name.
    const modelNamed = (name: string) =>
      mlAsset({
        entityName: assetEntityName('ml-model', name),
        title: name,
        path: `models/${encodeURIComponent(name)}`,
        annotations: { 'ml.platform/model': name },
      });
    const first = modelNamed('audit-probe-m');
    const second = modelNamed(' Audit.Probe.M');
    const third = modelNamed('Audit_Probe_M');

    fake.assets = [first];
    const { provider, connection, logger } = await connectedProvider();
    await provider.refresh();
    const [full] = connection.mutations;
    expect(full.type === 'full' && names(full.entities)).toEqual([
      'model-audit-probe-m',
    ]);

    // A model whose name normalises to the first one's appears, listed before it (name
    // order: ' ' sorts before 'a'): it gets an entity of its own, the first keeps its own.
    fake.assets = [second, first];
    await provider.refresh();
    const added = connection.mutations[1] as Extract<
      EntityProviderMutation,
      { type: 'delta' }
    >;
    expect(added.removed).toEqual([]);
    expect(added.added).toHaveLength(1);
    const [secondEntity] = added.added.map(e => e.entity);
    expect(secondEntity.metadata).toMatchObject({
      name: expect.stringMatching(/^model-audit-probe-m--[0-9a-f]{16}$/),
      title: ' Audit.Probe.M',
      annotations: expect.objectContaining({
        'ml.platform/asset-name': ' Audit.Probe.M',
        'ml.platform/model': ' Audit.Probe.M',
      }),
    });

    // More look-alikes come and the second goes: nobody's entity moves.
    fake.assets = [third, first];
    await provider.refresh();
    const churn = connection.mutations[2] as Extract<
      EntityProviderMutation,
      { type: 'delta' }
    >;
    expect(names(churn.added)).toEqual([
      assetEntityName('ml-model', 'Audit_Probe_M'),
    ]);
    expect(churn.removed).toEqual([
      {
        entityRef: `resource:default/${secondEntity.metadata.name}`,
        locationKey: 'ml-platform',
      },
    ]);
    expect(new Set([first, second, third].map(a => a.entityName)).size).toBe(3);
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('refuses an asset that claims an entity name other than its own', async () => {
    const owner = mlAsset({
      title: 'audit-probe-m',
      entityName: 'model-audit-probe-m',
    });
    const squatter = mlAsset({
      title: ' Audit.Probe.M',
      entityName: 'model-audit-probe-m',
      owner: 'group:default/intruders',
    });
    fake.assets = [squatter, owner];
    const { provider, connection, logger } = await connectedProvider();
    await provider.refresh();

    const [full] = connection.mutations;
    expect(
      full.type === 'full' && full.entities.map(e => e.entity.metadata.title),
    ).toEqual(['audit-probe-m']);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(
        /^Skipped ML asset 'model-audit-probe-m': entity name is not the one of ml-model " Audit.Probe.M"/,
      ),
    );
  });

  it('starts over from a full mutation when applying a change fails', async () => {
    fake.assets = [dataset];
    const { provider, connection } = await connectedProvider();
    await provider.refresh();

    fake.assets = [dataset, model];
    connection.failNextWith = new Error('database is locked');
    await expect(provider.refresh()).rejects.toThrow('database is locked');

    await provider.refresh();
    expect(connection.mutations.map(m => m.type)).toEqual(['full', 'full']);
  });

  it('refuses to refresh before the catalog connected it', async () => {
    const provider = new MlAssetEntityProvider({
      logger: mockServices.logger.mock(),
      discovery: mockServices.discovery(),
      auth: mockServices.auth(),
      scheduler: mockServices.scheduler(),
      schedule: { frequency: { seconds: 30 }, timeout: { minutes: 2 } },
      appBaseUrl: 'http://portal.test',
    });
    await expect(provider.refresh()).rejects.toThrow(/not connected/);
  });
});
