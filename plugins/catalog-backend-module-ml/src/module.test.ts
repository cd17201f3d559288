import {
  coreServices,
  createBackendModule,
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
import { assetEntityName } from '@ml-portal/plugin-ml-common';
import { catalogModuleMlAssets } from './module';
import { MlAssetEntityProvider } from './MlAssetEntityProvider';
import { MlModelRelationProcessor } from './MlModelRelationProcessor';
import {
  FakeMlCatalogBackend,
  mlAsset,
  mlEndpointAsset,
} from './__testUtils__';

const REFRESH_TASK = 'MlAssetEntityProvider:refresh';

/** A service that runs the model, as a team's catalog-info.yaml would describe it. */
const churnScoring: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'churn-scoring',
    annotations: {
      'ml.platform/model': 'churn-classifier',
      'backstage.io/managed-by-location':
        'url:http://git.test/catalog-info.yaml',
      'backstage.io/managed-by-origin-location':
        'url:http://git.test/catalog-info.yaml',
    },
  },
  spec: { type: 'service', lifecycle: 'production', owner: 'group:ml-team' },
};

/** Another source of entities for the catalog under test, publishing `entities` once. */
function teamEntitiesOf(entities: Entity[]) {
  return createBackendModule({
    pluginId: 'catalog',
    moduleId: 'test-team-entities',
    register(reg) {
      reg.registerInit({
        deps: { catalog: catalogProcessingExtensionPoint },
        async init({ catalog }) {
          catalog.addEntityProvider({
            getProviderName: () => 'TeamEntities',
            connect: connection =>
              connection.applyMutation({
                type: 'full',
                entities: entities.map(entity => ({
                  entity,
                  locationKey: 'team',
                })),
              }),
          });
        },
      });
    },
  });
}

const teamEntities = teamEntitiesOf([churnScoring]);

/** A service annotated with the model named `modelName`. */
function serviceOf(name: string, modelName: string): Entity {
  return {
    ...churnScoring,
    metadata: {
      ...churnScoring.metadata,
      name,
      annotations: {
        ...churnScoring.metadata.annotations,
        'ml.platform/model': modelName,
      },
    },
  };
}

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

  it('publishes the assets through the real catalog, with owner, lineage and model-user relations', async () => {
    fake.assets = [
      mlAsset({
        type: 'dataset',
        entityName: 'dataset-churn-events',
        title: 'churn-events',
        path: 'datasets/ds-1',
        annotations: {},
      }),
      mlAsset({ dependsOn: ['dataset-churn-events'] }),
      mlEndpointAsset(),
    ];
    const scheduler = mockServices.scheduler();
    const { server } = await startTestBackend({
      features: [
        catalogPlugin,
        catalogModuleMlAssets,
        teamEntities,
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

    // The service annotated with the model depends on the model's entity, and back.
    const service = await pollForEntity(
      `http://localhost:${server.port()}/api/catalog/entities/by-name/component/default/churn-scoring`,
      entity => Boolean(entity.relations?.some(r => r.type === 'dependsOn')),
    );
    expect(service.relations).toContainEqual({
      type: 'dependsOn',
      targetRef: 'resource:default/model-churn-classifier',
    });
    const usedModel = await pollForEntity(
      `${base}/model-churn-classifier`,
      entity =>
        Boolean(
          entity.relations?.some(
            r => r.targetRef === 'component:default/churn-scoring',
          ),
        ),
    );
    expect(usedModel.relations).toContainEqual({
      type: 'dependencyOf',
      targetRef: 'component:default/churn-scoring',
    });
    // The model's own Resource carries the annotation but does not depend on itself.
    expect(usedModel.relations).not.toContainEqual(
      expect.objectContaining({
        targetRef: 'resource:default/model-churn-classifier',
      }),
    );

    // The endpoint is its team's and depends on the model once, though both its spec and
    // its `ml.platform/model` annotation say so; the model lists it as a dependent.
    const endpoint = await pollForEntity(
      `${base}/endpoint-churn-live`,
      entity => Boolean(entity.relations?.length),
    );
    expect(endpoint.spec?.type).toBe('ml-endpoint');
    expect(
      endpoint.relations?.map(r => `${r.type} ${r.targetRef}`).sort(),
    ).toEqual([
      'dependsOn resource:default/model-churn-classifier',
      'ownedBy group:default/crm-team',
    ]);
    const servedModel = await pollForEntity(
      `${base}/model-churn-classifier`,
      entity =>
        Boolean(
          entity.relations?.some(
            r => r.targetRef === 'resource:default/endpoint-churn-live',
          ),
        ),
    );
    expect(servedModel.relations).toContainEqual({
      type: 'dependencyOf',
      targetRef: 'resource:default/endpoint-churn-live',
    });

    // A delta: the dataset and the endpoint are gone and the model lost its upstream.
    fake.assets = [mlAsset({ description: 'Retrained without events' })];
    await scheduler.triggerTask(REFRESH_TASK);
    const changed = await pollForEntity(
      `${base}/model-churn-classifier`,
      entity => entity.metadata.description === 'Retrained without events',
    );
    expect(changed.spec?.dependsOn).toEqual([]);
    expect(await statusOf(`${base}/dataset-churn-events`)).toBe(404);
    expect(await statusOf(`${base}/endpoint-churn-live`)).toBe(404);
  }, 60_000);

  it('keeps models whose names normalise alike apart in the real catalog, relations included', async () => {
    const modelNamed = (name: string, owner: string) =>
      mlAsset({
        entityName: assetEntityName('ml-model', name),
        title: name,
        owner,
        path: `models/${encodeURIComponent(name)}`,
        annotations: { 'ml.platform/model': name },
      });
    // Before, both were `model-audit-probe-m` and ' Audit.Probe.M' (first in name order) won.
    fake.assets = [
      modelNamed(' Audit.Probe.M', 'group:default/other-team'),
      modelNamed('audit-probe-m', 'group:default/ml-team'),
    ];
    const scheduler = mockServices.scheduler();
    const { server } = await startTestBackend({
      features: [
        catalogPlugin,
        catalogModuleMlAssets,
        teamEntitiesOf([
          serviceOf('audit-service', 'audit-probe-m'),
          serviceOf('other-service', ' Audit.Probe.M'),
        ]),
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

    const base = `http://localhost:${server.port()}/api/catalog/entities/by-name`;
    const hashedName = assetEntityName('ml-model', ' Audit.Probe.M');
    const cases = [
      ['model-audit-probe-m', 'audit-probe-m', 'ml-team', 'audit-service'],
      [hashedName, ' Audit.Probe.M', 'other-team', 'other-service'],
    ];
    for (const [entityName, title, team, service] of cases) {
      const model = await pollForEntity(
        `${base}/resource/default/${entityName}`,
        entity =>
          Boolean(
            entity.relations?.some(
              r => r.targetRef === `component:default/${service}`,
            ),
          ),
      );
      expect(model.metadata.title).toBe(title);
      expect(model.metadata.annotations?.['ml.platform/asset-name']).toBe(
        title,
      );
      expect(model.spec?.owner).toBe(`group:default/${team}`);
      // Each service depends on its own model only.
      const user = await pollForEntity(
        `${base}/component/default/${service}`,
        entity => Boolean(entity.relations?.some(r => r.type === 'dependsOn')),
      );
      expect(
        user.relations
          ?.filter(r => r.type === 'dependsOn')
          .map(r => r.targetRef),
      ).toEqual([`resource:default/${entityName}`]);
    }
  }, 60_000);

  it('adds the provider and the processor unless catalog.providers.mlPlatform.enabled is false', async () => {
    const added = async (config: object) => {
      const addEntityProvider = jest.fn();
      const addProcessor = jest.fn();
      await startTestBackend({
        extensionPoints: [
          [
            catalogProcessingExtensionPoint,
            { addEntityProvider, addProcessor },
          ],
        ],
        features: [
          catalogModuleMlAssets,
          mockServices.rootConfig.factory({
            data: { app: { baseUrl: 'http://portal.test' }, ...config },
          }),
        ],
      });
      return [
        ...addEntityProvider.mock.calls.flat(),
        ...addProcessor.mock.calls.flat(),
      ];
    };

    expect(await added({})).toEqual([
      expect.any(MlAssetEntityProvider),
      expect.any(MlModelRelationProcessor),
    ]);
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
