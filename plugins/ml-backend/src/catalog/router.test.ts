import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { assetEntityName, MlCatalogAsset } from '@ml-portal/plugin-ml-common';
import { startPortal } from '../__testUtils__/portal';

const feastRegistry = JSON.parse(
  readFileSync(
    join(__dirname, '../../../../examples/feast/registry.json'),
    'utf8',
  ),
);

describe('GET /catalog/assets', () => {
  it('publishes a model trained from a dataset and a feature view with both as dependencies', async () => {
    const { server, mlflow } = await startPortal();
    const mlflowApi = (path: string) => `/api/ml/mlflow/api/2.0/mlflow/${path}`;
    expect(
      (
        await request(server)
          .post('/api/ml/features/imports')
          .send(feastRegistry)
      ).status,
    ).toBe(200);

    const { experiment_id } = await mlflow.call(() =>
      mlflow.experiments.create({ name: 'eta' }),
    );
    const { run } = await mlflow.call(() =>
      mlflow.runs.create({ experiment_id, tags: [] } as any),
    );
    const runId: string = run.info.run_id;
    const inputs = await request(server)
      .post(mlflowApi('runs/log-inputs'))
      .send({
        run_id: runId,
        datasets: [
          {
            dataset: {
              name: 'trips',
              digest: 'a1b2c3d4',
              source_type: 's3',
              source: 's3://rides/trips.parquet',
            },
            tags: [],
          },
        ],
      });
    expect(inputs.status).toBe(200);
    await mlflow.call(() =>
      mlflow.runs.setTag({
        run_id: runId,
        key: 'mlplatform.feature_views',
        value: 'rideshare/driver_hourly_stats',
      }),
    );
    for (const [path, body] of [
      ['registered-models/create', { name: 'eta-model' }],
      [
        'model-versions/create',
        { name: 'eta-model', source: `runs:/${runId}/model`, run_id: runId },
      ],
    ] as const) {
      const response = await request(server).post(mlflowApi(path)).send(body);
      expect(response.status).toBe(200);
    }

    const response = await request(server).get('/api/ml/catalog/assets');
    expect(response.body).toMatchObject({ assets: expect.any(Array) });
    expect(response.status).toBe(200);
    const assets: MlCatalogAsset[] = response.body.assets;
    const byName = new Map(assets.map(asset => [asset.entityName, asset]));
    const viewEntity = assetEntityName(
      'feature-view',
      'rideshare/driver_hourly_stats',
    );
    expect(byName.get('model-eta-model')).toMatchObject({
      type: 'ml-model',
      owner: 'group:default/ml-platform',
      path: 'models/eta-model',
      dependsOn: ['dataset-trips', viewEntity].sort(),
      annotations: { 'ml.platform/model': 'eta-model' },
    });
    expect(byName.get('dataset-trips')).toMatchObject({ type: 'dataset' });
    // Every imported view is published, used or not; owners come from Feast's tags.
    expect(
      assets.filter(asset => asset.type === 'feature-view').map(a => a.title),
    ).toEqual(
      expect.arrayContaining([
        'rideshare/customer_profile',
        'rideshare/driver_hourly_stats',
      ]),
    );
    expect(byName.get(viewEntity)).toMatchObject({
      title: 'rideshare/driver_hourly_stats',
      owner: 'group:default/recsys',
    });
  });

  it('publishes an endpoint with its owner, model and served version, and drops it once deleted', async () => {
    const { server } = await startPortal();
    const mlflowApi = (path: string) => `/api/ml/mlflow/api/2.0/mlflow/${path}`;
    for (const [path, body] of [
      ['registered-models/create', { name: 'eta-model' }],
      [
        'model-versions/create',
        { name: 'eta-model', source: 's3://models/eta/1' },
      ],
    ] as const) {
      expect(
        (await request(server).post(mlflowApi(path)).send(body)).status,
      ).toBe(200);
    }
    // A batch endpoint: no model server to start, the same catalog entry.
    const created = await request(server)
      .post('/api/ml/deployments/endpoints')
      .send({
        name: 'eta-nightly',
        owner: 'group:default/logistics',
        modelName: 'eta-model',
        version: '1',
        kind: 'batch',
        target: 'local',
        // Batch scoring runs as training jobs in a pool.
        pool: 'local-cpu',
        description: 'Nightly ETAs',
      });
    expect(created.status).toBe(201);

    const assets = async (): Promise<MlCatalogAsset[]> => {
      const response = await request(server).get('/api/ml/catalog/assets');
      expect(response.status).toBe(200);
      return response.body.assets;
    };
    const endpoint = (await assets()).find(a => a.type === 'ml-endpoint');
    expect(endpoint).toEqual({
      type: 'ml-endpoint',
      entityName: 'endpoint-eta-nightly',
      title: 'eta-nightly',
      description: 'Nightly ETAs',
      owner: 'group:default/logistics',
      path: 'deployments/eta-nightly',
      tags: ['ml-endpoint', 'batch'],
      dependsOn: ['model-eta-model'],
      annotations: { 'ml.platform/model': 'eta-model' },
      endpoint: {
        kind: 'batch',
        target: 'local',
        status: 'READY',
        modelName: 'eta-model',
        versions: ['1'],
      },
    });

    expect(
      (
        await request(server).delete(
          '/api/ml/deployments/endpoints/eta-nightly',
        )
      ).status,
    ).toBe(204);
    expect((await assets()).map(a => a.entityName)).toEqual([
      'model-eta-model',
    ]);
  });
});
