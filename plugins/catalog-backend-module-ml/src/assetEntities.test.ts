import { assetEntityName } from '@ml-portal/plugin-ml-common';
import {
  assetToEntity,
  findEntityProblem,
  toCatalogTag,
} from './assetEntities';
import { mlAsset, mlEndpointAsset } from './__testUtils__';

const context = {
  appBaseUrl: 'https://portal.example.com/',
  mlBaseUrl: 'http://backend:7007/api/ml',
};

describe('assetToEntity', () => {
  it('turns an asset into a Resource entity that links to its ML page and depends on its upstream', () => {
    const asset = mlAsset({
      tags: ['ml-model', 'Team: Fraud', 'ml-model'],
      dependsOn: ['dataset-churn-events', 'feature-view-customer-stats'],
      path: 'models/churn%20classifier',
    });

    expect(assetToEntity(asset, context)).toEqual({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Resource',
      metadata: {
        name: 'model-churn-classifier',
        namespace: 'default',
        title: 'churn-classifier',
        description: 'Predicts churn',
        tags: ['ml-model', 'team:-fraud'],
        links: [
          {
            url: 'https://portal.example.com/ml/models/churn%20classifier',
            title: 'Open in ML Platform',
          },
        ],
        annotations: {
          'ml.platform/model': 'churn-classifier',
          'ml.platform/asset-name': 'churn-classifier',
          'backstage.io/managed-by-location':
            'ml-platform:http://backend:7007/api/ml',
          'backstage.io/managed-by-origin-location':
            'ml-platform:http://backend:7007/api/ml',
        },
      },
      spec: {
        type: 'ml-model',
        owner: 'group:default/ml-team',
        dependsOn: [
          'resource:default/dataset-churn-events',
          'resource:default/feature-view-customer-stats',
        ],
      },
    });
  });

  it('leaves out an empty description and sets the managed-by and asset-name annotations itself', () => {
    const entity = assetToEntity(
      mlAsset({
        description: '',
        annotations: {
          'backstage.io/managed-by-location': 'url:elsewhere',
          'ml.platform/asset-name': 'someone-else',
        },
      }),
      context,
    );
    expect(entity.metadata).not.toHaveProperty('description');
    expect(entity.metadata.annotations).toEqual({
      'ml.platform/asset-name': 'churn-classifier',
      'backstage.io/managed-by-location':
        'ml-platform:http://backend:7007/api/ml',
      'backstage.io/managed-by-origin-location':
        'ml-platform:http://backend:7007/api/ml',
    });
  });
});

describe('assetToEntity of an endpoint', () => {
  it('publishes a Resource of type ml-endpoint that depends on its model and names what it serves', async () => {
    const asset = mlEndpointAsset();
    const entity = assetToEntity(asset, context);

    expect(entity).toEqual({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Resource',
      metadata: {
        name: 'endpoint-churn-live',
        namespace: 'default',
        title: 'churn-live',
        description: 'Churn scores for the CRM',
        tags: ['ml-endpoint', 'real-time'],
        links: [
          {
            url: 'https://portal.example.com/ml/deployments/churn-live',
            title: 'Open in ML Platform',
          },
          {
            url: 'http://ml.test/api/ml/serving/churn-live/invocations',
            title: 'Scoring URL',
          },
        ],
        annotations: {
          'ml.platform/model': 'churn-classifier',
          'ml.platform/model-versions': '9,10',
          'ml.platform/serving-target': 'local',
          'ml.platform/endpoint-kind': 'real-time',
          'ml.platform/endpoint-status': 'READY',
          'ml.platform/asset-name': 'churn-live',
          'backstage.io/managed-by-location':
            'ml-platform:http://backend:7007/api/ml',
          'backstage.io/managed-by-origin-location':
            'ml-platform:http://backend:7007/api/ml',
        },
      },
      spec: {
        type: 'ml-endpoint',
        owner: 'group:default/crm-team',
        dependsOn: ['resource:default/model-churn-classifier'],
      },
    });
    await expect(findEntityProblem(asset, entity)).resolves.toBeUndefined();
  });

  it('links only to the portal when the endpoint has no scoring URL (batch)', () => {
    const asset = mlEndpointAsset();
    const { url: _url, ...batch } = asset.endpoint!;
    const entity = assetToEntity(
      { ...asset, endpoint: { ...batch, kind: 'batch' } },
      context,
    );
    expect(entity.metadata.links).toEqual([
      {
        url: 'https://portal.example.com/ml/deployments/churn-live',
        title: 'Open in ML Platform',
      },
    ]);
    expect(entity.metadata.annotations?.['ml.platform/endpoint-kind']).toBe(
      'batch',
    );
  });
});

describe('assetToEntity of a training profile', () => {
  it('publishes a Resource of type ml-training-profile, owned by its group, naming its version', async () => {
    const asset = mlAsset({
      type: 'ml-training-profile',
      entityName: assetEntityName('ml-training-profile', 'gpu-a100'),
      title: 'gpu-a100',
      description:
        'Fine-tuning. Training profile v3: pools a100-eu; up to 8 GPUs; spot required',
      owner: 'group:default/ml-platform',
      path: 'training/profiles/gpu-a100',
      tags: ['ml-training-profile', 'spot-required'],
      dependsOn: [],
      annotations: { 'ml.platform/profile-version': '3' },
    });
    const entity = assetToEntity(asset, context);
    expect(entity).toMatchObject({
      kind: 'Resource',
      metadata: {
        name: 'training-profile-gpu-a100',
        title: 'gpu-a100',
        tags: ['ml-training-profile', 'spot-required'],
        links: [
          {
            url: 'https://portal.example.com/ml/training/profiles/gpu-a100',
            title: 'Open in ML Platform',
          },
        ],
        annotations: {
          'ml.platform/profile-version': '3',
          'ml.platform/asset-name': 'gpu-a100',
        },
      },
      spec: {
        type: 'ml-training-profile',
        owner: 'group:default/ml-platform',
        dependsOn: [],
      },
    });
    await expect(findEntityProblem(asset, entity)).resolves.toBeUndefined();
    // Under another type's name it is refused: no profile publishes as a model.
    await expect(
      findEntityProblem(
        { ...asset, entityName: 'model-gpu-a100' },
        { ...entity, metadata: { ...entity.metadata, name: 'model-gpu-a100' } },
      ),
    ).resolves.toContain('entity name is not the one of ml-training-profile');
  });
});

describe('toCatalogTag', () => {
  it.each([
    ['Python3.11', 'python3-11'],
    ['team_fraud', 'team-fraud'],
    ['--edge--', 'edge'],
    ['c++', 'c++'],
    ['tier:gold', 'tier:gold'],
    [`${'x'.repeat(62)}-y`, 'x'.repeat(62)],
    ['日本語', undefined],
  ])('%s → %s', (tag, expected) => {
    expect(toCatalogTag(tag)).toBe(expected);
  });
});

describe('findEntityProblem', () => {
  async function problemOf(overrides: Parameters<typeof mlAsset>[0]) {
    const asset = mlAsset(overrides);
    return findEntityProblem(asset, assetToEntity(asset, context));
  }

  it('accepts a valid asset', async () => {
    await expect(problemOf({})).resolves.toBeUndefined();
  });

  it.each([
    ['an entity name with spaces', { entityName: 'churn classifier' }, /name/],
    [
      'an entity name over 63 characters',
      { entityName: 'm'.repeat(64) },
      /name/,
    ],
    ['an empty owner', { owner: '' }, /owner/],
    ['a malformed owner ref', { owner: 'group:default/' }, /entity ref|name/i],
    [
      'an invalid annotation key',
      { annotations: { 'not a key': 'x' } },
      /annotation/i,
    ],
    [
      'an invalid upstream name',
      { dependsOn: ['dataset ok', 'dataset-fine'] },
      /dependsOn names invalid entities: dataset ok$/,
    ],
    [
      "another asset's entity name",
      { title: ' Audit.Probe.M', entityName: 'model-audit-probe-m' },
      /^entity name is not the one of ml-model " Audit.Probe.M", which is 'model-audit-probe-m--[0-9a-f]{16}'$/,
    ],
    [
      'an entity name of another type',
      { entityName: 'dataset-churn-classifier' },
      /^entity name is not the one of ml-model "churn-classifier"/,
    ],
  ])('refuses %s', async (_case, overrides, message) => {
    await expect(problemOf(overrides)).resolves.toMatch(message);
  });

  it('accepts the entity name of an exotic asset name, keeping the exact name', async () => {
    const title = ' Audit.Probe.M\n';
    const asset = mlAsset({
      title,
      entityName: assetEntityName('ml-model', title),
    });
    const entity = assetToEntity(asset, context);
    await expect(findEntityProblem(asset, entity)).resolves.toBeUndefined();
    expect(entity.metadata.title).toBe(title);
    expect(entity.metadata.annotations?.['ml.platform/asset-name']).toBe(title);
  });
});
