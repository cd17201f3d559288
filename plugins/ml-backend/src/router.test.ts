import request from 'supertest';
import { startPortal } from './__testUtils__/portal';

describe('the portal API validated by its OpenAPI schema', () => {
  let server: Awaited<ReturnType<typeof startPortal>>['server'];
  beforeAll(async () => {
    ({ server } = await startPortal());
  });

  it('answers 400 naming the field when a request breaks the schema, and serves one that keeps it', async () => {
    const broken = await request(server)
      .post('/api/ml/runs/search')
      .send({ experimentIds: [] });
    expect(broken.status).toBe(400);
    expect(broken.body.error).toEqual(
      expect.objectContaining({
        name: 'InputError',
        message: expect.stringMatching(
          /experimentIds must NOT have fewer than 1 items/,
        ),
      }),
    );

    const valid = await request(server)
      .post('/api/ml/runs/search')
      .send({ experimentIds: ['0'], maxResults: 5 });
    expect(valid.status).toBe(200);
    expect(valid.body).toEqual({ items: [] });
  });

  it('checks query parameters by type and bound, and refuses unknown ones', async () => {
    const tooDeep = await request(server).get(
      '/api/ml/lineage?kind=run&id=abc&depth=11',
    );
    expect(tooDeep.status).toBe(400);
    expect(tooDeep.body.error.message).toMatch(/depth.*<= 10/);

    const unknownKind = await request(server).get(
      '/api/ml/lineage?kind=notebook&id=abc',
    );
    expect(unknownKind.status).toBe(400);
    expect(unknownKind.body.error.message).toMatch(/kind/);

    const unknownParameter = await request(server).get(
      '/api/ml/experiments?colour=red',
    );
    expect(unknownParameter.status).toBe(400);
    expect(unknownParameter.body.error.message).toMatch(/colour/);

    const page = await request(server).get(
      '/api/ml/experiments?maxResults=1&orderBy=name',
    );
    expect(page.status).toBe(200);
    expect(page.body.items).toHaveLength(1);
  });

  it('refuses a NUL character in request text', async () => {
    const nul = await request(server).get('/api/ml/runs/a%00b');
    expect(nul.status).toBe(400);
    expect(nul.body.error.message).toBe(
      'request/params/runId must match format "text without a NUL character"',
    );
  });

  it('drops body fields the schema does not name', async () => {
    const created = await request(server)
      .post('/api/ml/datasets')
      .send({ name: 'trips', source: 's3://rides/trips', colour: 'red' });
    expect(created.status).toBe(201);
    expect(created.body).not.toHaveProperty('colour');
  });

  it('leaves the MLflow API to its own protocol', async () => {
    const missing = await request(server)
      .post('/api/ml/mlflow/api/2.0/mlflow/runs/search')
      .send({ experiment_ids: [], colour: 'red' });
    expect(missing.status).toBe(200);
    const unknown = await request(server).get(
      '/api/ml/mlflow/api/2.0/mlflow/no-such-endpoint',
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body.error_code).toBe('ENDPOINT_NOT_FOUND');
  });

  it('keeps the JSON depth limit on the portal routes', async () => {
    const deep = `{"experimentIds":["0"],"filter":${'['.repeat(
      150,
    )}${']'.repeat(150)}}`;
    const response = await request(server)
      .post('/api/ml/runs/search')
      .set('content-type', 'application/json')
      .send(deep);
    expect(response.status).toBe(400);
    expect(response.body.error.message).toMatch(/nested deeper than 100/);
  });

  it('serves the model routes with a name that holds a slash', async () => {
    const created = await request(server)
      .post('/api/ml/models')
      .send({ name: 'team/churn' });
    expect(created.status).toBe(201);
    const model = await request(server).get(
      `/api/ml/models/${encodeURIComponent('team/churn')}`,
    );
    expect(model.status).toBe(200);
    expect(model.body.name).toBe('team/churn');
  });
});
