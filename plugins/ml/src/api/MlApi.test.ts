import { MlClient } from './MlApi';

function clientAnswering(status: number, body: unknown) {
  const requested: string[] = [];
  const client = new MlClient({
    discoveryApi: {
      getBaseUrl: async plugin => `http://backend/api/${plugin}`,
    },
    fetchApi: {
      fetch: async (input: any) => {
        requested.push(String(input));
        return new Response(JSON.stringify(body), {
          status,
          headers: { 'content-type': 'application/json' },
        });
      },
    },
  });
  return { client, requested };
}

describe('MlClient', () => {
  it('returns the health report of a degraded backend (503) instead of throwing', async () => {
    const report = { status: 'degraded' };
    const { client, requested } = clientAnswering(503, report);

    await expect(client.getHealth()).resolves.toEqual(report);
    expect(requested).toEqual(['http://backend/api/ml/health']);
  });

  it('throws a ResponseError carrying the backend error for other failures', async () => {
    const { client } = clientAnswering(401, {
      error: { name: 'AuthenticationError', message: 'Missing credentials' },
      request: { method: 'GET', url: '/api/ml/compute-targets' },
      response: { statusCode: 401 },
    });

    await expect(client.listComputeTargets()).rejects.toMatchObject({
      name: 'ResponseError',
      statusCode: 401,
    });
  });
});
