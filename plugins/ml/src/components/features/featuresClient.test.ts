import { MlClient } from '../../api/MlApi';

/** A client whose backend answers `body` (with `status`), recording each request. */
function recordingClient(body: unknown, status = 200) {
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
          body: init?.body && JSON.parse(String(init.body)),
        });
        return new Response(JSON.stringify(body), {
          status,
          headers: { 'content-type': 'application/json' },
        });
      },
    },
  });
  return { client, requests };
}

describe('MlClient feature catalog', () => {
  it('passes the search and filters of the views list, leaving out empty ones', async () => {
    const { client, requests } = recordingClient([]);

    await client.listFeatureViews({
      q: 'trips 7d',
      project: 'driver_ranking',
      owner: 'group:default/mobility',
      stale: true,
    });
    await client.listFeatureViews({ q: '', stale: false });
    await client.listFeatureViews();

    expect(requests.map(request => request.url)).toEqual([
      'http://backend/api/ml/features/views?q=trips+7d&project=driver_ranking&owner=group%3Adefault%2Fmobility&stale=true',
      'http://backend/api/ml/features/views',
      'http://backend/api/ml/features/views',
    ]);
  });

  it('encodes the project and name of a view as path segments', async () => {
    const details = { id: 'a b/x/y', versions: [] };
    const { client, requests } = recordingClient(details);

    await expect(client.getFeatureView('a b', 'x/y?z')).resolves.toEqual(
      details,
    );
    expect(requests[0].url).toBe(
      'http://backend/api/ml/features/views/a%20b/x%2Fy%3Fz',
    );
  });

  it('lists entities, sources, services and imports', async () => {
    const { client, requests } = recordingClient([]);

    await client.listFeatureEntities();
    await client.listFeatureSources();
    await client.listFeatureServices();
    await client.listFeatureImports();

    expect(requests.map(request => request.url)).toEqual([
      'http://backend/api/ml/features/entities',
      'http://backend/api/ml/features/sources',
      'http://backend/api/ml/features/services',
      'http://backend/api/ml/features/imports',
    ]);
  });

  it('posts the registry document as the body of an import', async () => {
    const result = { id: 'imp-1', added: ['p/v'], changed: [], removed: [] };
    const { client, requests } = recordingClient(result);
    const registry = { entities: [{ spec: { name: 'driver' } }] };

    await expect(client.importFeatureRegistry(registry)).resolves.toEqual(
      result,
    );
    expect(requests).toEqual([
      {
        url: 'http://backend/api/ml/features/imports',
        method: 'POST',
        body: registry,
      },
    ]);
  });

  it("rejects a refused import with the server's message", async () => {
    const { client } = recordingClient(
      {
        error: { name: 'InputError', message: 'featureViews[0]: no name' },
        request: { method: 'POST', url: '/api/ml/features/imports' },
        response: { statusCode: 400 },
      },
      400,
    );

    await expect(client.importFeatureRegistry({})).rejects.toMatchObject({
      name: 'ResponseError',
      statusCode: 400,
      body: { error: { message: 'featureViews[0]: no name' } },
    });
  });
});
