import {
  assetEntityName,
  CatalogDataset,
  Endpoint,
  EndpointDeployment,
  FeatureView,
  MlCatalogAsset,
} from '@ml-portal/plugin-ml-common';
import { buildCatalogAssets } from './catalogAssets';

const ENTITY_NAME = /^[a-z0-9]+([-_.]+[a-z0-9]+)*$/;

function dataset(id: string, name: string, createdAt: number): CatalogDataset {
  return {
    id,
    name,
    digest: `d${id}`,
    sourceType: 'local',
    source: `/data/${name}.csv`,
    owner: 'group:default/data',
    residency: 'eu',
    createdAt,
  };
}

const view = {
  id: 'driver_ranking/driver_hourly_stats',
  project: 'driver_ranking',
  name: 'driver_hourly_stats',
  owner: 'group:default/features',
  tags: [{ key: 'team', value: 'Driver Perf' }],
} as FeatureView;

function deployment(
  version: string,
  role: EndpointDeployment['role'],
  weight: number,
): EndpointDeployment {
  return {
    id: `d-${version}`,
    name: `churn-live-v${version}`,
    version,
    role,
    weight,
    state: 'ready',
    createdAt: 1,
  };
}

function endpoint(overrides: Partial<Endpoint>): Endpoint {
  return {
    name: 'churn-live',
    owner: 'group:default/team-a',
    kind: 'real-time',
    target: 'local',
    modelName: 'churn-classifier',
    gpus: 0,
    minReplicas: 1,
    maxReplicas: 2,
    targetConcurrency: 4,
    canaryPolicy: {
      percent: 10,
      durationMinutes: 30,
      minRequests: 100,
      maxErrorRateIncrease: 0.02,
      maxP95Ratio: 1.5,
    },
    status: 'READY',
    createdBy: 'user:default/scientist',
    createdAt: 1,
    updatedAt: 2,
    deployments: [],
    stats: { requestsPerMinute: 12, errorRate: 0 },
    ...overrides,
  };
}

describe('assetEntityName', () => {
  it('makes valid, type-prefixed names from any asset name', () => {
    expect(assetEntityName('ml-model', 'churn-classifier')).toBe(
      'model-churn-classifier',
    );
    expect(assetEntityName('ml-model', 'Churn Classifier/v2')).toMatch(
      /^model-churn-classifier-v2--[0-9a-f]{16}$/,
    );
    expect(assetEntityName('dataset', '__trips__')).toMatch(ENTITY_NAME);
  });

  it('keeps long names within 63 characters and distinct', () => {
    const a = assetEntityName('ml-model', `${'x'.repeat(80)}-a`);
    const b = assetEntityName('ml-model', `${'x'.repeat(80)}-b`);
    expect(a.length).toBeLessThanOrEqual(63);
    expect(a).toMatch(ENTITY_NAME);
    expect(a).not.toBe(b);
  });
});

describe('buildCatalogAssets', () => {
  it('publishes one dataset per name, feature views and models with their upstream', async () => {
    const requested: string[][] = [];
    const assets = await buildCatalogAssets({
      datasets: [
        dataset('1', 'trips', 100),
        dataset('2', 'trips', 200),
        dataset('3', 'churn', 50),
      ],
      featureViews: [view],
      endpoints: [],
      models: [
        {
          name: 'churn-classifier',
          owner: 'group:default/team-a',
          description: 'Predicts churn',
          tags: [
            { key: 'mlflow.source', value: 'x' },
            { key: 'tier', value: 'gold' },
          ],
          versionIds: ['v1', 'v2'],
        },
      ],
      upstreamOfVersions: async ids => {
        requested.push(ids);
        return new Map([
          [
            'v1',
            [
              { kind: 'run', id: 'r1' },
              { kind: 'dataset', id: '1' },
              { kind: 'dataset', id: 'unknown' },
              { kind: 'feature_view', id: view.id },
            ],
          ],
          [
            'v2',
            [
              { kind: 'dataset', id: '3' },
              { kind: 'feature_view', id: 'gone/view' },
            ],
          ],
        ]);
      },
    });

    expect(requested).toEqual([['v1', 'v2']]);
    const viewEntity = assetEntityName('feature-view', view.id);
    expect(viewEntity).toMatch(
      /^feature-view-driver-ranking-[-a-z]+--[0-9a-f]{16}$/,
    );
    const byName = new Map(assets.map(a => [a.entityName, a]));
    expect([...byName.keys()].sort()).toEqual([
      'dataset-churn',
      'dataset-trips',
      viewEntity,
      'model-churn-classifier',
    ]);
    // The newest digest of `trips` is the one published.
    expect(byName.get('dataset-trips')).toMatchObject({
      path: 'datasets/2',
      owner: 'group:default/data',
      tags: ['dataset', 'residency-eu'],
    });
    expect(byName.get(viewEntity)).toMatchObject({
      title: view.id,
      path: 'features/views/driver_ranking/driver_hourly_stats',
      tags: ['feature-view', 'team-driver-perf'],
    });
    expect(byName.get('model-churn-classifier')).toEqual({
      type: 'ml-model',
      entityName: 'model-churn-classifier',
      title: 'churn-classifier',
      description: 'Predicts churn',
      owner: 'group:default/team-a',
      path: 'models/churn-classifier',
      tags: ['ml-model', 'tier-gold'],
      // Runs are not assets; unknown datasets and views are left out.
      dependsOn: ['dataset-churn', 'dataset-trips', viewEntity].sort(),
      annotations: { 'ml.platform/model': 'churn-classifier' },
    });
  });

  it('gives assets whose names normalise alike entities of their own, which others never rename', async () => {
    const model = (name: string, versionIds: string[] = []) => ({
      name,
      owner: 'group:default/team-a',
      tags: [],
      versionIds,
    });
    const build = (
      models: Array<ReturnType<typeof model>>,
      datasets: CatalogDataset[],
    ) =>
      buildCatalogAssets({
        datasets,
        featureViews: [],
        endpoints: [],
        models,
        upstreamOfVersions: async () =>
          new Map([
            ['v1', [{ kind: 'dataset' as const, id: '1' }]],
            ['v2', [{ kind: 'dataset' as const, id: '2' }]],
          ]),
      });
    const entityNames = (assets: MlCatalogAsset[]) =>
      new Map(assets.map(a => [`${a.type} ${a.title}`, a.entityName]));

    const before = entityNames(
      await build(
        [model('audit-probe-m', ['v1'])],
        [dataset('1', 'trips', 100)],
      ),
    );
    // Before the fix, ' Audit.Probe.M' took `model-audit-probe-m` (first in name order),
    // and the newer 'Trips' took `dataset-trips`.
    const assets = await build(
      [model(' Audit.Probe.M', ['v2']), model('audit-probe-m', ['v1'])],
      [dataset('1', 'trips', 100), dataset('2', 'Trips', 200)],
    );
    const after = entityNames(assets);

    expect(after.get('ml-model audit-probe-m')).toBe('model-audit-probe-m');
    expect(after.get('dataset trips')).toBe('dataset-trips');
    expect(after.get('ml-model  Audit.Probe.M')).toMatch(
      /^model-audit-probe-m--[0-9a-f]{16}$/,
    );
    expect(after.get('dataset Trips')).toMatch(/^dataset-trips--[0-9a-f]{16}$/);
    expect(new Set(after.values()).size).toBe(4);
    for (const [identity, entityName] of before) {
      expect(after.get(identity)).toBe(entityName);
    }
    // Each model depends on its own dataset's entity.
    const byTitle = new Map(assets.map(a => [a.title, a]));
    expect(byTitle.get('audit-probe-m')?.dependsOn).toEqual(['dataset-trips']);
    expect(byTitle.get(' Audit.Probe.M')?.dependsOn).toEqual([
      after.get('dataset Trips'),
    ]);
  });

  it('publishes endpoints with what they serve, depending on their model when it is published', async () => {
    const assets = await buildCatalogAssets({
      datasets: [],
      featureViews: [],
      models: [
        {
          name: 'churn-classifier',
          owner: 'group:default/team-a',
          tags: [],
          versionIds: ['v9', 'v10'],
        },
      ],
      endpoints: [
        endpoint({
          description: 'Churn scores for the CRM',
          url: 'http://ml.test/api/ml/serving/churn-live/invocations',
          // A canary of version 10 next to stable 9: numeric order, not string order.
          deployments: [
            deployment('10', 'canary', 10),
            deployment('9', 'stable', 90),
          ],
        }),
        endpoint({
          name: 'fraud-nightly',
          owner: 'group:default/fraud',
          kind: 'batch',
          target: 'kubernetes',
          modelName: 'fraud-model',
          deployments: [deployment('3', 'stable', 100)],
        }),
      ],
      upstreamOfVersions: async () => new Map(),
    });

    const byName = new Map(assets.map(a => [a.entityName, a]));
    expect(byName.get('endpoint-churn-live')).toEqual({
      type: 'ml-endpoint',
      entityName: 'endpoint-churn-live',
      title: 'churn-live',
      description: 'Churn scores for the CRM',
      owner: 'group:default/team-a',
      path: 'deployments/churn-live',
      tags: ['ml-endpoint', 'real-time'],
      dependsOn: ['model-churn-classifier'],
      annotations: { 'ml.platform/model': 'churn-classifier' },
      endpoint: {
        kind: 'real-time',
        target: 'local',
        status: 'READY',
        url: 'http://ml.test/api/ml/serving/churn-live/invocations',
        modelName: 'churn-classifier',
        versions: ['9', '10'],
      },
    });
    // Its model is not in the list (unreadable or gone): no relation to a missing entity.
    expect(byName.get('endpoint-fraud-nightly')).toMatchObject({
      owner: 'group:default/fraud',
      tags: ['ml-endpoint', 'batch'],
      dependsOn: [],
      annotations: { 'ml.platform/model': 'fraud-model' },
      endpoint: { kind: 'batch', versions: ['3'] },
    });
    expect(byName.get('endpoint-fraud-nightly')?.endpoint).not.toHaveProperty(
      'url',
    );
  });
});
