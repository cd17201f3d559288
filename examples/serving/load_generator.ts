/**
 * A steady trickle of MLflow scoring requests to an endpoint of the portal, so that its
 * page, its canary analysis and its request rate have real numbers:
 *
 *     node examples/serving/load_generator.ts --endpoint churn-classifier-staging --rps 5 \
 *       [--base-url http://localhost:7007/api/ml] [--token <token> | --guest] \
 *       [--rows 1] [--features 8] [--seed 1] [--exit-after-refused <seconds>] \
 *       [--drift-after <seconds> [--drift-feature f0] [--drift-shift 1.5]]
 *
 * Each request is `POST <base-url>/serving/<endpoint>/invocations` with a `dataframe_split`
 * of `--rows` rows of the training example's features `f0`…`f<n-1>` (standard normal
 * values, as examples/training/logistic_regression.ts draws them). Requests go out on a
 * fixed schedule whether or not earlier ones have answered (at most 100 in flight).
 * Every 10 s it prints one line: the requests of those 10 s by model version (the
 * router's `x-ml-model-version` header) and status, and their median latency.
 *
 * Auth: `--token` (or `ML_PORTAL_TOKEN`) is sent as a bearer token; `--guest` signs in as
 * the local guest (`/api/auth/guest/refresh`, local config only) and signs in again
 * before the token expires or after a 401. `--exit-after-refused` stops it once the
 * portal has refused connections for that long (the portal was stopped).
 *
 * Stops on SIGINT or SIGTERM after printing the totals. Node 22.18+/24, no dependencies.
 */

type Args = {
  endpoint: string;
  rps: number;
  baseUrl: string;
  token?: string;
  guest: boolean;
  rows: number;
  features: number;
  seed: number;
  exitAfterRefusedMs?: number;
};

const REPORT_EVERY_MS = 10_000;
const MAX_IN_FLIGHT = 100;
const REQUEST_TIMEOUT_MS = 10_000;

function usage(message: string): never {
  process.stderr.write(
    `${message}\nusage: node examples/serving/load_generator.ts --endpoint <name> [--rps 5] [--base-url http://localhost:7007/api/ml] [--token <token> | --guest] [--rows 1] [--features 8] [--seed 1] [--exit-after-refused <seconds>] [--drift-after <seconds> [--drift-feature f0] [--drift-shift 1.5]]\n`,
  );
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const flags = new Map<string, string>();
  const switches = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) usage(`unexpected argument ${arg}`);
    const name = arg.slice(2);
    if (name === 'guest' || name === 'help') {
      switches.add(name);
    } else {
      if (i + 1 >= argv.length) usage(`--${name} needs a value`);
      flags.set(name, argv[++i]);
    }
  }
  if (switches.has('help')) usage('');
  const known = [
    'endpoint',
    'rps',
    'base-url',
    'token',
    'rows',
    'features',
    'seed',
    'exit-after-refused',
    'drift-after',
    'drift-feature',
    'drift-shift',
  ];
  for (const name of flags.keys())
    if (!known.includes(name)) usage(`unknown option --${name}`);
  const number = (name: string, fallback: number, min: number) => {
    const value = Number(flags.get(name) ?? fallback);
    if (!Number.isFinite(value) || value < min)
      usage(`--${name} must be a number >= ${min}`);
    return value;
  };
  const endpoint = flags.get('endpoint');
  if (!endpoint) usage('--endpoint is required');
  const token = flags.get('token') ?? process.env.ML_PORTAL_TOKEN;
  if (token && switches.has('guest'))
    usage('--token and --guest exclude each other');
  const refused = flags.get('exit-after-refused');
  return {
    endpoint,
    rps: number('rps', 5, 0.01),
    baseUrl: (flags.get('base-url') ?? 'http://localhost:7007/api/ml').replace(
      /\/+$/,
      '',
    ),
    token,
    guest: switches.has('guest'),
    rows: Math.floor(number('rows', 1, 1)),
    features: Math.floor(number('features', 8, 1)),
    seed: number('seed', 1, 0),
    // The demo's drift: after this long, one feature's values move by `driftShift`.
    driftAfterMs:
      flags.get('drift-after') === undefined
        ? undefined
        : number('drift-after', 0, 0) * 1000,
    driftFeature: flags.get('drift-feature') ?? 'f0',
    driftShift: number('drift-shift', 1.5, -1e6),
    exitAfterRefusedMs:
      refused === undefined
        ? undefined
        : number('exit-after-refused', 0, 1) * 1000,
  };
}

/** mulberry32, as the training example seeds its data. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The bearer token to send: fixed, or the local guest's, renewed before it expires. */
class Credentials {
  private readonly args: Args;
  private token?: string;
  private expiresAt = 0;

  constructor(args: Args) {
    this.args = args;
    this.token = args.token;
  }

  async header(): Promise<Record<string, string>> {
    if (this.args.guest && Date.now() > this.expiresAt) await this.signIn();
    return this.token ? { authorization: `Bearer ${this.token}` } : {};
  }

  /** After a 401: a guest signs in again on the next request. */
  rejected() {
    if (this.args.guest) this.expiresAt = 0;
  }

  private async signIn() {
    const origin = new URL(this.args.baseUrl).origin;
    const response = await fetch(`${origin}/api/auth/guest/refresh`, {
      headers: { 'x-requested-with': 'XMLHttpRequest' },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (!response.ok) {
      throw new Error(`guest sign-in answered ${response.status}`);
    }
    const { backstageIdentity } = await response.json();
    this.token = backstageIdentity.token;
    const lifetimeMs = (backstageIdentity.expiresInSeconds ?? 3600) * 1000;
    // Renew at half its lifetime, well before it expires.
    this.expiresAt = Date.now() + lifetimeMs / 2;
  }
}

/** Counts of one reporting period, or of the whole run. */
class Tally {
  readonly byOutcome = new Map<string, number>();
  latencies: number[] = [];
  sent = 0;

  add(outcome: string, latencyMs?: number) {
    this.byOutcome.set(outcome, (this.byOutcome.get(outcome) ?? 0) + 1);
    if (latencyMs !== undefined) this.latencies.push(latencyMs);
  }

  describe(): string {
    const finished = [...this.byOutcome.values()].reduce((n, c) => n + c, 0);
    const outcomes = [...this.byOutcome]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([outcome, count]) => `${outcome}: ${count}`)
      .join(', ');
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const p50 = sorted.length
      ? ` p50 ${sorted[Math.floor(sorted.length / 2)].toFixed(1)} ms`
      : '';
    return `${this.sent} sent, ${finished} finished (${
      outcomes || 'none'
    })${p50}`;
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const url = `${args.baseUrl}/serving/${encodeURIComponent(
    args.endpoint,
  )}/invocations`;
  const credentials = new Credentials(args);
  const columns = Array.from({ length: args.features }, (_, j) => `f${j}`);
  const random = rng(args.seed);
  const gaussian = () =>
    Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const started = Date.now();
  const shiftOf = (column: string) =>
    args.driftAfterMs !== undefined &&
    column === args.driftFeature &&
    Date.now() - started >= args.driftAfterMs
      ? args.driftShift
      : 0;
  const body = () =>
    JSON.stringify({
      dataframe_split: {
        columns,
        data: Array.from({ length: args.rows }, () =>
          columns.map(c => Number((gaussian() + shiftOf(c)).toFixed(4))),
        ),
      },
    });

  const total = new Tally();
  let period = new Tally();
  let inFlight = 0;
  let refusedSince: number | undefined;
  let stopping = false;

  const send = async () => {
    if (inFlight >= MAX_IN_FLIGHT) {
      total.add('skipped (too many in flight)');
      period.add('skipped (too many in flight)');
      return;
    }
    inFlight++;
    total.sent++;
    period.sent++;
    const started = performance.now();
    let outcome: string;
    let latency: number | undefined;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(await credentials.header()),
        },
        body: body(),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      await response.arrayBuffer();
      latency = performance.now() - started;
      const version = response.headers.get('x-ml-model-version');
      outcome = `${version ? `v${version}` : 'no version'} ${response.status}`;
      if (response.status === 401) credentials.rejected();
      refusedSince = undefined;
    } catch (error) {
      const { cause } = error as {
        cause?: { code?: string; message?: string };
      };
      const code = cause?.code;
      outcome = code ?? cause?.message ?? (error as Error).name;
      if (code === 'ECONNREFUSED') refusedSince ??= Date.now();
    } finally {
      inFlight--;
    }
    total.add(outcome, latency);
    period.add(outcome, latency);
    if (
      args.exitAfterRefusedMs !== undefined &&
      refusedSince !== undefined &&
      Date.now() - refusedSince >= args.exitAfterRefusedMs
    ) {
      stop(
        `the portal has refused connections for ${Math.round(
          (Date.now() - refusedSince) / 1000,
        )} s`,
      );
    }
  };

  const intervalMs = 1000 / args.rps;
  const began = Date.now();
  let sentCount = 0;
  let timer: NodeJS.Timeout | undefined;
  // A fixed schedule from the start time, so slow answers never slow the trickle down.
  const tick = () => {
    if (stopping) return;
    const due = Math.floor((Date.now() - began) / intervalMs) + 1;
    while (sentCount < due) {
      sentCount++;
      void send();
    }
    timer = setTimeout(tick, began + sentCount * intervalMs - Date.now());
  };

  const reporter = setInterval(() => {
    process.stdout.write(
      `${new Date().toISOString()} ${
        args.endpoint
      }: last 10 s: ${period.describe()}\n`,
    );
    period = new Tally();
  }, REPORT_EVERY_MS);

  function stop(reason: string) {
    if (stopping) return;
    stopping = true;
    clearTimeout(timer);
    clearInterval(reporter);
    process.stdout.write(
      `${new Date().toISOString()} ${
        args.endpoint
      }: stopping (${reason}); in total ${total.describe()}\n`,
    );
    process.exit(0);
  }
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));

  process.stdout.write(
    `${new Date().toISOString()} sending ${args.rps} requests/s of ${
      args.rows
    } row(s) to ${url}\n`,
  );
  tick();
}

main().catch(error => {
  process.stderr.write(`load generator: ${(error as Error).message}\n`);
  process.exit(1);
});
