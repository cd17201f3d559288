import { MlClient } from './MlApi';

/** A client whose backend answers `body`, recording each request's URL, method and body. */
function recordingClient(body: unknown = {}) {
  const requests: Array<{ url: string; method?: string; body?: unknown }> = [];
  const client = new MlClient({
    discoveryApi: {
      getBaseUrl: async plugin => `http://backend/api/${plugin}`,
    },
    fetchApi: {
      fetch: async (input: any, init?: RequestInit) => {
        requests.push({
          url: String(input),
          method: init?.method,
          body:
            init?.body === undefined
              ? undefined
              : JSON.parse(String(init.body)),
        });
        return new Response(JSON.stringify(body), {
          status: 200,
          headers: { 'content-type': 'application/json' },
        });
      },
    },
  });
  return { client, requests };
}

const base = 'http://backend/api/ml';

describe('MlClient registry, lineage and datasets', () => {
  it('keeps a model name with slashes and spaces one path segment', async () => {
    const { client, requests } = recordingClient();
    const name = 'team/fraud model';

    await client.getModel(name);
    await client.getModelVersion({ name, version: '3' });
    await client.getModelAudit(name);

    expect(requests.map(r => r.url)).toEqual([
      `${base}/models/team%2Ffraud%20model`,
      `${base}/models/team%2Ffraud%20model/versions/3`,
      `${base}/models/team%2Ffraud%20model/audit`,
    ]);
  });

  it('lists models with the MLflow filter encoded, leaving out what is not set', async () => {
    const { client, requests } = recordingClient({ items: [] });

    await client.listModels({ filter: "name LIKE '%a&b%'", maxResults: 25 });
    await client.listModels({ filter: '', pageToken: 'p2' });

    expect(requests.map(r => r.url)).toEqual([
      `${base}/models?filter=name+LIKE+%27%25a%26b%25%27&maxResults=25`,
      `${base}/models?pageToken=p2`,
    ]);
    expect(new URL(requests[0].url).searchParams.get('filter')).toBe(
      "name LIKE '%a&b%'",
    );
  });

  it('registers a version and requests a promotion with the name in the path, not the body', async () => {
    const { client, requests } = recordingClient();

    await client.registerModelVersion({
      name: 'team/fraud',
      runId: 'r1',
      artifactPath: 'model',
    });
    await client.requestPromotion({
      name: 'team/fraud',
      version: '2',
      alias: 'production',
      reason: 'better recall',
    });
    await client.createModel({ name: 'team/fraud', description: 'd' });

    expect(requests).toEqual([
      {
        url: `${base}/models/team%2Ffraud/versions`,
        method: 'POST',
        body: { runId: 'r1', artifactPath: 'model' },
      },
      {
        url: `${base}/models/team%2Ffraud/promotions`,
        method: 'POST',
        body: { version: '2', alias: 'production', reason: 'better recall' },
      },
      {
        url: `${base}/models`,
        method: 'POST',
        body: { name: 'team/fraud', description: 'd' },
      },
    ]);
  });

  it('decides promotion requests', async () => {
    const { client, requests } = recordingClient();

    await client.listPromotions({ status: 'PENDING', mine: true });
    await client.approvePromotion({ id: 'pr/1' });
    await client.rejectPromotion({ id: 'pr-2', comment: 'recall dropped' });
    await client.cancelPromotion('pr-3');

    expect(requests).toEqual([
      {
        url: `${base}/promotions?status=PENDING&mine=true`,
        method: 'GET',
        body: undefined,
      },
      { url: `${base}/promotions/pr%2F1/approve`, method: 'POST', body: {} },
      {
        url: `${base}/promotions/pr-2/reject`,
        method: 'POST',
        body: { comment: 'recall dropped' },
      },
      {
        url: `${base}/promotions/pr-3/cancel`,
        method: 'POST',
        body: undefined,
      },
    ]);
  });

  it('asks for the lineage of a node and for datasets', async () => {
    const { client, requests } = recordingClient([]);

    await client.getLineage({
      kind: 'feature_view',
      id: 'growth/usage stats',
      direction: 'upstream',
      depth: 2,
    });
    await client.listDatasets();
    await client.listDatasets({ q: 'trips eu' });
    await client.getDataset('ds 1/eu');
    await client.createDataset({ name: 'trips', source: 's3://b/t.parquet' });

    expect(requests.map(r => r.url)).toEqual([
      `${base}/lineage?kind=feature_view&id=growth%2Fusage+stats&direction=upstream&depth=2`,
      `${base}/datasets`,
      `${base}/datasets?q=trips+eu`,
      `${base}/datasets/ds%201%2Feu`,
      `${base}/datasets`,
    ]);
    expect(requests[4]).toMatchObject({
      method: 'POST',
      body: { name: 'trips', source: 's3://b/t.parquet' },
    });
  });
});
