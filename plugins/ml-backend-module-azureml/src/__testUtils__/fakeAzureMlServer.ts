import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import {
  createFakeAzureMlEndpoints,
  FakeAzureMlEndpoints,
  FakeRoute,
  FakeServingOperation,
} from './fakeAzureMlEndpoints';

type Json = Record<string, any>;

/** A status change a test applies, as Azure ML would while the job runs (wire names). */
export type FakeJobUpdate = {
  status: string;
  /** The run's error, as run history reports it (`error.error`). */
  error?: { code: string; message: string };
};

/** The operations the fake serves, as named in `calls` and `failNext`. */
export type FakeOperation =
  | 'GetJob'
  | 'PutJob'
  | 'CancelJob'
  | 'GetOperation'
  | 'GetCompute'
  | 'PutEnvironment'
  | 'GetRunDetails'
  | 'GetToken'
  | FakeServingOperation;

/**
 * A FAKE of the Azure Machine Learning REST API, for tests only. An HTTP server on
 * 127.0.0.1 serving, for one workspace, the ARM paths the `azureml` target uses (jobs
 * GET/PUT, `jobs/{name}/cancel` POST answered 202 with a `Location` to poll, computes
 * GET, environment versions PUT; all requiring `api-version`), run history's
 * `runs/{name}/details`, and an App Service style managed identity token endpoint
 * (`/msi/token`, for `DefaultAzureCredential` in module tests). Errors are ARM error
 * JSON `{"error": {"code", "message"}}`. `Authorization: Bearer` is required but not
 * verified. Jobs live in memory and move only on `update`. Online endpoints are served
 * by `fakeAzureMlEndpoints.ts`. Unlike Azure ML, which
 * updates a few fields of an existing job, the fake refuses any PUT on an existing job,
 * so tests notice a second create.
 */
export type FakeAzureMlServer = {
  endpoint: string;
  /** Online endpoints, deployments and model versions (the serving target's resources). */
  serving: FakeAzureMlEndpoints;
  /** Jobs as ARM `JobBase` bodies, by name. */
  jobs: Map<string, Json>;
  /** Environment versions by `<name>/<version>`. */
  environments: Map<string, Json>;
  /** Every authorised request, in order, with its parsed body. */
  calls: Array<{
    operation: FakeOperation;
    method: string;
    path: string;
    body?: Json;
    authorization?: string;
  }>;
  /** Adds a compute of the workspace (an AmlCompute cluster unless `computeType` says otherwise). */
  addCompute(
    name: string,
    options?: {
      vmPriority?: 'Dedicated' | 'LowPriority';
      computeType?: string;
    },
  ): void;
  update(name: string, update: FakeJobUpdate): void;
  /** Makes the next call of `operation` fail with this HTTP status and ARM error. */
  failNext(
    operation: FakeOperation,
    status: number,
    code: string,
    message: string,
  ): void;
  /**
   * Holds the next `parties` calls of `operation` until all of them have arrived, then
   * answers them together: racing clients all see the state before any of them acted.
   */
  barrier(operation: FakeOperation, parties: number): void;
  close(): Promise<void>;
};

/** Throws an error the server answers as an ARM error. */
const raise = (status: number, code: string, message: string): never => {
  throw Object.assign(new Error(message), { status, code });
};

const ENDED = /^(Completed|Failed|Canceled)$/;
const API_VERSION = /[?&]api-version=\d{4}-\d{2}-\d{2}/;

export async function startFakeAzureMlServer(
  workspace = {
    subscriptionId: '00000000-1111-2222-3333-444444444444',
    resourceGroup: 'ml-rg',
    workspace: 'ml-ws',
  },
): Promise<FakeAzureMlServer> {
  const jobs = new Map<string, Json>();
  const runs = new Map<string, Json>();
  const environments = new Map<string, Json>();
  const computes = new Map<string, Json>();
  const calls: FakeAzureMlServer['calls'] = [];
  const failures = new Map<FakeOperation, [number, string, string]>();
  const barriers = new Map<
    FakeOperation,
    { parties: number; waiting: Array<() => void> }
  >();
  let endpoint = '';

  const { subscriptionId, resourceGroup } = workspace;
  const workspaceId = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${workspace.workspace}`;
  const now = () => new Date().toISOString();
  const findJob = (name: string): Json =>
    jobs.get(name) ?? raise(404, 'UserError', `Job ${name} not found.`);

  const update = (name: string, { status, error }: FakeJobUpdate) => {
    const job = findJob(name);
    const run = runs.get(name)!;
    job.properties.status = status;
    run.status = status;
    if (status === 'Running') run.startTimeUtc ??= now();
    if (ENDED.test(status)) run.endTimeUtc ??= now();
    if (error) run.error = { error };
  };

  type Route = FakeRoute<FakeOperation>;
  const arm = <Operation extends FakeOperation>(
    operation: Operation,
    method: string,
    path: string,
    handle: Route['handle'],
  ): FakeRoute<Operation> => ({
    operation,
    method,
    path: new RegExp(`^${workspaceId}${path}$`, 'i'),
    arm: true,
    handle,
  });

  const serving = createFakeAzureMlEndpoints({
    workspaceId,
    subscriptionId,
    baseUrl: () => endpoint,
    arm,
    raise,
  });
  const routes: Route[] = [
    ...serving.routes,
    arm('GetJob', 'GET', '/jobs/([^/]+)', ([name]) => [200, findJob(name)]),
    arm('PutJob', 'PUT', '/jobs/([^/]+)', ([name], { properties }) => {
      if (jobs.has(name)) raise(409, 'Conflict', `Job ${name} already exists.`);
      const { computeId, environmentId } = properties ?? {};
      if (properties?.jobType !== 'Command' || !properties.command) {
        raise(400, 'UserError', 'A command job needs jobType and command.');
      }
      const compute = String(computeId).split('/computes/');
      if (compute[0] !== workspaceId || !computes.has(compute[1])) {
        raise(400, 'UserError', `Compute ${computeId} not found.`);
      }
      const environment = /\/environments\/([^/]+)\/versions\/([^/]+)$/.exec(
        environmentId,
      );
      if (
        environment &&
        !environments.has(`${environment[1]}/${environment[2]}`)
      ) {
        raise(400, 'UserError', `Environment ${environmentId} not found.`);
      }
      const host = new URL(endpoint).host;
      const job = {
        id: `${workspaceId}/jobs/${name}`,
        name,
        type: 'Microsoft.MachineLearningServices/workspaces/jobs',
        properties: {
          ...properties,
          status: 'NotStarted',
          services: {
            Tracking: {
              jobServiceType: 'Tracking',
              endpoint: `azureml://${host}/mlflow/v1.0${workspaceId}?`,
            },
            Studio: {
              jobServiceType: 'Studio',
              endpoint: `https://ml.azure.com/runs/${name}`,
            },
          },
        },
        systemData: {
          createdAt: now(),
          createdBy: 'fake',
          lastModifiedAt: now(),
        },
      };
      jobs.set(name, job);
      runs.set(name, { runId: name, status: 'NotStarted', warnings: [] });
      return [201, job];
    }),
    arm('CancelJob', 'POST', '/jobs/([^/]+)/cancel', ([name]) => {
      const job = findJob(name);
      if (ENDED.test(job.properties.status)) {
        raise(400, 'UserError', `Job ${name} is ${job.properties.status}.`);
      }
      update(name, { status: 'CancelRequested' });
      const location = `${endpoint}/subscriptions/${subscriptionId}/providers/Microsoft.MachineLearningServices/locations/eastus/mfeOperationResults/jc:${name}?api-version=2022-10-01`;
      return [202, {}, { location, 'retry-after': '0' }];
    }),
    arm('GetCompute', 'GET', '/computes/([^/]+)', ([name]) => [
      200,
      computes.get(name) ??
        raise(404, 'ResourceNotFound', `Compute ${name} not found.`),
    ]),
    arm(
      'PutEnvironment',
      'PUT',
      '/environments/([^/]+)/versions/([^/]+)',
      ([name, version], { properties }) => {
        const key = `${name}/${version}`;
        const existing = environments.get(key);
        if (
          existing &&
          JSON.stringify(existing.properties) !== JSON.stringify(properties)
        ) {
          raise(
            409,
            'UserError',
            `Environment ${key} exists with other properties.`,
          );
        }
        const environment = {
          id: `${workspaceId}/environments/${key}`,
          name: version,
          properties,
        };
        environments.set(key, environment);
        return [existing ? 200 : 201, environment];
      },
    ),
    {
      operation: 'GetOperation',
      method: 'GET',
      path: /^\/subscriptions\/[^/]+\/providers\/Microsoft\.MachineLearningServices\/locations\/[^/]+\/mfeOperationResults\/jc:([^/]+)$/,
      arm: true,
      handle: ([name]) =>
        findJob(name).properties.status === 'CancelRequested'
          ? [202, {}, { 'retry-after': '0' }]
          : [200, {}],
    },
    {
      operation: 'GetRunDetails',
      method: 'GET',
      path: new RegExp(
        `^/history/v1\\.0${workspaceId}/runs/([^/]+)/details$`,
        'i',
      ),
      arm: false,
      handle: ([name]) => [
        200,
        runs.get(name) ?? raise(404, 'UserError', `Run ${name} not found.`),
      ],
    },
  ];

  const server = createServer(async (req, res) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const reply = (status: number, body: Json, headers: Json = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    const fail = (status: number, code: string, message: string) =>
      reply(status, { error: { code, message } });

    const url = new URL(req.url ?? '/', endpoint);
    if (url.pathname === '/msi/token') {
      // App Service managed identity protocol (api-version 2019-08-01).
      if (!req.headers['x-identity-header']) {
        return fail(401, 'Unauthorized', 'X-IDENTITY-HEADER is missing');
      }
      calls.push({ operation: 'GetToken', method: 'GET', path: url.pathname });
      return reply(200, {
        access_token: 'fake-managed-identity-token',
        expires_on: String(Math.floor(Date.now() / 1000) + 3600),
        resource: url.searchParams.get('resource'),
        token_type: 'Bearer',
      });
    }

    let match: RegExpExecArray | null = null;
    const route = routes.find(
      r => r.method === req.method && (match = r.path.exec(url.pathname)),
    );
    if (!route || !match) {
      return fail(
        404,
        'NoRegisteredProviderFound',
        `No route ${req.method} ${url.pathname}`,
      );
    }
    if (route.arm && !API_VERSION.test(req.url ?? '')) {
      return fail(
        400,
        'MissingApiVersionParameter',
        'The api-version query parameter is required.',
      );
    }
    const authorization = req.headers.authorization;
    if (!/^Bearer \S+$/.test(authorization ?? '')) {
      return fail(401, 'AuthenticationFailed', 'Authentication failed.');
    }
    const body = raw ? JSON.parse(raw) : undefined;
    const barrier = barriers.get(route.operation);
    if (barrier) {
      await new Promise<void>(resolve => {
        barrier.waiting.push(resolve);
        if (barrier.waiting.length === barrier.parties) {
          barriers.delete(route.operation);
          barrier.waiting.forEach(release => release());
        }
      });
    }
    calls.push({
      operation: route.operation,
      method: req.method!,
      path: url.pathname,
      body,
      authorization,
    });
    try {
      const failure = failures.get(route.operation);
      if (failure && failures.delete(route.operation)) raise(...failure);
      const [status, answer, headers] = route.handle(
        (match as RegExpExecArray).slice(1).map(decodeURIComponent),
        body ?? {},
      );
      return reply(status, answer, headers);
    } catch (error) {
      const {
        status = 500,
        code = 'InternalServerError',
        message,
      } = error as Json;
      return fail(status, code, message);
    }
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    endpoint,
    serving,
    jobs,
    environments,
    calls,
    addCompute(
      name,
      { vmPriority = 'Dedicated', computeType = 'AmlCompute' } = {},
    ) {
      computes.set(name, {
        id: `${workspaceId}/computes/${name}`,
        name,
        properties: {
          computeType,
          ...(computeType === 'AmlCompute' && {
            properties: { vmSize: 'STANDARD_NC24ADS_A100_V4', vmPriority },
          }),
        },
      });
    },
    update,
    failNext(operation, status, code, message) {
      failures.set(operation, [status, code, message]);
    },
    barrier(operation, parties) {
      barriers.set(operation, { parties, waiting: [] });
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise(resolve => server.close(resolve));
    },
  };
}

/**
 * Runs a fake Azure ML server around each test of the calling suite, with the
 * environment pointing DefaultAzureCredential, in these tests only, at an App Service
 * style managed identity the fake serves. Returns a getter for the running server.
 */
export function useFakeAzureMlServerWithManagedIdentity(): () => FakeAzureMlServer {
  const savedEnv = { ...process.env };
  let server: FakeAzureMlServer;
  beforeEach(async () => {
    server = await startFakeAzureMlServer();
    process.env.AZURE_TOKEN_CREDENTIALS = 'ManagedIdentityCredential';
    process.env.IDENTITY_ENDPOINT = `${server.endpoint}/msi/token`;
    process.env.IDENTITY_HEADER = 'fake-identity-header';
  });
  afterEach(async () => {
    process.env = { ...savedEnv };
    await server.close();
  });
  return () => server;
}
