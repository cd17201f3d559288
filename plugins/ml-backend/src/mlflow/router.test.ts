import request from 'supertest';
import { startPortal as startTestPortal } from '../__testUtils__/portal';

async function startPortal() {
  const portal = await startTestPortal();
  return {
    ...portal,
    api: (path: string) => `/api/ml/mlflow/api/2.0/mlflow/${path}`,
  };
}

describe('MLflow tracking API with the npm mlflow client', () => {
  it('creates experiments and runs, logs, searches and reads history', async () => {
    const { mlflow } = await startPortal();
    const { experiment_id } = await mlflow.call(() =>
      mlflow.experiments.create({ name: 'churn' }),
    );
    expect(experiment_id).toMatch(/^\d+$/);

    const { experiment } = await mlflow.call(() =>
      mlflow.experiments.get({ experiment_id }),
    );
    expect(experiment).toMatchObject({
      experiment_id,
      name: 'churn',
      lifecycle_stage: 'active',
      artifact_location: `mlflow-artifacts:/${experiment_id}`,
    });
    await mlflow.setExperimentTag({
      experiment_id,
      key: 'team',
      value: 'vision',
    });

    const { run } = await mlflow.call(() =>
      mlflow.runs.create({ experiment_id, start_time: 1000, tags: [] } as any),
    );
    const runId = run.info.run_id;
    expect(run.info).toMatchObject({
      experiment_id,
      status: 'RUNNING',
      artifact_uri: `mlflow-artifacts:/${experiment_id}/${runId}/artifacts`,
    });

    await mlflow.call(() =>
      mlflow.runs.logBatch({
        run_id: runId,
        params: [{ key: 'lr', value: '0.01' }],
        tags: [{ key: 'model', value: 'logreg' }],
        metrics: Array.from({ length: 50 }, (_, step) => ({
          key: 'loss',
          value: 1 / (step + 1),
          timestamp: 1000 + step,
          step,
        })),
      }),
    );
    await mlflow.call(() =>
      mlflow.runs.logMetric({
        run_id: runId,
        key: 'auc',
        value: 0.91,
        timestamp: 2000,
        step: 0,
      }),
    );
    await mlflow.call(() =>
      mlflow.runs.update({ run_id: runId, status: 'FINISHED', end_time: 3000 }),
    );

    const history = await mlflow.call(() =>
      mlflow.metrics.getHistory({ run_id: runId, metric_key: 'loss' }),
    );
    expect(history.metrics).toHaveLength(50);
    expect(history.metrics[49]).toEqual({
      key: 'loss',
      value: 1 / 50,
      timestamp: 1049,
      step: 49,
    });

    const found = await mlflow.call(() =>
      mlflow.runs.search({
        experiment_ids: [experiment_id],
        filter:
          "metrics.auc > 0.9 and params.lr = '0.01' and attributes.status = 'FINISHED'",
      }),
    );
    expect(found.runs.map((r: any) => r.info.run_id)).toEqual([runId]);
    expect(found.runs[0].data.metrics).toEqual(
      expect.arrayContaining([
        { key: 'loss', value: 1 / 50, timestamp: 1049, step: 49 },
      ]),
    );
    const none = await mlflow.call(() =>
      mlflow.runs.search({
        experiment_ids: [experiment_id],
        filter: 'metrics.auc > 0.95',
      }),
    );
    expect(none.runs ?? []).toEqual([]);

    const { experiments } = await mlflow.call(() =>
      mlflow.experiments.list({} as any),
    );
    expect(experiments.map((e: any) => e.name)).toEqual(
      expect.arrayContaining(['Default', 'churn']),
    );
  });

  it('answers with MLflow error codes and statuses', async () => {
    const { mlflow, server, api } = await startPortal();
    expect(
      await mlflow.error(() =>
        mlflow.experiments.get({ experiment_id: '424242' }),
      ),
    ).toEqual({
      status: 404,
      statusText: 'Not Found',
      data: {
        error_code: 'RESOURCE_DOES_NOT_EXIST',
        message: 'No Experiment with id=424242 exists',
      },
    });
    await mlflow.call(() => mlflow.experiments.create({ name: 'dup' }));
    expect(
      await mlflow.error(() => mlflow.experiments.create({ name: 'dup' })),
    ).toMatchObject({
      status: 400,
      data: { error_code: 'RESOURCE_ALREADY_EXISTS' },
    });

    const missingField = await request(server)
      .post(api('runs/log-batch'))
      .send({});
    expect(missingField.status).toBe(400);
    expect(missingField.body.error_code).toBe('INVALID_PARAMETER_VALUE');

    const unknown = await request(server).get(api('runs/teleport'));
    expect(unknown.status).toBe(404);
    expect(unknown.body.error_code).toBe('ENDPOINT_NOT_FOUND');

    const tooBig = await request(server)
      .post(api('runs/log-batch'))
      .set('content-type', 'application/json')
      .send(
        JSON.stringify({
          run_id: 'x',
          tags: [{ key: 'k', value: 'v'.repeat(1_100_000) }],
        }),
      );
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.error_code).toBe('INVALID_PARAMETER_VALUE');

    const viaAjax = await request(server).get(
      '/api/ml/mlflow/ajax-api/2.0/mlflow/experiments/get?experiment_id=0',
    );
    expect(viaAjax.status).toBe(200);
    expect(viaAjax.body.experiment.name).toBe('Default');
  });

  it('refuses logging to a run deleted after it was logged to, and logs again once it is restored', async () => {
    const { server, api } = await startPortal();
    const post = (path: string, body: object) =>
      request(server).post(api(path)).send(body);
    const { experiment_id } = (
      await post('experiments/create', { name: 'deleted-run' })
    ).body;
    const runId = (await post('runs/create', { experiment_id })).body.run.info
      .run_id;
    const log = (step: number) =>
      post('runs/log-batch', {
        run_id: runId,
        metrics: [{ key: 'loss', value: 1, timestamp: step, step }],
      });
    expect((await log(0)).status).toBe(200);
    expect((await post('runs/delete', { run_id: runId })).status).toBe(200);
    const refused = await log(1);
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: `The run ${runId} must be in the 'active' state. Current state is deleted.`,
    });
    expect((await post('runs/restore', { run_id: runId })).status).toBe(200);
    expect((await log(2)).status).toBe(200);
    const history = await request(server).get(
      api(`metrics/get-history?run_id=${runId}&metric_key=loss`),
    );
    expect(history.body.metrics.map((m: { step: number }) => m.step)).toEqual([
      0, 2,
    ]);
  });

  it('enforces MLflow limits and rules, and a failed batch writes nothing', async () => {
    const { server, api } = await startPortal();
    const { body: created } = await request(server)
      .post(api('runs/create'))
      .send({ experiment_id: '0' });
    const runId = created.run.info.run_id;
    const logBatch = (body: object) =>
      request(server)
        .post(api('runs/log-batch'))
        .send({ run_id: runId, ...body });

    expect(
      (await logBatch({ params: [{ key: 'lr', value: '0.1' }] })).status,
    ).toBe(200);
    // Same value again is fine; a different value is not.
    expect(
      (await logBatch({ params: [{ key: 'lr', value: '0.1' }] })).status,
    ).toBe(200);
    const changed = await logBatch({
      metrics: [{ key: 'loss', value: 1, timestamp: 1, step: 0 }],
      params: [{ key: 'lr', value: '0.2' }],
    });
    expect(changed.status).toBe(400);
    expect(changed.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(changed.body.message).toContain(
      "Param with key='lr' was already logged",
    );
    // All or nothing: the metric of the refused batch is not there.
    const history = await request(server).get(
      api(`metrics/get-history?run_id=${runId}&metric_key=loss`),
    );
    expect(history.body.metrics).toEqual([]);

    const cases: Array<[object, string]> = [
      [{ metrics: [null] }, 'Invalid metric: expected an object, got null'],
      [{ tags: ['k=v'] }, 'Invalid tag: expected an object'],
      [
        {
          metrics: Array.from({ length: 1001 }, (_, i) => ({
            key: 'm',
            value: i,
            timestamp: i,
            step: i,
          })),
        },
        'at most 1000 metrics',
      ],
      [
        {
          params: Array.from({ length: 101 }, (_, i) => ({
            key: `p${i}`,
            value: 'v',
          })),
        },
        'at most 100 params',
      ],
      [
        {
          tags: Array.from({ length: 101 }, (_, i) => ({
            key: `t${i}`,
            value: 'v',
          })),
        },
        'at most 100 tags',
      ],
      [
        { params: [{ key: 'k'.repeat(251), value: 'v' }] },
        'maximum length of 250',
      ],
      [
        { params: [{ key: 'long', value: 'v'.repeat(6001) }] },
        'exceeded length limit of 6000',
      ],
      [
        { tags: [{ key: 'long', value: 'v'.repeat(5001) }] },
        'exceeded length limit of 5000',
      ],
      [{ params: [{ key: 'bad!key', value: 'v' }] }, 'Invalid param name'],
      [
        { metrics: [{ key: '../escape', value: 1, timestamp: 1 }] },
        'must not resolve to other names',
      ],
      [
        { metrics: [{ key: 'm', value: 'not a number', timestamp: 1 }] },
        'valid double',
      ],
    ];
    for (const [batch, message] of cases) {
      const response = await logBatch(batch);
      expect({
        status: response.status,
        code: response.body.error_code,
      }).toEqual({
        status: 400,
        code: 'INVALID_PARAMETER_VALUE',
      });
      expect(response.body.message).toContain(message);
    }
    // Exactly at the limits is accepted: 1000 metrics in one batch (on SQLite too).
    const thousand = await logBatch({
      metrics: Array.from({ length: 1000 }, (_, i) => ({
        key: 'm',
        value: i,
        timestamp: i,
        step: i,
      })),
    });
    expect(thousand.status).toBe(200);
    const stored = await request(server).get(
      api(`metrics/get-history?run_id=${runId}&metric_key=m`),
    );
    expect(stored.body.metrics).toHaveLength(1000);
    expect(
      (
        await logBatch({
          params: [{ key: 'p'.repeat(250), value: 'v'.repeat(6000) }],
          tags: [{ key: 't', value: 'v'.repeat(5000) }],
        })
      ).status,
    ).toBe(200);
  });

  it('round-trips NaN and infinities as MLflow encodes them', async () => {
    const { server, api } = await startPortal();
    const { body: created } = await request(server)
      .post(api('runs/create'))
      .send({ experiment_id: '0' });
    const runId = created.run.info.run_id;
    await request(server)
      .post(api('runs/log-batch'))
      .send({
        run_id: runId,
        metrics: [
          { key: 'm', value: 'NaN', timestamp: 1, step: 0 },
          { key: 'm', value: 'Infinity', timestamp: 2, step: 1 },
          { key: 'm', value: '-Infinity', timestamp: 3, step: 2 },
        ],
      })
      .expect(200);
    const history = await request(server).get(
      api(`metrics/get-history?run_id=${runId}&metric_key=m`),
    );
    expect(history.body.metrics.map((m: any) => m.value)).toEqual([
      'NaN',
      'Infinity',
      '-Infinity',
    ]);
    const run = await request(server).get(api(`runs/get?run_id=${runId}`));
    expect(run.body.run.data.metrics).toEqual([
      { key: 'm', value: '-Infinity', timestamp: 3, step: 2 },
    ]);
  });

  it('stores run artifacts through the proxied artifact API and lists them per run', async () => {
    const { server, api } = await startPortal();
    const { body: created } = await request(server)
      .post(api('runs/create'))
      .send({ experiment_id: '0' });
    const { run_id: runId, artifact_uri: artifactUri } = created.run.info;
    // What the MLflow client does for mlflow-artifacts:/ URIs.
    const relative = artifactUri.replace('mlflow-artifacts:/', '');
    const bytes = Buffer.from([0, 1, 2, 250, 251, 252]);
    await request(server)
      .put(
        `/api/ml/mlflow/api/2.0/mlflow-artifacts/artifacts/${relative}/model/weights.bin`,
      )
      .set('content-type', 'application/octet-stream')
      .send(bytes)
      .expect(200);

    const listed = await request(server).get(
      api(`artifacts/list?run_id=${runId}`),
    );
    expect(listed.body).toEqual({
      root_uri: artifactUri,
      files: [{ path: 'model', is_dir: true }],
    });
    const inModel = await request(server).get(
      api(`artifacts/list?run_id=${runId}&path=model`),
    );
    expect(inModel.body.files).toEqual([
      { path: 'model/weights.bin', is_dir: false, file_size: 6 },
    ]);

    const content = await request(server)
      .get(`/api/ml/runs/${runId}/artifacts/content?path=model/weights.bin`)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });
    expect(content.status).toBe(200);
    expect(Buffer.compare(content.body, bytes)).toBe(0);

    const escape = await request(server).get(
      `/api/ml/runs/${runId}/artifacts/content?path=../../secret`,
    );
    expect(escape.status).toBe(400);
  });

  it('appends each logged model to the run, and refuses model_json that is not an object', async () => {
    const { server, api } = await startPortal();
    const { body: created } = await request(server)
      .post(api('runs/create'))
      .send({ experiment_id: '0' });
    const runId = created.run.info.run_id;
    for (const flavor of ['sklearn', 'onnx']) {
      await request(server)
        .post(api('runs/log-model'))
        .send({
          run_id: runId,
          model_json: JSON.stringify({
            artifact_path: 'model',
            flavors: { [flavor]: {} },
          }),
        })
        .expect(200);
    }
    const run = await request(server).get(api(`runs/get?run_id=${runId}`));
    const history = JSON.parse(
      run.body.run.data.tags.find(
        (t: { key: string }) => t.key === 'mlflow.log-model.history',
      ).value,
    );
    expect(history.map((m: any) => Object.keys(m.flavors)[0])).toEqual([
      'sklearn',
      'onnx',
    ]);

    const bad = await request(server)
      .post(api('runs/log-model'))
      .send({ run_id: runId, model_json: '[1,' });
    expect(bad.status).toBe(400);
    expect(bad.body.error_code).toBe('INVALID_PARAMETER_VALUE');
  });
});
