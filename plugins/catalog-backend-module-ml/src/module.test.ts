import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { catalogModuleMlAssets } from './module';
import { FakeMlCatalogBackend, mlAsset } from './testUtils';

const REFRESH_TASK = 'MlAssetEntityProvider:refresh';

describe('catalogModuleMlAssets', () => {
  let fake: FakeMlCatalogBackend;

  beforeEach(async () => {
    fake = await FakeMlCatalogBackend.start();
  });

  afterEach(async () => {
    await fake.stop();
  });

  /** Discovery that sends plugin `ml` to the fake; no other plugin is looked up here. */
  function discoveryOfFake() {
    return createServiceFactory({
      service: coreServices.discovery,
      deps: {},
      factory: () => ({
        getBaseUrl: async (pluginId: string) => {
          if (pluginId !== 'ml')
            throw new Error(`Unexpected plugin ${pluginId}`);
          return fake.baseUrl;
        },
        getExternalBaseUrl: async () => fake.baseUrl,
      }),
    });
  }

  it('publishes the assets through the real catalog, with owner and lineage relations', async () => {
    fake.assets = [
      mlAsset({
        type: 'dataset',
        entityName: 'dataset-churn-events',
        title: 'churn-events',
        path: 'datasets/ds-1',
        annotations: {},
      }),
      mlAsset({ dependsOn: ['dataset-churn-events'] }),
    ];
    const scheduler = mockServices.scheduler();
    const { server } = await startTestBackend({
      features: [
        catalogPlugin,
        catalogModuleMlAssets,
        // This instance runs tasks only when triggered, so the test decides when.
        createServiceFactory({
          service: coreServices.scheduler,
          deps: {},
          factory: () => scheduler,
        }),
        discoveryOfFake(),
        mockServices.rootConfig.factory({
          data: { app: { baseUrl: 'http://portal.test' } },
        }),
      ],
    });
    await scheduler.triggerTask(REFRESH_TASK);

    const base = `http://localhost:${server.port()}/api/catalog/entities/by-name/resource/default`;
    const model = await pollForEntity(
      `${base}/model-churn-classifier`,
      entity => Boolean(entity.relations?.length),
    );
    expect(model.spec).toMatchObject({
      type: 'ml-model',
      owner: 'group:default/ml-team',
    });
    expect(model.metadata.links).toEqual([
      {
        url: 'http://portal.test/ml/models/churn-classifier',
        title: 'Open in ML Platform',
      },
    ]);
    expect(model.relations).toEqual(
      expect.arrayContaining([
        { type: 'ownedBy', targetRef: 'group:default/ml-team' },
        {
          type: 'dependsOn',
          targetRef: 'resource:default/dataset-churn-events',
        },
      ]),
    );
    const dataset = await pollForEntity(
      `${base}/dataset-churn-events`,
      entity => Boolean(entity.relations?.some(r => r.type === 'dependencyOf')),
    );
    expect(dataset.relations).toContainEqual({
      type: 'dependencyOf',
      targetRef: 'resource:default/model-churn-classifier',
    });

    // A delta: the dataset is gone and the model lost its upstream.
    fake.assets = [mlAsset({ description: 'Retrained without events' })];
    await scheduler.triggerTask(REFRESH_TASK);
    const changed = await pollForEntity(
      `${base}/model-churn-classifier`,
      entity => entity.metadata.description === 'Retrained without events',
    );
    expect(changed.spec?.dependsOn).toEqual([]);
    expect(await statusOf(`${base}/dataset-churn-events`)).toBe(404);
  }, 60_000);

  it('adds the provider unless catalog.providers.mlPlatform.enabled is false', async () => {
    const added = async (config: object) => {
      const addEntityProvider = jest.fn();
      await startTestBackend({
        extensionPoints: [
          [catalogProcessingExtensionPoint, { addEntityProvider }],
        ],
        features: [
          catalogModuleMlAssets,
          mockServices.rootConfig.factory({
            data: { app: { baseUrl: 'http://portal.test' }, ...config },
          }),
        ],
      });
      return addEntityProvider.mock.calls.flat();
    };

    expect(await added({})).toEqual([expect.any(Object)]);
    expect(
      await added({
        catalog: { providers: { mlPlatform: { enabled: false } } },
      }),
    ).toEqual([]);
  });
});

async function statusOf(url: string): Promise<number> {
  const response = await fetch(url, {
    headers: { Authorization: mockCredentials.user.header() },
  });
  return response.status;
}

/**
 * The entity once the catalog has processed it far enough; the catalog stitches entities
 * asynchronously after a provider's mutation.
 */
async function pollForEntity(
  url: string,
  isReady: (entity: Entity) => boolean,
): Promise<Entity> {
  const deadline = Date.now() + 20_000;
  let last = 'no answer';
  while (Date.now() < deadline) {
    const response = await fetch(url, {
      headers: { Authorization: mockCredentials.user.header() },
    });
    if (response.ok) {
      const entity: Entity = await response.json();
      if (isReady(entity)) return entity;
      last = 'not processed yet';
    } else {
      last = `status ${response.status}`;
    }
    await new Promise(resolve => setTimeout(resolve, 200));
  }
  throw new Error(`${url} not ready within 20 s (${last})`);
}
