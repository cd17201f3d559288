import request from 'supertest';
import { startPortal } from '../__testUtils__/portal';

const trips = {
  name: 'trips',
  digest: 'd41d8cd9',
  source_type: 's3',
  source: 's3://rides/trips/2026-11.parquet',
  schema: '{"mlflow_colspec": []}',
};

describe('lineage API', () => {
  it('shows the datasets an MLflow client logged and the feature views it tagged upstream of its run', async () => {
    const { server, mlflow } = await startPortal();
    const { experiment_id } = await mlflow.call(() =>
      mlflow.experiments.create({ name: 'eta' }),
    );
    const { run } = await mlflow.call(() =>
      mlflow.runs.create({ experiment_id, start_time: 1000, tags: [] } as any),
    );
    const runId: string = run.info.run_id;
    // The npm client has no log-inputs; its own transport posts it.
    const transport = mlflow.runs as unknown as {
      req(method: string, path: string, body: object): Promise<unknown>;
    };
    const logInputs = () =>
      mlflow.call(() =>
        transport.req('post', '/log-inputs', {
          run_id: runId,
          datasets: [
            {
              dataset: trips,
              tags: [{ key: 'mlflow.data.context', value: 'training' }],
            },
          ],
        }),
      );
    await logInputs();
    await logInputs();
    await mlflow.call(() =>
      mlflow.runs.setTag({
        run_id: runId,
        key: 'mlplatform.feature_views',
        value: 'rides/driver_stats, rides/zone_stats',
      }),
    );
    const malformed = await mlflow.error(() =>
      mlflow.runs.setTag({
        run_id: runId,
        key: 'mlplatform.feature_views',
        value: 'no-project',
      }),
    );
    expect(malformed.data.error_code).toBe('INVALID_PARAMETER_VALUE');

    const datasets = await request(server).get('/api/ml/datasets?q=trips');
    expect(datasets.status).toBe(200);
    expect(datasets.body).toEqual([
      expect.objectContaining({
        name: 'trips',
        digest: 'd41d8cd9',
        sourceType: 's3',
        source: 's3://rides/trips/2026-11.parquet',
        schema: '{"mlflow_colspec": []}',
        // The experiment's owner, who first logged it.
        owner: 'group:default/ml-platform',
      }),
    ]);
    const datasetId: string = datasets.body[0].id;
    expect(
      (await request(server).get(`/api/ml/datasets/${datasetId}`)).body,
    ).toEqual(datasets.body[0]);

    const upstream = await request(server).get(
      `/api/ml/lineage?kind=run&id=${runId}&direction=upstream&depth=2`,
    );
    expect(upstream.status).toBe(200);
    expect(upstream.body.root).toBe(`run:${runId}`);
    expect(upstream.body.truncated).toBe(false);
    expect(
      upstream.body.edges
        .map((e: any) => `${e.from} ${e.relation} ${e.to}`)
        .sort(),
    ).toEqual([
      `dataset:${datasetId} input_to run:${runId}`,
      `feature_view:rides/driver_stats input_to run:${runId}`,
      `feature_view:rides/zone_stats input_to run:${runId}`,
    ]);
    const nodes = new Map(upstream.body.nodes.map((n: any) => [n.key, n]));
    expect(nodes.get(`run:${runId}`)).toMatchObject({
      label: run.info.run_name,
      subtitle: 'RUNNING',
      known: true,
      path: `experiments/${experiment_id}/runs/${runId}`,
    });
    expect(nodes.get(`dataset:${datasetId}`)).toMatchObject({
      label: 'trips',
      known: true,
      path: `datasets/${datasetId}`,
    });

    const downstream = await request(server).get(
      `/api/ml/lineage?kind=dataset&id=${datasetId}&direction=downstream`,
    );
    expect(downstream.body.nodes.map((n: any) => n.key)).toEqual([
      `dataset:${datasetId}`,
      `run:${runId}`,
    ]);
  });

  it('records a job spec’s inputs to the job and its run, and the run the job produced', async () => {
    const { server } = await startPortal();
    const registered = await request(server)
      .post('/api/ml/datasets')
      .send({ name: 'zones', source: 'gs://geo/zones.csv', residency: 'eu' });
    expect(registered.status).toBe(201);
    expect(registered.body).toMatchObject({
      name: 'zones',
      sourceType: 'gs',
      residency: 'eu',
      owner: 'group:default/ml-platform',
    });
    const again = await request(server)
      .post('/api/ml/datasets')
      .send({ name: 'zones', source: 'gs://geo/zones.csv' });
    expect(again.status).toBe(409);

    const unknown = await request(server)
      .post('/api/ml/training/jobs')
      .send({
        name: 'eta-train',
        pool: 'local-cpu',
        command: ['true'],
        inputs: { datasets: ['nope'] },
      });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain("'nope'");

    const submitted = await request(server)
      .post('/api/ml/training/jobs')
      .send({
        name: 'eta-train',
        pool: 'local-cpu',
        command: ['true'],
        inputs: { datasets: ['zones'], featureViews: ['rides/driver_stats'] },
      });
    expect(submitted.status).toBe(201);
    const { jobId, runId } = submitted.body;

    const graph = await request(server).get(
      `/api/ml/lineage?kind=job&id=${jobId}&direction=both&depth=1`,
    );
    expect(graph.status).toBe(200);
    const datasetKey = `dataset:${registered.body.id}`;
    expect(
      graph.body.edges
        .map((e: any) => `${e.from} ${e.relation} ${e.to}`)
        .sort(),
    ).toEqual([
      `${datasetKey} input_to job:${jobId}`,
      `feature_view:rides/driver_stats input_to job:${jobId}`,
      `job:${jobId} produced run:${runId}`,
    ]);
    expect(graph.body.truncated).toBe(false);
    expect(
      graph.body.nodes.find((n: any) => n.key === `job:${jobId}`),
    ).toMatchObject({
      label: 'eta-train',
      subtitle: 'PENDING',
      path: `training/jobs/${jobId}`,
      known: true,
    });

    const runUpstream = await request(server).get(
      `/api/ml/lineage?kind=run&id=${runId}&direction=upstream&depth=1`,
    );
    expect(runUpstream.body.nodes.map((n: any) => n.key).sort()).toEqual(
      [
        datasetKey,
        'feature_view:rides/driver_stats',
        `job:${jobId}`,
        `run:${runId}`,
      ].sort(),
    );
  });

  it('refuses bad queries with 400 and unknown nodes with 404', async () => {
    const { server } = await startPortal();
    const badKind = await request(server).get(
      '/api/ml/lineage?kind=planet&id=x',
    );
    expect(badKind.status).toBe(400);
    const badDepth = await request(server).get(
      '/api/ml/lineage?kind=run&id=x&depth=11',
    );
    expect(badDepth.status).toBe(400);
    const missingId = await request(server).get('/api/ml/lineage?kind=run');
    expect(missingId.status).toBe(400);
    const unknown = await request(server).get(
      '/api/ml/lineage?kind=run&id=nowhere',
    );
    expect(unknown.status).toBe(404);
    expect((await request(server).get('/api/ml/datasets/nope')).status).toBe(
      404,
    );
    const noSource = await request(server)
      .post('/api/ml/datasets')
      .send({ name: 'x' });
    expect(noSource.status).toBe(400);
  });
});
