import request from 'supertest';
import { createTestDatabases } from '../__testUtils__/databases';
import { startPortal } from '../__testUtils__/portal';

const databases = createTestDatabases();

const RUNS = 23;
const PAGE = 5;
/** Every run starts at once: only the run id breaks ties in the order. */
const START_TIME = 1_767_225_600_000;

/** Follows page tokens from the first page to the last: the ids seen and each page's size. */
async function walk(
  fetchPage: (token?: string) => Promise<{ ids: string[]; next?: string }>,
) {
  const seen = { ids: [] as string[], pageSizes: [] as number[] };
  let token: string | undefined;
  do {
    const page = await fetchPage(token);
    seen.ids.push(...page.ids);
    seen.pageSizes.push(page.ids.length);
    token = page.next;
  } while (token);
  return seen;
}

/**
 * Paging through run search over HTTP, on the MLflow route and the portal's: following
 * page tokens visits every matching run exactly once, in the search's order, pages of
 * `max_results`, even where the sort key ties (equal metrics, equal start times) or is
 * missing.
 */
describe.each(databases.eachSupportedId())(
  'run search paging on %p',
  databaseId => {
    it('walks every run once, in order, a page of max_results at a time', async () => {
      const { server } = await startPortal({
        database: await databases.init(databaseId),
      });
      const mlflow = (endpoint: string, body: object) =>
        request(server)
          .post(`/api/ml/mlflow/api/2.0/mlflow/${endpoint}`)
          .send(body);
      const experimentId = (
        await mlflow('experiments/create', { name: 'paging' })
      ).body.experiment_id;
      // Losses 0..3 repeat; the last three runs log none.
      const losses = new Map<string, number | undefined>();
      for (let i = 0; i < RUNS; i++) {
        const created = await mlflow('runs/create', {
          experiment_id: experimentId,
          start_time: START_TIME,
        });
        losses.set(
          created.body.run.info.run_id,
          i < RUNS - 3 ? i % 4 : undefined,
        );
      }
      for (const [runId, loss] of [...losses].filter(
        ([, l]) => l !== undefined,
      )) {
        const logged = await mlflow('runs/log-metric', {
          run_id: runId,
          key: 'loss',
          value: loss,
          timestamp: START_TIME,
        });
        expect(logged.status).toBe(200);
      }
      // MLflow's order: by loss, runs without one last; ties by run id.
      const expected = (keep: (loss: number | undefined) => boolean) =>
        [...losses]
          .filter(([, loss]) => keep(loss))
          .sort(
            ([a, lossA], [b, lossB]) =>
              (lossA ?? Infinity) - (lossB ?? Infinity) || (a < b ? -1 : 1),
          )
          .map(([runId]) => runId);

      const viaMlflow = await walk(async token => {
        const page = await mlflow('runs/search', {
          experiment_ids: [experimentId],
          order_by: ['metrics.loss ASC'],
          max_results: PAGE,
          ...(token && { page_token: token }),
        });
        expect(page.status).toBe(200);
        return {
          ids: page.body.runs.map((r: any) => r.info.run_id),
          next: page.body.next_page_token,
        };
      });
      expect(viaMlflow).toEqual({
        ids: expected(() => true),
        pageSizes: [5, 5, 5, 5, 3],
      });

      const viaPortal = await walk(async pageToken => {
        const page = await request(server)
          .post('/api/ml/runs/search')
          .send({
            experimentIds: [experimentId],
            filter: 'metrics.loss > 0',
            orderBy: ['metrics.loss ASC'],
            maxResults: PAGE,
            pageToken,
          });
        expect(page.status).toBe(200);
        return {
          ids: page.body.items.map((r: any) => r.info.runId),
          next: page.body.nextPageToken,
        };
      });
      expect(viaPortal).toEqual({
        ids: expected(loss => loss !== undefined && loss > 0),
        pageSizes: [5, 5, 5],
      });
    });
  },
);
