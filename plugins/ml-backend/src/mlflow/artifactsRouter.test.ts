import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import request from 'supertest';
import { LocalArtifactStore } from '../tracking/artifacts/LocalArtifactStore';
import { createMlflowArtifactsRouter } from './artifactsRouter';

/** Where MLflow clients find it: `MLFLOW_TRACKING_URI=http://host:7007/api/ml/mlflow`. */
const BASE = '/api/ml/mlflow/api/2.0/mlflow-artifacts/artifacts';
const RUN = '1/6f2c0a9e/artifacts';
const BINARY = Buffer.concat([
  Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
  randomBytes(100_000),
]);

describe('createMlflowArtifactsRouter', () => {
  let directory: string;
  let app: express.Express;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'artifacts-router-'));
    const store = await LocalArtifactStore.create({ directory });
    app = express();
    app.use('/api/ml/mlflow', createMlflowArtifactsRouter({ store }));
  });

  afterEach(() => rm(directory, { recursive: true, force: true }));

  async function upload(path: string, data: string | Buffer, type?: string) {
    const res = await request(app)
      .put(`${BASE}/${path}`)
      .set('Content-Type', type ?? 'application/octet-stream')
      .send(data);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({});
  }

  it('uploads, lists and downloads byte for byte', async () => {
    await upload(`${RUN}/model/model.pkl`, BINARY);
    await upload(`${RUN}/model/MLmodel`, 'flavors:\n  python_function: {}\n');
    await upload(`${RUN}/metrics.json`, '{"acc": 0.9}', 'text/plain');

    const root = await request(app).get(BASE).query({ path: RUN });
    expect(root.status).toBe(200);
    expect(root.body).toEqual({
      files: [
        { path: 'metrics.json', is_dir: false, file_size: 12 },
        { path: 'model', is_dir: true },
      ],
    });
    const model = await request(app)
      .get(BASE)
      .query({ path: `${RUN}/model` });
    expect(model.body).toEqual({
      files: [
        { path: 'MLmodel', is_dir: false, file_size: 31 },
        { path: 'model.pkl', is_dir: false, file_size: BINARY.length },
      ],
    });

    const download = await request(app)
      .get(`${BASE}/${RUN}/model/model.pkl`)
      .responseType('blob'); // raw bytes, whatever the content type
    expect(download.status).toBe(200);
    expect(download.headers['content-type']).toBe('application/octet-stream');
    expect(download.headers['content-length']).toBe(String(BINARY.length));
    expect(download.headers['content-disposition']).toBe(
      'attachment; filename="model.pkl"',
    );
    expect(download.headers['x-content-type-options']).toBe('nosniff');
    expect((download.body as Buffer).equals(BINARY)).toBe(true);
  });

  it('serves MLflow text artifacts as text/plain, others by extension', async () => {
    await upload(`${RUN}/model/MLmodel`, 'flavors: {}');
    await upload(`${RUN}/metrics.json`, '{}');
    await upload(`${RUN}/plot.png`, BINARY);
    const type = async (path: string) =>
      (await request(app).get(`${BASE}/${RUN}/${path}`)).headers[
        'content-type'
      ];
    expect(await type('model/MLmodel')).toBe('text/plain; charset=utf-8');
    expect(await type('metrics.json')).toBe('text/plain; charset=utf-8');
    expect(await type('plot.png')).toBe('image/png');
  });

  it('stores a JSON-typed body raw, without parsing it', async () => {
    await upload(`${RUN}/broken.json`, '{not json', 'application/json');
    const res = await request(app).get(`${BASE}/${RUN}/broken.json`);
    expect(res.text).toBe('{not json');
  });

  it('fails loudly when a body parser consumed the upload first', async () => {
    const logged: unknown[] = [];
    const misordered = express();
    misordered.use(express.json());
    misordered.use(
      '/api/ml/mlflow',
      createMlflowArtifactsRouter({
        store: await LocalArtifactStore.create({ directory }),
        logError: error => logged.push(error),
      }),
    );
    const res = await request(misordered)
      .put(`${BASE}/${RUN}/params.json`)
      .set('Content-Type', 'application/json')
      .send('{"lr": 0.1}');
    expect(res.status).toBe(500);
    // The client gets an id to quote, the log the reason.
    const id = /^Internal error ([0-9a-f-]{36});/.exec(res.body.message)![1];
    expect(String(logged[0])).toMatch(/mount it before any body parser/);
    expect(String(logged[1])).toContain(id);
  });

  it('stores an empty upload as an empty file', async () => {
    await upload(`${RUN}/empty.txt`, '');
    const res = await request(app).get(BASE).query({ path: RUN });
    expect(res.body.files).toEqual([
      { path: 'empty.txt', is_dir: false, file_size: 0 },
    ]);
  });

  it('lists the root without a path, and nothing for a missing directory', async () => {
    await upload(`${RUN}/a.txt`, 'a');
    expect((await request(app).get(BASE)).body).toEqual({
      files: [{ path: '1', is_dir: true }],
    });
    expect(
      (await request(app).get(BASE).query({ path: 'no/such/dir' })).body,
    ).toEqual({ files: [] });
  });

  it('serves the same API under /ajax-api, as MLflow does for its web UI', async () => {
    await upload(`${RUN}/a.txt`, 'a');
    const ajax = '/api/ml/mlflow/ajax-api/2.0/mlflow-artifacts/artifacts';
    const list = await request(app).get(ajax).query({ path: RUN });
    expect(list.body).toEqual({
      files: [{ path: 'a.txt', is_dir: false, file_size: 1 }],
    });
    expect((await request(app).get(`${ajax}/${RUN}/a.txt`)).text).toBe('a');
  });

  it('passes other requests on to the routers after it', async () => {
    app.use((_req, res) => {
      res.status(418).end();
    });
    const res = await request(app).get(
      '/api/ml/mlflow/api/2.0/mlflow/runs/get',
    );
    expect(res.status).toBe(418);
  });

  it('answers a missing artifact with an MLflow 404 body', async () => {
    const res = await request(app).get(`${BASE}/${RUN}/missing.txt`);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      error_code: 'RESOURCE_DOES_NOT_EXIST',
      message: `No artifact at '${RUN}/missing.txt'`,
    });
  });

  it.each([
    ['a download', (r: request.Agent) => r.get(`${BASE}/${RUN}/../../../x`)],
    ['an encoded download', (r: request.Agent) => r.get(`${BASE}/%2E%2E%2Fx`)],
    ['an upload', (r: request.Agent) => r.put(`${BASE}/a/../../x`).send('x')],
    ['a delete', (r: request.Agent) => r.delete(`${BASE}/../x`)],
    ['a listing', (r: request.Agent) => r.get(BASE).query({ path: '../x' })],
    ['an absolute listing', (r: request.Agent) => r.get(`${BASE}?path=/etc`)],
    ['a NUL', (r: request.Agent) => r.get(`${BASE}/a%00b`)],
  ])('rejects traversal in %s with an MLflow 400 body', async (_, send) => {
    const res = await send(request.agent(app));
    expect(res.status).toBe(400);
    expect(res.body.error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('rejects a repeated path parameter', async () => {
    const res = await request(app).get(`${BASE}?path=a&path=b`);
    expect(res.status).toBe(400);
    expect(res.body.error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('deletes a file and a directory', async () => {
    await upload(`${RUN}/a.txt`, 'a');
    await upload(`${RUN}/model/MLmodel`, 'm');
    await upload(`${RUN}/model/model.pkl`, BINARY);

    const file = await request(app).delete(`${BASE}/${RUN}/a.txt`);
    expect(file.status).toBe(200);
    expect(file.body).toEqual({});
    expect((await request(app).get(`${BASE}/${RUN}/a.txt`)).status).toBe(404);

    expect((await request(app).delete(`${BASE}/${RUN}/model`)).status).toBe(
      200,
    );
    expect((await request(app).get(BASE).query({ path: RUN })).body).toEqual({
      files: [],
    });
  });

  describe('with an upload limit', () => {
    const LIMIT = 64 * 1024;
    let limited: express.Express;
    let limitedDirectory: string;

    beforeEach(async () => {
      limitedDirectory = await mkdtemp(join(tmpdir(), 'artifacts-limited-'));
      const store = await LocalArtifactStore.create({
        directory: limitedDirectory,
        maxUploadBytes: LIMIT,
      });
      limited = express();
      limited.use('/api/ml/mlflow', createMlflowArtifactsRouter({ store }));
    });

    afterEach(() => rm(limitedDirectory, { recursive: true, force: true }));

    const tooLarge = {
      error_code: 'INVALID_PARAMETER_VALUE',
      message: `Artifact '${RUN}/big.bin' is larger than the ${LIMIT} bytes an upload may hold (ml.artifacts.maxUploadBytes)`,
    };

    it('stores an upload of exactly the limit', async () => {
      const res = await request(limited)
        .put(`${BASE}/${RUN}/big.bin`)
        .send(BINARY.subarray(0, LIMIT));
      expect(res.status).toBe(200);
    });

    it('answers 413 before reading a body whose Content-Length is over the limit', async () => {
      const res = await request(limited)
        .put(`${BASE}/${RUN}/big.bin`)
        .send(Buffer.alloc(LIMIT + 1));
      expect(res.status).toBe(413);
      expect(res.body).toEqual(tooLarge);
      expect(
        (await request(limited).get(BASE).query({ path: RUN })).body,
      ).toEqual({ files: [] });
    });

    it('answers 413 when a chunked body goes over the limit, and keeps nothing', async () => {
      const req = request(limited)
        .put(`${BASE}/${RUN}/big.bin`)
        .set('Transfer-Encoding', 'chunked');
      for (let i = 0; i < 3; i++) req.write(Buffer.alloc(LIMIT / 2, i));
      const res = await req;
      expect(res.status).toBe(413);
      expect(res.body).toEqual(tooLarge);
      expect(await readdir(join(limitedDirectory, '.staging'))).toEqual([]);
      expect(
        (await request(limited).get(BASE).query({ path: RUN })).body,
      ).toEqual({ files: [] });
    });
  });

  it('refuses to upload to or delete the root', async () => {
    expect((await request(app).put(`${BASE}/`).send('x')).status).toBe(400);
    expect((await request(app).delete(`${BASE}/`)).status).toBe(400);
  });
});
