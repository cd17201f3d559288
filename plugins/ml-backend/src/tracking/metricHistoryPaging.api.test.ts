import request from 'supertest';
import { createTestDatabases } from '../__testUtils__/databases';
import { startPortal } from '../__testUtils__/portal';

const databases = createTestDatabases();

/**
 * MLflow's get-history with max_results: pages cut in the database follow one another
 * without overlap or gap, in history order, even where points share a step and a
 * time; without max_results the whole series comes back, as MLflow 2.x clients expect.
 */
describe.each(databases.eachSupportedId())(
  'metric history paging on %p',
  databaseId => {
    it('walks the series a page at a time, each point once', async () => {
      const { server } = await startPortal({
        database: await databases.init(databaseId),
      });
      const mlflow = (path: string) => `/api/ml/mlflow/api/2.0/mlflow/${path}`;
      const experimentId = (
        await request(server)
          .post(mlflow('experiments/create'))
          .send({ name: 'history' })
      ).body.experiment_id;
      const runId = (
        await request(server)
          .post(mlflow('runs/create'))
          .send({ experiment_id: experimentId })
      ).body.run.info.run_id;
      // Steps 0..7, three points each at one time: values, NaN and -Infinity tie.
      const points = Array.from({ length: 24 }, (_, i) => ({
        key: 'loss',
        value: [1 / (i + 1), 'NaN', '-Infinity'][i % 3],
        timestamp: 100 + Math.floor(i / 3),
        step: Math.floor(i / 3),
      }));
      await request(server)
        .post(mlflow('runs/log-batch'))
        .send({ run_id: runId, metrics: points })
        .expect(200);

      const history = (query: string) =>
        request(server)
          .get(
            mlflow(
              `metrics/get-history?run_id=${runId}&metric_key=loss${query}`,
            ),
          )
          .expect(200);
      const whole = (await history('')).body;
      expect(whole.next_page_token).toBeUndefined();
      expect(whole.metrics).toHaveLength(24);

      const pages: unknown[][] = [];
      let token: string | undefined;
      do {
        const page = (
          await history(
            `&max_results=7${
              token ? `&page_token=${encodeURIComponent(token)}` : ''
            }`,
          )
        ).body;
        pages.push(page.metrics);
        token = page.next_page_token;
      } while (token);
      expect(pages.map(p => p.length)).toEqual([7, 7, 7, 3]);
      expect(pages.flat()).toEqual(whole.metrics);
    });
  },
);
