import { AddressInfo } from 'node:net';
import { mockServices } from '@backstage/backend-test-utils';
import request from 'supertest';
import { createTestDatabases } from '../__testUtils__/databases';
import { startPortal } from '../__testUtils__/portal';
import {
  createFixtures,
  findProblems,
  Fixtures,
  runBarrage,
} from '../__testUtils__/adversarial';

const MLFLOW = '/api/ml/mlflow/api/2.0/mlflow';
const ARTIFACTS = '/api/ml/mlflow/api/2.0/mlflow-artifacts/artifacts';

const databases = createTestDatabases();

/**
 * Malformed and adversarial requests (see __testUtils__/adversarial.ts) against a portal,
 * on SQLite and on PostgreSQL (which refuses more: NUL characters, overlong varchars):
 * none may answer 5xx, and every 4xx of the MLflow API carries MLflow's error_code.
 * `/api/ml/health` is probed meanwhile; its latency is recorded, never asserted (the
 * figures come from `npm run bench:adversarial`).
 */
describe.each(databases.eachSupportedId())(
  'adversarial requests on %s',
  databaseId => {
    let server: Awaited<ReturnType<typeof startPortal>>['server'];
    let baseUrl: string;
    let fixtures: Fixtures;

    beforeAll(async () => {
      const knex = await databases.init(databaseId);
      ({ server } = await startPortal({
        features: [mockServices.database.factory({ knex })],
      }));
      baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      fixtures = await createFixtures(baseUrl);
    });

    it('answers thousands of generated requests without a server error', async () => {
      const count = 2500;
      const result = await runBarrage({
        baseUrl,
        seed: 20261203,
        count,
        fixtures,
      });
      expect(result.responses).toHaveLength(count);
      expect(findProblems(result.responses)).toEqual([]);
      // Rejections, mostly; but some requests get through to real work.
      const statuses = new Set(result.responses.map(r => r.status));
      expect(statuses).toContain(200);
      expect(statuses).toContain(400);
      expect(statuses).toContain(404);
      // Health kept answering throughout (how fast is the bench's to report).
      expect(result.health.length).toBeGreaterThan(0);
      expect(result.health.every(h => h.status === 200)).toBe(true);
    }, 120_000);

    const invalid = (message: string | RegExp) => ({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: expect.stringMatching(message),
    });

    it('refuses more than 1,000 experiment ids in runs/search', async () => {
      const ids = Array.from({ length: 20_000 }, (_, i) => String(i));
      const res = await request(server)
        .post(`${MLFLOW}/runs/search`)
        .send({ experiment_ids: ids });
      expect(res.status).toBe(400);
      expect(res.body).toEqual(
        invalid(
          "Invalid value for parameter 'experiment_ids': a request may list at most 1000 values, got 20000.",
        ),
      );
      const portal = await request(server)
        .post('/api/ml/runs/search')
        .send({ experimentIds: ids });
      expect(portal.status).toBe(400);
      expect(portal.body.error.message).toMatch(
        /experimentIds must NOT have more than 1000 items/,
      );
      const exact = await request(server)
        .post(`${MLFLOW}/runs/search`)
        .send({ experiment_ids: [fixtures.experimentId] });
      expect(exact.status).toBe(200);
    });

    it('reads prototype names in filters as unknown names, not as a 500', async () => {
      for (const filter of [
        "constructor.x = 'a'",
        "toString = 'a'",
        "attributes.__proto__ = 'a'",
      ]) {
        const res = await request(server)
          .post(`${MLFLOW}/runs/search`)
          .send({ experiment_ids: [fixtures.experimentId], filter });
        expect(res.status).toBe(400);
        expect(res.body).toEqual(
          invalid(/^Invalid (entity type|attribute key)/),
        );
      }
      const tag = await request(server)
        .post(`${MLFLOW}/runs/search`)
        .send({
          experiment_ids: [fixtures.experimentId],
          filter: "tags.constructor = 'a'",
        });
      expect(tag.status).toBe(200);
    });

    it('reads a 160 KB run of backslashes in a filter in one pass', async () => {
      const backslashes = '\\'.repeat(160_000);
      const like = await request(server)
        .post(`${MLFLOW}/runs/search`)
        .send({
          experiment_ids: [fixtures.experimentId],
          filter: `tags.path LIKE '${backslashes}\\'`,
        });
      expect(like.status).toBe(400);
      expect(like.body).toEqual(invalid(/ends with the escape character/));
      const bare = await request(server)
        .post(`${MLFLOW}/runs/search`)
        .send({ experiment_ids: [fixtures.experimentId], filter: backslashes });
      expect(bare.status).toBe(400);
    });

    it('answers a bad %-encoding in an artifact path with 400', async () => {
      for (const path of ['%E0%A4%A', '%', `${fixtures.experimentId}/%ZZ/x`]) {
        for (const method of ['get', 'put', 'delete'] as const) {
          const res = await request(server)[method](`${ARTIFACTS}/${path}`);
          expect(res.status).toBe(400);
          expect(res.body.error_code).toBe('INVALID_PARAMETER_VALUE');
        }
      }
    });

    it('answers fields of the wrong type with 400, not a TypeError', async () => {
      const cases: Array<[string, object]> = [
        ['runs/delete', { run_id: { toString: 1 } }],
        ['runs/update', { run_id: fixtures.runId, status: { toString: 1 } }],
        ['runs/search', { experiment_ids: [{}], filter: 1 }],
        [
          'runs/search',
          { experiment_ids: [fixtures.experimentId], filter: [] },
        ],
        ['experiments/create', { name: { toString: 1 } }],
        ['experiments/create', { name: 'x', tags: 'not a list' }],
        ['registered-models/search', { filter: { toString: 1 } }],
        ['runs/log-inputs', { run_id: fixtures.runId, datasets: [1] }],
      ];
      for (const [endpoint, body] of cases) {
        const res = await request(server)
          .post(`${MLFLOW}/${endpoint}`)
          .send(body);
        expect({ endpoint, status: res.status }).toEqual({
          endpoint,
          status: 400,
        });
        expect(res.body.error_code).toBe('INVALID_PARAMETER_VALUE');
      }
      for (const query of ['run_id[toString]=1', 'run_id[a][b]=c']) {
        const res = await request(server).get(`${MLFLOW}/runs/get?${query}`);
        expect(res.status).toBe(400);
        expect(res.body.error_code).toBe('INVALID_PARAMETER_VALUE');
      }
    });

    it('refuses NUL characters, which PostgreSQL text cannot hold', async () => {
      const answers = [
        await request(server).get('/api/ml/runs/a%00b'),
        await request(server).get('/api/ml/experiments/1%00'),
        await request(server).get(
          `/api/ml/runs/${fixtures.runId}/metric-history?key=a%00`,
        ),
        await request(server).get(`${MLFLOW}/runs/get?run_id=%00`),
        await request(server)
          .post(`${MLFLOW}/runs/set-tag`)
          .send({ run_id: fixtures.runId, key: 'k', value: 'a\0b' }),
        await request(server)
          .post(`${MLFLOW}/experiments/create`)
          .send({ name: 'a\0b' }),
        await request(server)
          .post(`${MLFLOW}/registered-models/create`)
          .send({ name: 'a\0b' }),
        await request(server)
          .post(`${MLFLOW}/runs/search`)
          .send({
            experiment_ids: [fixtures.experimentId],
            filter: "tags.k = 'a\0b'",
          }),
      ];
      expect(answers.map(a => a.status)).toEqual(answers.map(() => 400));
      expect(answers.map(a => a.text)).toEqual(
        answers.map(() => expect.stringContaining('NUL character')),
      );
    });

    it('refuses JSON nested deeper than 100 levels, in the body and in model_json', async () => {
      const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
      const body = await request(server)
        .post(`${MLFLOW}/runs/log-batch`)
        .set('Content-Type', 'application/json')
        .send(`{"run_id": "${fixtures.runId}", "metrics": ${deep}}`);
      expect(body.status).toBe(400);
      expect(body.body).toEqual(invalid(/nested deeper than 100 levels/));
      const model = await request(server)
        .post(`${MLFLOW}/runs/log-model`)
        .send({ run_id: fixtures.runId, model_json: deep });
      expect(model.status).toBe(400);
      expect(model.body).toEqual(invalid(/nested deeper than 100 levels/));
    });
  },
);
