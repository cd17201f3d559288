/**
 * Malformed and adversarial requests to the MLflow API and the portal API, generated
 * deterministically from a seed, and a runner that sends them while it probes
 * `/api/ml/health`. Shared by `src/mlflow/adversarial.test.ts` (a portal in the test
 * process) and `bench/adversarial.ts` (a backend in a child process).
 *
 * What is generated: long strings, regex-hostile runs (100k backslashes, slashes,
 * digits), deep JSON nesting, huge lists, bad %-encodings, invalid UTF-8, prototype
 * names (`__proto__`, `constructor`, `toString`) as keys, filter fields, names and
 * paths, and values of the wrong type, on every MLflow endpoint and the portal's.
 */
import http from 'node:http';
import { prng } from './prng';

/** One generated request. `path` is sent as it is: bad %-escapes and raw bytes included. */
export type AdversarialRequest = {
  api: 'mlflow' | 'portal';
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** What was generated, for failure reports. */
  label: string;
  /**
   * The path holds raw bytes 0x80-0xFF, which Node's HTTP parser refuses itself (400,
   * empty body, connection closed) before the request reaches any application code.
   */
  rawBytes?: boolean;
};

/** Ids of real objects, so that some requests get past the lookups. */
export type Fixtures = {
  experimentId: string;
  runId: string;
  modelName: string;
};

const MLFLOW = '/api/ml/mlflow';
const BIG = 100_000;

/** %-encodes text, lone surrogates (which `encodeURIComponent` refuses) as U+FFFD. */
const encode = (text: string) =>
  encodeURIComponent(Buffer.from(text, 'utf8').toString('utf8'));

/** A JSON fragment written as it is: deep nesting, `__proto__` keys, raw text. */
class Raw {
  constructor(readonly json: string) {}
}

/** JSON with {@link Raw} fragments spliced in. */
function toJson(value: unknown): string {
  if (value instanceof Raw) return value.json;
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${toJson(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const PROTOTYPE_NAMES = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'prototype',
  '__defineGetter__',
];

/** MLflow endpoints, `METHOD path` as the routers declare them, and a few that are not. */
const MLFLOW_ENDPOINTS = [
  'POST experiments/create',
  'GET experiments/get',
  'GET experiments/get-by-name',
  'POST experiments/search',
  'GET experiments/search',
  'GET experiments/list',
  'POST experiments/update',
  'POST experiments/delete',
  'POST experiments/restore',
  'POST experiments/set-experiment-tag',
  'POST runs/create',
  'GET runs/get',
  'POST runs/update',
  'POST runs/delete',
  'POST runs/restore',
  'POST runs/search',
  'GET runs/search',
  'POST runs/log-metric',
  'POST runs/log-parameter',
  'POST runs/set-tag',
  'POST runs/delete-tag',
  'POST runs/log-batch',
  'POST runs/log-inputs',
  'POST runs/log-model',
  'GET artifacts/list',
  'GET metrics/get-history',
  'GET metrics/get-history-bulk-interval',
  'POST registered-models/create',
  'GET registered-models/get',
  'POST registered-models/rename',
  'PATCH registered-models/update',
  'DELETE registered-models/delete',
  'GET registered-models/search',
  'POST registered-models/get-latest-versions',
  'GET registered-models/get-latest-versions',
  'POST registered-models/set-tag',
  'DELETE registered-models/delete-tag',
  'POST registered-models/alias',
  'DELETE registered-models/alias',
  'GET registered-models/alias',
  'POST model-versions/create',
  'GET model-versions/get',
  'PATCH model-versions/update',
  'DELETE model-versions/delete',
  'GET model-versions/search',
  'POST model-versions/set-tag',
  'DELETE model-versions/delete-tag',
  'GET model-versions/get-download-uri',
  'POST model-versions/transition-stage',
  // Not endpoints.
  'GET experiments/__proto__',
  'POST constructor',
  'GET runs/toString',
  'POST runs/search/../../experiments/search',
];

/** Every field name the MLflow endpoints read. */
const FIELDS = [
  'name',
  'experiment_id',
  'experiment_name',
  'experiment_ids',
  'artifact_location',
  'filter',
  'order_by',
  'max_results',
  'page_token',
  'view_type',
  'run_view_type',
  'new_name',
  'key',
  'value',
  'timestamp',
  'step',
  'run_id',
  'run_uuid',
  'run_ids',
  'run_name',
  'start_time',
  'end_time',
  'status',
  'user_id',
  'tags',
  'metrics',
  'params',
  'datasets',
  'model_json',
  'path',
  'metric_key',
  'start_step',
  'end_step',
  'description',
  'source',
  'version',
  'alias',
  'stage',
  'stages',
  'archive_existing_versions',
];

/** The request generator for one seed. */
export function createGenerator(seed: number, fixtures: Fixtures) {
  const random = prng(seed);
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)];
  const chance = (p: number) => random() < p;
  const repeat = (text: string, length: number) =>
    text.repeat(Math.ceil(length / text.length)).slice(0, length);
  const big = () => (chance(0.5) ? BIG : 1000 + int(20_000));

  const junk = (length: number) => {
    const alphabet =
      'abc XYZ019_.-:/\\\'"`%()[]{},;=<>!*?#&|~^$@\t\n\u00e9\u4e2d\ud83d\ude00\u0000\ud800';
    let text = '';
    for (let i = 0; i < length; i++) text += alphabet[int(alphabet.length)];
    return text;
  };

  const ids = () =>
    pick([
      fixtures.experimentId,
      fixtures.runId,
      fixtures.modelName,
      '0',
      '1',
      '-1',
      '999999999999999999999',
      'a'.repeat(33),
    ]);

  const hostileStrings = (): string => {
    const n = big();
    return pick([
      () => repeat('\\', n),
      () => `${repeat('\\', n)}x`,
      () => repeat('/', n),
      () => `${repeat('/', n)}x`,
      () => `x${repeat('/', n)}`,
      () => `runs:/${fixtures.runId}/${repeat('/', n)}x`,
      () => `runs:/${fixtures.runId}${repeat('/', n)}`,
      () => `runs:/${repeat('a', n)}\n`,
      () => `mlflow-artifacts:/${repeat('/', n)}`,
      () => `file://${repeat('a/', n)}`,
      () => `s3://bucket/${repeat('/', n)}`,
      () => `>=${repeat('1', n)}x`,
      () => `${repeat('1', n)}.`,
      () => repeat(' ', n),
      () => repeat('a', n),
      () => repeat('%', n),
      () => repeat('\u00e9', n),
      () => repeat('\ud83d\ude00', n),
      () => repeat('\ud800', 1000),
      () => junk(1 + int(2000)),
    ])();
  };

  const pageToken = () =>
    pick([
      () => Buffer.from('{"offset":-1}').toString('base64url'),
      () => Buffer.from('{"offset":1e300}').toString('base64url'),
      () => Buffer.from('{"__proto__":{"offset":1}}').toString('base64url'),
      () => Buffer.from('{"constructor":1}').toString('base64url'),
      () => Buffer.from(repeat('[', 5000)).toString('base64url'),
      () => repeat('A', big()),
      () => `${repeat('A', big())}===`,
      () => '!!!',
    ])();

  const strings = (): string =>
    chance(0.3)
      ? hostileStrings()
      : pick([
          () => '',
          () => 'a',
          () => pick(PROTOTYPE_NAMES),
          () => `mlflow.${pick(PROTOTYPE_NAMES)}`,
          () => "'; DROP TABLE ml_runs; --",
          () => '%E0%A4%A',
          () => '\u0000',
          () => 'NaN',
          () => 'Infinity',
          () => '1e309',
          () => '9007199254740993',
          () => 'ACTIVE_ONLY',
          () => 'DELETED_ONLY',
          () => 'production',
          () => 'None',
          () => ids(),
          () => junk(1 + int(50)),
          () => pageToken(),
        ])();

  const filters = (): string =>
    pick([
      () => `${pick(PROTOTYPE_NAMES)}.x = 'a'`,
      () => `${pick(PROTOTYPE_NAMES)} = 'a'`,
      () => `attributes.${pick(PROTOTYPE_NAMES)} = 'a'`,
      () =>
        `${pick(['params', 'tags', 'metrics', 'datasets'])}.${pick(
          PROTOTYPE_NAMES,
        )} ${pick(['=', 'LIKE', '>', 'IN', 'IS NULL'])} 'a'`,
      () => `tags.x LIKE '${repeat('\\', big())}'`,
      () => `tags.x ILIKE '${repeat('\\', big())}x'`,
      () => `name LIKE '${repeat('\\', big())}'`,
      () =>
        `params.a IN (${Array.from(
          { length: 500 + int(5000) },
          (_, i) => `'v${i}'`,
        ).join(',')})`,
      () =>
        Array.from(
          { length: 50 + int(500) },
          (_, i) => `params.p${i} = 'x'`,
        ).join(' AND '),
      () => `metrics.a > ${repeat('9', 400)}`,
      () => `metrics.a > -${repeat('9', 400)}.5e99999`,
      () => `start_time = ${repeat('1', 30)}`,
      () => `start_time = 1.5`,
      () => `run_name = '${repeat('x', big())}'`,
      () => repeat('(', big()),
      () => repeat("'", big()),
      () => repeat('`', big()),
      () => `params.${repeat('a.', big() / 2)} = 'x'`,
      () => `params.\`${repeat('x', big())}\` = 'x'`,
      () => repeat('a', big()),
      () => `metrics.x > 1 OR metrics.y < 2`,
      () => `status IN ()`,
      () => `version_number = 1e400`,
      () => `run_id IN ('${fixtures.runId}', '${repeat('/', 5000)}')`,
      () => junk(1 + int(500)),
      () => strings(),
    ])();

  const orderBy = (): unknown =>
    pick([
      () => [pick(PROTOTYPE_NAMES)],
      () => [`${pick(PROTOTYPE_NAMES)} DESC`],
      () => [`metrics.\`${repeat('x', big())}\``],
      () => [`params.a ${pick(['ASC', 'DESC', 'SIDEWAYS', ''])}`],
      () => Array.from({ length: 101 + int(20_000) }, () => 'metrics.a'),
      () => [filters()],
      () => strings(),
    ])();

  const numbers = (): unknown =>
    pick([
      0,
      -1,
      1.5,
      1e308,
      -1e308,
      2 ** 53 + 1,
      2 ** 63,
      Number.MAX_SAFE_INTEGER,
      new Raw('1e99999'),
      new Raw('-0'),
    ]);

  const deep = (depth: number) =>
    new Raw(
      chance(0.5)
        ? `${repeat('[', depth)}${repeat(']', depth)}`
        : `${repeat('{"a":', depth * 5)}1${repeat('}', depth)}`,
    );

  const objects = (): unknown =>
    pick([
      () => ({}),
      () => ({ toString: 1 }),
      () => ({ toString: 1, valueOf: 1 }),
      () => new Raw('{"__proto__":{"polluted":1}}'),
      () => new Raw('{"__proto__":null,"key":"k","value":"v"}'),
      () => ({ constructor: { prototype: { polluted: 1 } } }),
      () => ({ key: pick(PROTOTYPE_NAMES), value: strings() }),
      () => ({ key: strings(), value: strings(), timestamp: numbers() }),
      () => ({ dataset: objects(), tags: values() }),
      () => ({
        dataset: {
          name: strings(),
          digest: strings(),
          source_type: strings(),
          source: strings(),
          schema: values(),
          profile: values(),
        },
        tags: [{ key: strings(), value: strings() }],
      }),
      () => deep(10 + int(10_000)),
    ])();

  const lists = (): unknown =>
    pick([
      () => [],
      () => [strings()],
      () => [ids(), ids()],
      () => Array.from({ length: 1001 + int(20_000) }, (_, i) => String(i)),
      () => Array.from({ length: 1 + int(50) }, () => objects()),
      () => [[[strings()]]],
      () => [null],
      () => [{ toString: 1 }],
      () =>
        Array.from({ length: 1 + int(2000) }, () => ({
          key: `m${int(10)}`,
          value: numbers(),
          timestamp: numbers(),
          step: numbers(),
        })),
      () => deep(10 + int(10_000)),
    ])();

  function values(): unknown {
    const kind = random();
    if (kind < 0.45) return strings();
    if (kind < 0.55) return numbers();
    if (kind < 0.6) return pick([true, false, null]);
    if (kind < 0.8) return lists();
    return objects();
  }

  /** A value for a field: what the field is about half the time, anything otherwise. */
  function valueFor(field: string): unknown {
    if (chance(0.5)) return values();
    switch (field) {
      case 'filter':
        return filters();
      case 'order_by':
        return orderBy();
      case 'page_token':
        return pageToken();
      case 'experiment_ids':
      case 'run_ids':
      case 'stages':
        return lists();
      case 'experiment_id':
      case 'run_id':
      case 'run_uuid':
        return chance(0.6) ? ids() : strings();
      case 'name':
      case 'experiment_name':
      case 'new_name':
        return chance(0.3) ? fixtures.modelName : strings();
      case 'tags':
      case 'metrics':
      case 'params':
      case 'datasets':
        return lists();
      case 'model_json':
        return pick([
          () => toJson(deep(200 + int(20_000))),
          () => '{"flavors":{}}',
          () => repeat('{', big()),
          () => strings(),
        ])();
      case 'max_results':
      case 'start_time':
      case 'end_time':
      case 'timestamp':
      case 'step':
        return numbers();
      default:
        return strings();
    }
  }

  /** A request body of fields, or something that is not one. */
  function body(fields: Record<string, unknown>): {
    body: Buffer;
    headers: Record<string, string>;
    label: string;
  } {
    const json = { 'content-type': 'application/json' };
    const mode = random();
    if (mode < 0.8) {
      return {
        body: Buffer.from(toJson(fields)),
        headers: json,
        label: 'json',
      };
    }
    return pick([
      () => ({
        body: Buffer.from('{"name":'),
        headers: json,
        label: 'truncated',
      }),
      () => ({
        // Invalid UTF-8 inside a JSON string.
        body: Buffer.concat([
          Buffer.from('{"name":"'),
          Buffer.from([0xff, 0xfe, 0xc0, 0xaf, 0xed, 0xa0, 0x80]),
          Buffer.from('"}'),
        ]),
        headers: json,
        label: 'invalid utf-8',
      }),
      () => ({
        body: Buffer.from(toJson(deep(5000 + int(100_000)))),
        headers: json,
        label: 'deep body',
      }),
      () => ({
        body: Buffer.from(`{${repeat('"a":1,', 200_000)}"b":2}`),
        headers: json,
        label: 'over 1 MB',
      }),
      () => ({ body: Buffer.from('5'), headers: json, label: 'scalar' }),
      () => ({
        body: Buffer.from(toJson([fields])),
        headers: json,
        label: 'array',
      }),
      () => ({
        body: Buffer.from(toJson(fields)),
        headers: { 'content-type': 'text/plain' },
        label: 'text/plain',
      }),
      () => ({
        body: Buffer.from(toJson(fields)),
        headers: { ...json, 'content-encoding': pick(['gzip', 'br', 'x']) },
        label: 'bad encoding',
      }),
      () => ({
        body: Buffer.from(toJson(fields)),
        headers: { 'content-type': 'application/json; charset=utf-7' },
        label: 'bad charset',
      }),
    ])();
  }

  /** A query string, bad escapes and qs syntax included, within Node's header limit. */
  function query(fields: Record<string, unknown>): string {
    const parts: string[] = [];
    for (const [key, value] of Object.entries(fields)) {
      const text = (v: unknown) =>
        encode((typeof v === 'string' ? v : toJson(v)).slice(0, 1500));
      const shape = random();
      if (shape < 0.6) parts.push(`${key}=${text(value)}`);
      else if (shape < 0.7) parts.push(`${key}[]=${text(value)}&${key}[]=b`);
      else if (shape < 0.75) parts.push(`${key}[${pick(PROTOTYPE_NAMES)}]=x`);
      else if (shape < 0.8) parts.push(`${key}[a][b][c][d][e][f]=x`);
      else if (shape < 0.9)
        parts.push(`${key}=${pick(['%', '%E0%A4%A', '%ZZ', '%C0%AF', '%FF'])}`);
      else
        parts.push(
          Array.from({ length: 300 }, (_, i) => `${key}=${i}`).join('&'),
        );
    }
    if (chance(0.1)) parts.push(`${pick(PROTOTYPE_NAMES)}[polluted]=1`);
    return parts.join('&').slice(0, 7000);
  }

  function fieldsFor(): Record<string, unknown> {
    const fields: Record<string, unknown> = {};
    for (let i = int(6); i >= 0; i--) {
      const field = chance(0.1) ? pick(PROTOTYPE_NAMES) : pick(FIELDS);
      fields[field] = valueFor(field);
    }
    return fields;
  }

  function mlflowRequest(): AdversarialRequest {
    const [declared, endpoint] = pick(MLFLOW_ENDPOINTS).split(' ');
    const method = (
      chance(0.1) ? pick(['GET', 'POST', 'PATCH', 'DELETE']) : declared
    ) as AdversarialRequest['method'];
    const prefix = pick(['/api/2.0/mlflow', '/ajax-api/2.0/mlflow']);
    const fields = fieldsFor();
    if (method === 'GET') {
      return {
        api: 'mlflow',
        method,
        path: `${MLFLOW}${prefix}/${endpoint}?${query(fields)}`,
        label: `GET ${endpoint}`,
      };
    }
    const generated = body(fields);
    return {
      api: 'mlflow',
      method,
      path: `${MLFLOW}${prefix}/${endpoint}${
        method === 'DELETE' && chance(0.3) ? `?${query(fieldsFor())}` : ''
      }`,
      headers: generated.headers,
      body: generated.body,
      label: `${method} ${endpoint} (${generated.label})`,
    };
  }

  /** An artifact path: real ones, traversal, bad escapes, raw bytes, long runs. */
  function artifactPath(): string {
    const real = `${fixtures.experimentId}/${fixtures.runId}/artifacts`;
    return pick([
      () => `${real}/model/MLmodel`,
      () => `${real}/${encode(junk(1 + int(30)))}`,
      () => `${real}/${pick(['%', '%E0%A4%A', '%ZZ', '%C0%AF', '%FF%FE'])}`,
      () => `${pick(['%', '%E0%A4%A', '%ZZ'])}/x`,
      () => '..%2F..%2Fetc%2Fpasswd',
      () => `${real}/..%2F..%2F..%2Fx`,
      () => `${real}/${repeat('/', 5000)}x`,
      () => `${real}/${repeat('%5C', 2000)}`,
      () => `${real}/\\..\\x`,
      // Raw bytes 0x80-0xFF: not UTF-8 (see AdversarialRequest.rawBytes).
      () => `${real}/\u00ff\u00fe\u00c0\u00af`,
      () => `${pick(PROTOTYPE_NAMES)}/${pick(PROTOTYPE_NAMES)}`,
      () => `${fixtures.experimentId}/${pick(PROTOTYPE_NAMES)}/artifacts/x`,
      () => `%00/x`,
      () => '.staging/x',
      () => `${real}/${repeat('a', 6000)}`,
    ])();
  }

  function artifactRequest(): AdversarialRequest {
    const prefix = `${MLFLOW}${pick([
      '/api/2.0/mlflow-artifacts/artifacts',
      '/ajax-api/2.0/mlflow-artifacts/artifacts',
    ])}`;
    if (chance(0.25)) {
      return {
        api: 'mlflow',
        method: 'GET',
        path: `${prefix}?${pick([
          () => `path=${encode(artifactPath())}`,
          () => `path=${artifactPath()}`,
          () => 'path[]=a&path[]=b',
          () => `path[${pick(PROTOTYPE_NAMES)}]=x`,
          () => 'path=%FF',
          () => query(fieldsFor()),
        ])()}`,
        label: 'GET artifacts listing',
      };
    }
    const method = pick(['GET', 'PUT', 'DELETE', 'POST'] as const);
    return {
      api: 'mlflow',
      method,
      path: `${prefix}/${artifactPath()}`,
      ...(method === 'PUT' && {
        headers: { 'content-type': 'application/octet-stream' },
        body: Buffer.from(junk(int(2000))),
      }),
      label: `${method} artifact`,
    };
  }

  function portalRequest(): AdversarialRequest {
    const id = () =>
      pick([
        () => encode(strings().slice(0, 2000)),
        () => pick(['%', '%E0%A4%A', '%ZZ', '%FF']),
        () => pick(PROTOTYPE_NAMES),
        () => ids(),
      ])();
    const search = () =>
      query({
        filter: chance(0.7) ? filters() : values(),
        orderBy: orderBy(),
        maxResults: numbers(),
        pageToken: pageToken(),
        viewType: strings(),
        owner: strings(),
        [pick(PROTOTYPE_NAMES)]: 'x',
      });
    const route = pick([
      () => ({ method: 'GET', path: `/experiments?${search()}` }),
      () => ({ method: 'GET', path: `/experiments/${id()}` }),
      () => ({ method: 'GET', path: `/runs/${id()}` }),
      () => ({
        method: 'GET',
        path: `/runs/${
          chance(0.5) ? fixtures.runId : id()
        }/metric-history?${query({ key: strings(), maxPoints: numbers() })}`,
      }),
      () => ({
        method: 'GET',
        path: `/runs/${chance(0.5) ? fixtures.runId : id()}/artifacts${
          chance(0.5) ? '/content' : ''
        }?${query({ path: artifactPath() })}`,
      }),
      () => {
        const generated = body({
          experimentIds: chance(0.5)
            ? lists()
            : Array.from({ length: 1001 + int(20_000) }, (_, i) => `${i}`),
          filter: chance(0.7) ? filters() : values(),
          orderBy: orderBy(),
          maxResults: numbers(),
          pageToken: pageToken(),
          viewType: strings(),
          ...(chance(0.2) && { [pick(PROTOTYPE_NAMES)]: values() }),
        });
        return {
          method: 'POST',
          path: '/runs/search',
          headers: generated.headers,
          body: generated.body,
        };
      },
    ])() as Omit<AdversarialRequest, 'api' | 'label'>;
    return {
      api: 'portal',
      ...route,
      path: `/api/ml${route.path}`,
      label: `${route.method} portal ${route.path.split(/[?/]/)[1]}`,
    };
  }

  return {
    next(): AdversarialRequest {
      const kind = random();
      let generate = portalRequest;
      if (kind < 0.7) generate = mlflowRequest;
      else if (kind < 0.85) generate = artifactRequest;
      const request = generate();
      // eslint-disable-next-line no-control-regex
      return /[^\x00-\x7f]/.test(request.path)
        ? { ...request, rawBytes: true }
        : request;
    },
  };
}

/** What the backend answered to one request. */
export type AdversarialResponse = {
  request: AdversarialRequest;
  status: number;
  /** The first 2,000 characters of the body. */
  text: string;
  /** MLflow's `error_code` when the body is JSON that has one. */
  errorCode?: string;
  /** From sending to the end of the answer. */
  ms: number;
};

function errorCodeOf(text: string): string | undefined {
  try {
    const code = JSON.parse(text)?.error_code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

function send(
  agent: http.Agent,
  baseUrl: URL,
  request: Pick<AdversarialRequest, 'method' | 'path' | 'headers' | 'body'>,
  timeoutMs: number,
): Promise<{ status: number; text: string }> {
  return new Promise(resolve => {
    const req = http.request(
      {
        agent,
        host: baseUrl.hostname,
        port: baseUrl.port,
        method: request.method,
        // Latin-1 on the wire: characters 0x80-0xFF go out as single, non-UTF-8 bytes.
        path: request.path,
        headers: {
          ...request.headers,
          ...(request.body && { 'content-length': request.body.length }),
        },
        timeout: timeoutMs,
      },
      res => {
        const chunks: Buffer[] = [];
        res.on('data', chunk => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', error =>
          resolve({ status: 0, text: `response error: ${error}` }),
        );
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`no answer within ${timeoutMs} ms`)),
    );
    // A connection the server closed (after a 413, say) is an answer of its own.
    req.on('error', error => resolve({ status: 0, text: `${error}` }));
    req.end(request.body);
  });
}

/** Sorted-sample percentile. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[
    Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))
  ];
}

/**
 * Sends `count` generated requests, `concurrency` at a time, and meanwhile asks
 * `/api/ml/health` again and again on a connection of its own, recording how long each
 * answer took: how long the event loop was held.
 */
export async function runBarrage(options: {
  baseUrl: string;
  seed: number;
  count: number;
  fixtures: Fixtures;
  concurrency?: number;
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** Pause between health probes. */
  probeIntervalMs?: number;
}) {
  const {
    seed,
    count,
    fixtures,
    concurrency = 8,
    headers = {},
    timeoutMs = 60_000,
    probeIntervalMs = 20,
  } = options;
  const baseUrl = new URL(options.baseUrl);
  const generator = createGenerator(seed, fixtures);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const probeAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const responses: AdversarialResponse[] = [];

  let done = false;
  /** Each probe: its answer's time, and how long its database query took of it. */
  const health: { ms: number; status: number; databaseMs?: number }[] = [];
  const probing = (async () => {
    while (!done) {
      const start = performance.now();
      const { status, text } = await send(
        probeAgent,
        baseUrl,
        { method: 'GET', path: '/api/ml/health' },
        timeoutMs,
      );
      const ms = performance.now() - start;
      let databaseMs: number | undefined;
      try {
        databaseMs = JSON.parse(text)?.database?.latencyMs;
      } catch {
        // not JSON: no figure
      }
      health.push({ ms, status, databaseMs });
      await new Promise(r => setTimeout(r, probeIntervalMs));
    }
  })();

  let sent = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (sent < count) {
        sent++;
        const request = generator.next();
        const start = performance.now();
        const answer = await send(
          agent,
          baseUrl,
          { ...request, headers: { ...headers, ...request.headers } },
          timeoutMs,
        );
        responses.push({
          request,
          status: answer.status,
          text: answer.text.slice(0, 2000),
          errorCode: errorCodeOf(answer.text),
          ms: performance.now() - start,
        });
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  done = true;
  await probing;
  agent.destroy();
  probeAgent.destroy();

  const latencies = health.map(h => h.ms).sort((a, b) => a - b);
  const databaseLatencies = health
    .map(h => h.databaseMs)
    .filter((ms): ms is number => typeof ms === 'number')
    .sort((a, b) => a - b);
  return {
    responses,
    health,
    elapsedMs,
    healthLatency: {
      probes: latencies.length,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies[latencies.length - 1] ?? 0,
      /** The database probe's share: waits for a pooled connection show here. */
      databaseP99: percentile(databaseLatencies, 99),
    },
  };
}

/**
 * What the backend must never do with these requests: answer 5xx (or not at all), or,
 * on the MLflow API, answer 4xx without MLflow's `error_code`.
 */
export function findProblems(responses: AdversarialResponse[]) {
  const problems: string[] = [];
  for (const { request, status, text, errorCode } of responses) {
    const where = `${request.label}: ${request.method} ${request.path.slice(
      0,
      200,
    )}`;
    if (status === 0 || status >= 500) {
      problems.push(`${status} ${where} -> ${text.slice(0, 300)}`);
    } else if (request.api === 'mlflow' && status >= 400) {
      const refusedByNode = request.rawBytes && status === 400 && text === '';
      if (errorCode === undefined && !refusedByNode) {
        problems.push(
          `${status} without error_code ${where} -> ${text.slice(0, 300)}`,
        );
      }
    }
  }
  return problems;
}

/** Creates the objects the generated requests refer to, over the MLflow API. */
export async function createFixtures(
  baseUrl: string,
  headers: Record<string, string> = {},
): Promise<Fixtures> {
  const call = async (method: string, endpoint: string, payload: object) => {
    const response = await fetch(
      `${baseUrl}${MLFLOW}/api/2.0/mlflow/${endpoint}`,
      {
        method,
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(payload),
      },
    );
    const text = await response.text();
    if (!response.ok) {
      throw new Error(`${endpoint} answered ${response.status}: ${text}`);
    }
    return JSON.parse(text);
  };
  const suffix = Math.random().toString(36).slice(2);
  const { experiment_id: experimentId } = await call(
    'POST',
    'experiments/create',
    { name: `adversarial-${suffix}` },
  );
  const { run } = await call('POST', 'runs/create', {
    experiment_id: experimentId,
    start_time: 1,
  });
  const runId = run.info.run_id;
  await call('POST', 'runs/log-batch', {
    run_id: runId,
    metrics: Array.from({ length: 20 }, (_, step) => ({
      key: 'loss',
      value: 1 / (step + 1),
      timestamp: step,
      step,
    })),
    params: [{ key: 'lr', value: '0.1' }],
    tags: [{ key: 'team', value: 'vision' }],
  });
  const upload = await fetch(
    `${baseUrl}${MLFLOW}/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts/model/MLmodel`,
    { method: 'PUT', headers, body: 'flavors: {}\n' },
  );
  if (!upload.ok) throw new Error(`upload answered ${upload.status}`);
  const modelName = `adversarial-model-${suffix}`;
  await call('POST', 'registered-models/create', { name: modelName });
  await call('POST', 'model-versions/create', {
    name: modelName,
    source: `runs:/${runId}/model`,
    run_id: runId,
  });
  return { experimentId, runId, modelName };
}
