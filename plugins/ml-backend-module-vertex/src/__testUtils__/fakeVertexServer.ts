import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createFakeVertexEndpoints,
  ENDPOINT_ROUTES,
  FakeVertexEndpoints,
} from './fakeVertexEndpoints';

type Json = Record<string, any>;

/** A state change a test applies, as Vertex AI would while the job runs (wire names). */
export type FakeJobUpdate = {
  state: string;
  /** `google.rpc.Status` of a failed or cancelled job. */
  error?: { code: number; message: string };
};

/**
 * A FAKE of the Vertex AI v1 REST API for custom jobs, endpoints and models (the
 * latter in `fakeVertexEndpoints.ts`, exposed as `serving`), for tests only. An HTTP server
 * on 127.0.0.1 speaking JSON as Vertex AI's REST transport does, so the real
 * `JobServiceClient` (with `fallback: true`, `protocol: 'http'`) talks to it:
 * CreateCustomJob (`POST /v1/{parent}/customJobs`), GetCustomJob (`GET /v1/{name}`),
 * ListCustomJobs (`GET /v1/{parent}/customJobs`, only the filter `labels.<key>="<value>"`)
 * and CancelCustomJob (`POST /v1/{name}:cancel`) over jobs in memory, kept as the API
 * returns them (enums as the client sent them, numbers; `state` as names). Errors are
 * Google's JSON `{"error": {code, message, status}}`. An `Authorization: Bearer` header
 * is required but not verified; jobs move only on `update`.
 */
export type FakeVertexServer = {
  /** `http://127.0.0.1:<port>`, for `ml.targets.vertex.apiEndpoint`. */
  endpoint: string;
  /** Endpoints, models and long-running operations (the serving target's resources). */
  serving: FakeVertexEndpoints;
  /** Jobs by resource name. */
  jobs: Map<string, Json>;
  /** Every authenticated request, in order, with its parsed body. */
  calls: Array<{
    operation: string;
    path: string;
    filter?: string;
    /** The query string's parameters (`endpointId`, `updateMask`, ...). */
    query: Record<string, string>;
    body: Json;
    authorization: string;
  }>;
  update(name: string, update: FakeJobUpdate): void;
  /** Makes the next call of `operation` fail with this canonical status, e.g. `RESOURCE_EXHAUSTED`. */
  failNext(operation: string, status: string, message: string): void;
  /**
   * Holds the next `parties` calls of `operation` until all of them have arrived, then
   * answers them together: racing clients all see the state before any of them acted.
   */
  barrier(operation: string, parties: number): void;
  close(): Promise<void>;
};

/** HTTP status of each canonical error status the fake answers with. */
const HTTP_STATUS: Record<string, number> = {
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  RESOURCE_EXHAUSTED: 429,
  UNIMPLEMENTED: 501,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};
const ENDED =
  /^JOB_STATE_(SUCCEEDED|FAILED|CANCELLING|CANCELLED|EXPIRED|PARTIALLY_SUCCEEDED)$/;
const JOBS = '^/v1/projects/[^/]+/locations/[^/]+/customJobs';
const ROUTES: Array<[method: string, path: RegExp, operation: string]> = [
  ['POST', new RegExp(`${JOBS}$`), 'CreateCustomJob'],
  ['GET', new RegExp(`${JOBS}$`), 'ListCustomJobs'],
  ['GET', new RegExp(`${JOBS}/\\d+$`), 'GetCustomJob'],
  ['POST', new RegExp(`${JOBS}/\\d+:cancel$`), 'CancelCustomJob'],
  ...ENDPOINT_ROUTES,
];
const LABEL_FILTER = /^labels\.([a-z0-9_-]+)="([^"]*)"$/;

/** Throws an error the server answers with Google's error JSON. */
const raise = (status: string, message: string): never => {
  throw Object.assign(new Error(message), { status });
};

async function startFakeVertexServer(): Promise<FakeVertexServer> {
  const jobs = new Map<string, Json>();
  const calls: FakeVertexServer['calls'] = [];
  const failures = new Map<string, [status: string, message: string]>();
  const barriers = new Map<
    string,
    { parties: number; waiting: Array<() => void> }
  >();
  let nextId = 1000;
  let clock = 0;
  /** RFC 3339 time that moves forward on every call, so jobs never share a createTime. */
  const now = () => {
    clock = Math.max(Date.now(), clock + 1);
    return new Date(clock).toISOString();
  };
  const find = (name: string): Json =>
    jobs.get(name) ?? raise('NOT_FOUND', `CustomJob ${name} not found.`);

  const serving = createFakeVertexEndpoints(now);
  const operations: Record<
    string,
    (path: string, body: Json, query: URLSearchParams) => Json
  > = {
    ...serving.handlers,
    CreateCustomJob(parent, body) {
      const container = body.jobSpec?.workerPoolSpecs?.[0]?.containerSpec;
      if (!body.displayName || !container?.imageUri) {
        raise(
          'INVALID_ARGUMENT',
          'displayName and a container image are required.',
        );
      }
      const name = `${parent}/customJobs/${nextId++}`;
      const created = now();
      const job = {
        ...body,
        name,
        state: 'JOB_STATE_PENDING',
        createTime: created,
        updateTime: created,
      };
      jobs.set(name, job);
      return job;
    },
    ListCustomJobs(parent, { filter }) {
      const [, key, value] =
        LABEL_FILTER.exec(filter ?? '') ??
        raise('INVALID_ARGUMENT', `Unsupported filter: ${filter}`);
      // Newest first, so the client cannot rely on the order.
      const customJobs = [...jobs.values()]
        .filter(job => job.name.startsWith(`${parent}/`))
        .filter(job => job.labels?.[key] === value)
        .reverse();
      return customJobs.length ? { customJobs } : {};
    },
    GetCustomJob: name => find(name),
    CancelCustomJob(name) {
      const job = find(name);
      if (ENDED.test(job.state)) {
        raise(
          'FAILED_PRECONDITION',
          `Cannot cancel a job in state ${job.state}.`,
        );
      }
      Object.assign(job, { state: 'JOB_STATE_CANCELLING', updateTime: now() });
      return {};
    },
  };

  const server = createServer(async (req, res) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const reply = (status: number, body: Json) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const fail = (status: string, message: string) =>
      reply(HTTP_STATUS[status] ?? 500, {
        error: { code: HTTP_STATUS[status] ?? 500, message, status },
      });

    const url = new URL(req.url ?? '/', 'http://fake');
    const [, , operation] =
      ROUTES.find(
        ([method, path]) => req.method === method && path.test(url.pathname),
      ) ?? [];
    if (!operation) {
      return fail(
        'UNIMPLEMENTED',
        `${req.method} ${url.pathname} is not faked`,
      );
    }
    /** The parent or job name in a job path; the path without `/v1/` (or `/ui/`) for the rest. */
    const resource = url.pathname
      .replace(/^\/(v1|ui)\/|:cancel$/g, '')
      .replace(/\/customJobs$/, '');
    const authorization = req.headers.authorization ?? '';
    if (!/^Bearer \S+$/.test(authorization)) {
      return fail('UNAUTHENTICATED', 'Request is missing a bearer token.');
    }
    const filter = url.searchParams.get('filter') ?? undefined;
    const body = raw ? JSON.parse(raw) : {};
    const barrier = barriers.get(operation);
    if (barrier) {
      await new Promise<void>(resolve => {
        barrier.waiting.push(resolve);
        if (barrier.waiting.length === barrier.parties) {
          barriers.delete(operation);
          barrier.waiting.forEach(release => release());
        }
      });
    }
    calls.push({
      operation,
      path: url.pathname,
      filter,
      query: Object.fromEntries(url.searchParams),
      body,
      authorization,
    });
    try {
      const failure = failures.get(operation);
      if (failure && failures.delete(operation)) raise(...failure);
      return reply(
        200,
        operations[operation](resource, { ...body, filter }, url.searchParams),
      );
    } catch (error) {
      const { status = 'INTERNAL', message } = error as Json;
      return fail(status, message);
    }
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));

  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    serving,
    jobs,
    calls,
    update(name, { state, error }) {
      const job = find(name);
      const at = now();
      Object.assign(job, { state, updateTime: at }, error && { error });
      if (state === 'JOB_STATE_RUNNING') job.startTime ??= at;
      if (ENDED.test(state) && state !== 'JOB_STATE_CANCELLING') {
        job.endTime ??= at;
      }
    },
    failNext(operation, status, message) {
      failures.set(operation, [status, message]);
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

let privateKey: string | undefined;

/** The service account the fake application default credentials sign as. */
export const FAKE_ADC_CLIENT_EMAIL =
  'ml-portal-test@fake-project.iam.gserviceaccount.com';

/**
 * Points Application Default Credentials at a throwaway service-account key, so the real
 * client signs its own bearer tokens (self-signed JWTs) without any Google endpoint, and
 * turns metadata-server detection off. `restore` puts the environment back.
 */
function useFakeApplicationDefaultCredentials(): { restore(): void } {
  privateKey ??= generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;
  const dir = mkdtempSync(join(tmpdir(), 'fake-adc-'));
  const keyFile = join(dir, 'key.json');
  writeFileSync(
    keyFile,
    JSON.stringify({
      type: 'service_account',
      project_id: 'fake-project',
      private_key_id: 'fake-key',
      private_key: privateKey,
      client_email: FAKE_ADC_CLIENT_EMAIL,
      client_id: '1',
      token_uri: 'http://127.0.0.1:9/token',
    }),
  );
  const saved = { ...process.env };
  Object.assign(process.env, {
    GOOGLE_APPLICATION_CREDENTIALS: keyFile,
    METADATA_SERVER_DETECTION: 'none',
    // Should anything still ask the metadata server, it gets a refused connection.
    GCE_METADATA_HOST: '127.0.0.1:9',
    GCE_METADATA_IP: '127.0.0.1:9',
  });
  delete process.env.GOOGLE_CLOUD_UNIVERSE_DOMAIN;
  return {
    restore() {
      process.env = saved;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs a fake Vertex AI server, and fake application default credentials, around each
 * test of the calling suite. Returns a getter for the running server: hooks declared
 * after the call see it.
 */
export function useFakeVertexServer(): () => FakeVertexServer {
  let adc: ReturnType<typeof useFakeApplicationDefaultCredentials>;
  let server: FakeVertexServer;
  beforeEach(async () => {
    adc = useFakeApplicationDefaultCredentials();
    server = await startFakeVertexServer();
  });
  afterEach(async () => {
    await server.close();
    adc.restore();
  });
  return () => server;
}
