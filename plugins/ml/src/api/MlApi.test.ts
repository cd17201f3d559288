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

/** A client whose backend answers `respond`, recording each request with its method and body. */
function recordingClient(respond: () => Response) {
  const requests: Array<{
    url: string;
    method?: string;
    headers?: HeadersInit;
    body?: unknown;
  }> = [];
  const client = new MlClient({
    discoveryApi: {
      getBaseUrl: async plugin => `http://backend/api/${plugin}`,
    },
    fetchApi: {
      fetch: async (input: any, init?: RequestInit) => {
        requests.push({
          url: String(input),
          method: init?.method,
          headers: init?.headers,
          body:
            init?.body === undefined
              ? undefined
              : JSON.parse(String(init.body)),
        });
        return respond();
      },
    },
  });
  return { client, requests };
}

const json =
  (body: unknown, status = 200) =>
  () =>
    new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json' },
    });

describe('MlClient', () => {
  it('returns the health report of a degraded backend (503) instead of throwing', async () => {
    const report = {
      status: 'degraded',
      database: { status: 'ok', client: 'pg', latencyMs: 1 },
      jobQueue: { status: 'down', error: 'connect ECONNREFUSED' },
    };
    const { client, requested } = clientAnswering(503, report);

    await expect(client.getHealth()).resolves.toEqual(report);
    expect(requested).toEqual(['http://backend/api/ml/health']);
  });

  it('throws for a 503 of a backend still starting, which is no health report', async () => {
    const { client } = clientAnswering(503, {
      error: {
        name: 'ServiceUnavailableError',
        message: 'Service has not started up yet',
      },
      response: { statusCode: 503 },
    });

    await expect(client.getHealth()).rejects.toMatchObject({
      name: 'ResponseError',
      statusCode: 503,
    });
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

  describe('cost', () => {
    it('asks for the summary of a month and a team, the group ref encoded', async () => {
      const summary = { month: '2026-10', teams: [] };
      const { client, requests } = recordingClient(json(summary));

      await expect(
        client.getCostSummary({
          month: '2026-10',
          team: 'group:default/ml-research',
        }),
      ).resolves.toEqual(summary);
      await client.getCostSummary({});

      expect(requests.map(request => request.url)).toEqual([
        'http://backend/api/ml/cost/summary?month=2026-10&team=group%3Adefault%2Fml-research',
        'http://backend/api/ml/cost/summary',
      ]);
      expect(requests[0].method).toBe('GET');
    });

    it('lists recommendations of all teams or one, and the price book', async () => {
      const { client, requests } = recordingClient(json([]));

      await client.getCostRecommendations();
      await client.getCostRecommendations({ team: 'group:default/vision' });
      await client.getGpuPrices();
      await client.getModelVersionCost({
        name: 'fraud/v2 model',
        version: '3',
      });

      expect(requests.map(request => request.url)).toEqual([
        'http://backend/api/ml/cost/recommendations',
        'http://backend/api/ml/cost/recommendations?team=group%3Adefault%2Fvision',
        'http://backend/api/ml/cost/prices',
        // A model name is one path segment, slashes and spaces encoded.
        'http://backend/api/ml/cost/model-versions/fraud%2Fv2%20model/3',
      ]);
    });

    it('fetches the CSV export through the fetch API, as text', async () => {
      const csv = 'team,day,costUsd\ngroup:default/vision,2026-10-01,12.5\n';
      const { client, requests } = recordingClient(
        () => new Response(csv, { headers: { 'content-type': 'text/csv' } }),
      );

      const blob = await client.exportCostCsv({
        month: '2026-10',
        team: 'group:default/vision',
      });

      expect(await blob.text()).toBe(csv);
      expect(requests[0].url).toBe(
        'http://backend/api/ml/cost/export.csv?month=2026-10&team=group%3Adefault%2Fvision',
      );
    });

    it('posts an imported bill as JSON and returns the counts', async () => {
      const result = {
        source: 'aws-cur',
        rows: 3,
        months: ['2026-10'],
        added: 2,
        changed: 1,
        unchanged: 0,
      };
      const { client, requests } = recordingClient(json(result));

      await expect(
        client.importBill({ format: 'aws-cur', content: 'a,b\n1,2\n' }),
      ).resolves.toEqual(result);
      expect(requests).toEqual([
        {
          url: 'http://backend/api/ml/cost/imports',
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: { format: 'aws-cur', content: 'a,b\n1,2\n' },
        },
      ]);
    });

    it("rejects an import with the server's 400 message", async () => {
      const { client } = recordingClient(
        json(
          {
            error: {
              name: 'InputError',
              message: 'line 2: lineItem/UnblendedCost is not a number',
            },
            request: { method: 'POST', url: '/api/ml/cost/imports' },
            response: { statusCode: 400 },
          },
          400,
        ),
      );

      await expect(
        client.importBill({ format: 'aws-cur', content: 'x' }),
      ).rejects.toMatchObject({
        name: 'ResponseError',
        statusCode: 400,
        body: {
          error: { message: 'line 2: lineItem/UnblendedCost is not a number' },
        },
      });
    });
  });

  describe('training profiles', () => {
    it("publishes a profile's next version with PUT, the name as one segment", async () => {
      const input = { pools: ['local-cpu'], baseVersion: 2 };
      const { client, requests } = recordingClient(
        json({ name: 'local small', version: 3 }),
      );
      await expect(
        client.publishProfileVersion('local small', input),
      ).resolves.toMatchObject({ version: 3 });
      expect(
        requests.map(({ method, url, body }) => ({ method, url, body })),
      ).toEqual([
        {
          method: 'PUT',
          url: 'http://backend/api/ml/training/profiles/local%20small',
          body: input,
        },
      ]);
    });
  });

  describe('monitoring', () => {
    it('reads an endpoint, puts its settings, closes an alert and reads the overview', async () => {
      const settings = {
        drift: {
          enabled: true,
          sampleRate: 0.1,
          windowMinutes: 60,
          minSamples: 200,
          thresholds: { psiWarn: 0.1, psiAlert: 0.25 },
        },
      };
      const { client, requests } = recordingClient(json({ endpoints: [] }));

      await client.getEndpointMonitoring('churn prod');
      await client.setEndpointMonitoring({ endpoint: 'churn-prod', settings });
      await client.closeMonitoringAlert('alert-1');
      await expect(client.getMonitoringOverview()).resolves.toEqual([]);

      expect(
        requests.map(({ method, url, body }) => ({ method, url, body })),
      ).toEqual([
        {
          method: 'GET',
          url: 'http://backend/api/ml/monitoring/endpoints/churn%20prod',
          body: undefined,
        },
        {
          method: 'PUT',
          url: 'http://backend/api/ml/monitoring/endpoints/churn-prod/settings',
          body: settings,
        },
        {
          method: 'POST',
          url: 'http://backend/api/ml/monitoring/alerts/alert-1/close',
          body: undefined,
        },
        {
          method: 'GET',
          url: 'http://backend/api/ml/monitoring/overview',
          body: undefined,
        },
      ]);
    });

    it("rejects closing someone else's alert with the server's 403", async () => {
      const { client } = recordingClient(
        json(
          {
            error: { name: 'NotAllowedError', message: 'Not an owner' },
            request: {
              method: 'POST',
              url: '/api/ml/monitoring/alerts/a/close',
            },
            response: { statusCode: 403 },
          },
          403,
        ),
      );

      await expect(client.closeMonitoringAlert('a')).rejects.toMatchObject({
        name: 'ResponseError',
        statusCode: 403,
      });
    });
  });
});
