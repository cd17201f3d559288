/*
 * npm run bench:serving — the serving router's overhead, measured against direct calls to
 * the same model server process in the same run.
 *
 * This process runs the backend (the ml plugin on Backstage's real auth, httpRouter and
 * database services, a scratch PostgreSQL database, the `local` serving target running
 * examples/serving/model_server.ts) on its main thread, and the load clients in a worker
 * thread with its own event loop, as an outside client would be. It trains a small model
 * with the training example (its MLflow model directory uploaded through the artifact
 * API), registers it, creates a real-time endpoint, waits until it is READY, and asks the
 * local target's `route()` where that deployment's model server listens: the direct path
 * hits the very process the router forwards to.
 *
 * Then, after a warm-up, rounds of one-row scoring requests alternate between the router
 * (`POST /api/ml/serving/<endpoint>/invocations` with a static service token) and the
 * model server (`POST <upstream>/invocations`), with 1 and with 4 concurrent clients, each
 * path on its own keep-alive agent. Alternating rounds share the machine's noise. Prints a
 * table, then as the last line one JSON object.
 *
 * Targets (issue 14): p50 overhead <= 1 ms, p99 overhead <= 5 ms, router requests/s with 4
 * clients >= 80% of direct. The overhead figures of the JSON are the worse of 1 and 4
 * clients. Exit code 1 when a target is missed.
 *
 *   BENCH_SERVING_REQUESTS=500 npm run bench:serving   # requests per round and path (c1; c4 twice that)
 *   BENCH_SERVING_PROFILE=1 npm run bench:serving      # also a CPU profile of the router's thread
 *   BENCH_SERVING_VIA=plugin npm run bench:serving      # the router under /api/ml (Backstage's
 *                                                      # stack) instead of the serving listener
 *
 * Prerequisites: PostgreSQL on 127.0.0.1:5432 (PGHOST/PGPORT/PGUSER/PGPASSWORD) and Redis
 * (REDIS_URL). Only 127.0.0.1 is contacted.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { createBackend } from '@backstage/backend-defaults';
import { mockServices } from '@backstage/backend-test-utils';
import { createServingTargetModule } from '@ml-portal/plugin-ml-node';
import { readLocalServingSettings } from '../src/deployments/local/config';
import { LocalServingTarget } from '../src/deployments/local/LocalServingTarget';
import { log, note, pgConnection, round, runBench } from './benchBackend';
import { withScratchDatabase } from './scratchDatabase';
import { benchRootLogger } from './benchLogger';

const REPO_ROOT = resolve(__dirname, '../../..');
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const REQUESTS = Number(process.env.BENCH_SERVING_REQUESTS ?? 2000);
const ROUNDS = 6;
const WARMUP = 1000;
const PROFILE = process.env.BENCH_SERVING_PROFILE === '1';
const ENDPOINT = 'bench-churn';
const OWNER = 'group:default/ml-bench';
const FEATURES = Array.from({ length: 8 }, (_, j) => `f${j}`);
/** One row, as the training example's signature names the features. */
const BODY = JSON.stringify({
  dataframe_split: {
    columns: FEATURES,
    data: [[0.3, -1.2, 0.8, 0.1, -0.4, 1.5, -0.2, 0.05]],
  },
});
const TARGETS = { p50Ms: 1, p99Ms: 5, rpsRatio: 0.8 };

/**
 * `stack`: the portal API's cheapest authenticated call (GET /api/ml/compute-targets, a
 * tiny JSON answer): what Backstage's HTTP stack and auth cost with no proxying, so the
 * router's overhead splits into the stack's share and the proxy's.
 */
/** The router through Backstage's HTTP stack instead of the serving listener. */
const VIA_PLUGIN = process.env.BENCH_SERVING_VIA === 'plugin';

type Path = 'direct' | 'router' | 'stack';
type RoundResult = {
  latencies: Float64Array;
  elapsedMs: number;
  failures: number;
  /** The router's (main) thread's event loop utilisation during the round. */
  utilisation: number;
};

/**
 * The load clients: a worker thread with its own event loop and one keep-alive agent per
 * path. Plain JavaScript, so it needs no transform.
 */
const CLIENT_SOURCE = `
const { parentPort } = require('node:worker_threads');
const http = require('node:http');
const { performance } = require('node:perf_hooks');
const agents = new Map();
function send(agent, method, url, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers }, res => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
parentPort.on('message', async ({ id, path, method, url, headers, body, concurrency, requests }) => {
  let agent = agents.get(path);
  if (!agent) {
    agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    agents.set(path, agent);
  }
  const latencies = new Float64Array(requests);
  let next = 0;
  let failures = 0;
  const started = performance.now();
  const client = async () => {
    for (let i = next++; i < requests; i = next++) {
      const t0 = performance.now();
      try {
        if ((await send(agent, method, url, headers, body)) !== 200) failures++;
      } catch {
        failures++;
      }
      latencies[i] = performance.now() - t0;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  const elapsedMs = performance.now() - started;
  parentPort.postMessage({ id, latencies, elapsedMs, failures }, [latencies.buffer]);
});
`;

class LoadClients {
  private readonly worker = new Worker(CLIENT_SOURCE, { eval: true });
  private nextId = 0;
  private readonly pending = new Map<
    number,
    (result: Omit<RoundResult, 'utilisation'>) => void
  >();

  constructor(
    private readonly urls: Record<Path, string>,
    private readonly headers: Record<Path, Record<string, string>>,
  ) {
    this.worker.on('message', message => {
      this.pending.get(message.id)?.(message);
      this.pending.delete(message.id);
    });
  }

  /** `requests` requests on `path` from `concurrency` clients. */
  async round(
    path: Path,
    concurrency: number,
    requests: number,
  ): Promise<RoundResult> {
    const id = this.nextId++;
    const before = performance.eventLoopUtilization();
    const result = await new Promise<Omit<RoundResult, 'utilisation'>>(r => {
      this.pending.set(id, r);
      this.worker.postMessage({
        id,
        path,
        ...(path === 'stack'
          ? { method: 'GET', headers: this.headers[path] }
          : {
              method: 'POST',
              body: BODY,
              headers: {
                'content-type': 'application/json',
                'content-length': String(Buffer.byteLength(BODY)),
                ...this.headers[path],
              },
            }),
        url: this.urls[path],
        concurrency,
        requests,
      });
    });
    const utilisation = performance.eventLoopUtilization(before).utilization;
    return { ...result, utilisation };
  }

  close() {
    return this.worker.terminate();
  }
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/** Latency percentiles and throughput of one path at one concurrency, over its rounds. */
function summarise(rounds: RoundResult[]) {
  const all = new Float64Array(
    rounds.reduce((n, r) => n + r.latencies.length, 0),
  );
  let offset = 0;
  for (const r of rounds) {
    all.set(r.latencies, offset);
    offset += r.latencies.length;
  }
  all.sort();
  const elapsed = rounds.reduce((n, r) => n + r.elapsedMs, 0);
  return {
    requests: all.length,
    failures: rounds.reduce((n, r) => n + r.failures, 0),
    p50: percentile(all, 0.5),
    p99: percentile(all, 0.99),
    rps: all.length / (elapsed / 1000),
    utilisation:
      rounds.reduce((n, r) => n + r.utilisation * r.elapsedMs, 0) / elapsed,
  };
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: timed out`);
    await new Promise(r => setTimeout(r, 200));
  }
}

/** Trains the example model once against the backend; its run id. */
function trainExampleModel(trackingUri: string, token: string) {
  return new Promise<string>((resolveRun, reject) => {
    const child = spawn(
      process.execPath,
      [
        'examples/training/logistic_regression.ts',
        '--experiment',
        'bench/serving',
        '--epochs',
        '5',
      ],
      {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          MLFLOW_TRACKING_URI: trackingUri,
          MLFLOW_TRACKING_TOKEN: token,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', chunk => (output += chunk));
    child.stderr.on('data', chunk => (output += chunk));
    child.once('error', reject);
    child.once('exit', code => {
      const run = /run (\w+) finished \(model uploaded\)/.exec(output);
      if (code === 0 && run) resolveRun(run[1]);
      else
        reject(
          new Error(
            `the training example exited ${code} without uploading a model:\n${output.slice(
              -2000,
            )}`,
          ),
        );
    });
  });
}

/** The module a profile frame belongs to: a package, a node: module or a source file. */
function moduleOf(url: string): string {
  if (url.includes('node_modules/')) {
    const parts = url.split('node_modules/').pop()!.split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (url.includes('/plugins/')) return url.split('/plugins/').pop()!;
  return url;
}

/**
 * Prints where the router's thread spent its busy time in a CPU profile: self time by
 * module (a native frame such as a socket write counts under the JS module calling it).
 * Idle time and the profiler's own frames are left out.
 */
function printProfile(profile: any, top = 25) {
  const byId = new Map<number, any>(profile.nodes.map((n: any) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes)
    for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id: number, i: number) => {
    const { functionName, url } = byId.get(id).callFrame;
    if (functionName === '(idle)') return;
    if (functionName === 'post' && url.includes('inspector')) return;
    let key = moduleOf(url);
    if (!url) {
      let up = parent.get(id);
      while (up !== undefined && !byId.get(up).callFrame.url)
        up = parent.get(up);
      const caller = up === undefined ? '' : byId.get(up).callFrame.url;
      key = `${functionName} (native${
        caller ? `, from ${moduleOf(caller)}` : ''
      })`;
    }
    const dt = profile.timeDeltas[i] ?? 0;
    busy += dt;
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  log(
    `router thread, CPU profile of the 4-client router rounds: ${Math.round(
      busy / 1000,
    )} ms busy; self time by module:`,
  );
  for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top))
    log(`  ${((100 * us) / busy).toFixed(1).padStart(5)}%  ${key}`);
}

async function main() {
  return withScratchDatabase('ml_bench_serving', async ({ name }) => {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    // The router measured through the serving listener (default) or Backstage's stack.
    const listenerPort = VIA_PLUGIN ? undefined : await freePort();
    const token = randomBytes(24).toString('hex');
    const scratch = await mkdtemp(join(tmpdir(), 'ml-bench-serving-'));
    let local: LocalServingTarget | undefined;
    // The real `local` module, keeping a handle on its target to ask it for upstreams.
    const localServing = createServingTargetModule({
      id: 'local',
      readSettings: readLocalServingSettings,
      create: ({ settings, logger }) =>
        (local = LocalServingTarget.create({ settings, logger })),
    });
    const backend = createBackend();
    backend.add(benchRootLogger);
    backend.add(
      mockServices.rootConfig.factory({
        data: {
          backend: {
            baseUrl,
            listen: { host: '127.0.0.1', port },
            database: {
              client: 'pg',
              connection: pgConnection,
              ensureExists: false,
              plugin: { ml: { connection: { database: name } } },
            },
            auth: {
              externalAccess: [
                { type: 'static', options: { token, subject: 'ml-bench' } },
              ],
            },
          },
          ml: {
            // The platform's own cost: no permission policy to consult (the router
            // caches read decisions for 10 s per caller anyway).
            permissions: { allowDisabled: true },
            redis: { url: REDIS_URL },
            artifacts: { local: { directory: join(scratch, 'artifacts') } },
            serving: {
              targets: {
                local: {
                  workingDirectory: REPO_ROOT,
                  flavors: [
                    {
                      flavor: 'portal_logistic',
                      command: [
                        process.execPath,
                        'examples/serving/model_server.ts',
                        '--model-dir',
                        '{modelDir}',
                        '--port',
                        '{port}',
                      ],
                    },
                  ],
                },
              },
            },
            deployments: {
              modelCacheDirectory: join(scratch, 'models'),
              ...(listenerPort && {
                servingListener: { host: '127.0.0.1', port: listenerPort },
              }),
            },
          },
        },
      }),
    );
    backend.add(import('../src'));
    backend.add(localServing);
    let clients: LoadClients | undefined;
    try {
      await backend.start();
      const auth = { authorization: `Bearer ${token}` };
      const api = async (path: string, body?: object) => {
        const response = await fetch(`${baseUrl}/api/ml${path}`, {
          method: body ? 'POST' : 'GET',
          headers: { ...auth, 'content-type': 'application/json' },
          body: body && JSON.stringify(body),
        });
        const json = await response.json();
        if (!response.ok)
          throw new Error(
            `${path}: ${response.status} ${JSON.stringify(json)}`,
          );
        return json;
      };

      note('training the example model (its files through the artifact API)');
      const runId = await trainExampleModel(`${baseUrl}/api/ml/mlflow`, token);
      await api('/models', { name: 'bench-churn', owner: OWNER });
      const { version } = await api('/models/bench-churn/versions', { runId });
      await api('/deployments/endpoints', {
        name: ENDPOINT,
        owner: OWNER,
        modelName: 'bench-churn',
        version,
        kind: 'real-time',
        target: 'local',
      });
      note(`waiting for endpoint ${ENDPOINT} to be READY`);
      const endpoint = await waitUntil(
        `endpoint ${ENDPOINT} READY`,
        async () => {
          const e = await api(`/deployments/endpoints/${ENDPOINT}`);
          if (e.status === 'FAILED')
            throw new Error(`endpoint failed: ${JSON.stringify(e)}`);
          return e.status === 'READY' &&
            e.deployments.length === 1 &&
            e.deployments[0].state === 'ready'
            ? e
            : undefined;
        },
        60_000,
      );
      const upstream = await local!.route(
        ENDPOINT,
        endpoint.deployments[0].name,
      );

      const urls: Record<Path, string> = {
        router: listenerPort
          ? `http://127.0.0.1:${listenerPort}/serving/${ENDPOINT}/invocations`
          : `${baseUrl}/api/ml/serving/${ENDPOINT}/invocations`,
        direct: `${upstream.url}/invocations`,
        stack: `${baseUrl}/api/ml/compute-targets`,
      };
      // Both paths answer the same prediction, and the router says which version.
      const answers = await Promise.all(
        (['router', 'direct'] as Path[]).map(async path => {
          const response = await fetch(urls[path], {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              ...(path === 'router' && auth),
            },
            body: BODY,
          });
          return {
            status: response.status,
            version: response.headers.get('x-ml-model-version'),
            body: await response.text(),
          };
        }),
      );
      if (
        answers.some(a => a.status !== 200) ||
        answers[0].body !== answers[1].body ||
        answers[0].version !== version
      ) {
        throw new Error(
          `router and model server disagree: ${JSON.stringify(answers)}`,
        );
      }
      note(
        `router ${urls.router} -> model server ${urls.direct}; prediction ${answers[0].body}`,
      );

      clients = new LoadClients(urls, {
        router: auth,
        direct: {},
        stack: auth,
      });
      note(`warming up (${WARMUP} requests per path, 1 and 4 clients)`);
      for (const path of ['direct', 'router', 'stack'] as Path[]) {
        await clients.round(path, 4, WARMUP);
        await clients.round(path, 1, WARMUP / 4);
      }

      const results: Record<string, RoundResult[]> = {};
      let profile: any;
      for (const concurrency of [1, 4]) {
        const requests = concurrency === 1 ? REQUESTS : 2 * REQUESTS;
        note(
          `${concurrency} client(s): ${ROUNDS} alternating rounds of ${requests} requests per path`,
        );
        for (let r = 0; r < ROUNDS; r++) {
          const order: Path[] =
            r % 2
              ? ['router', 'stack', 'direct']
              : ['direct', 'stack', 'router'];
          for (const path of order) {
            const session =
              PROFILE && concurrency === 4 && path === 'router'
                ? new Session()
                : undefined;
            if (session) {
              session.connect();
              await session.post('Profiler.enable');
              await session.post('Profiler.start');
            }
            (results[`${path}${concurrency}`] ??= []).push(
              await clients.round(path, concurrency, requests),
            );
            if (session) {
              const { profile: taken } = await session.post('Profiler.stop');
              profile = mergeProfiles(profile, taken);
              session.disconnect();
            }
          }
        }
      }

      const s = {
        direct1: summarise(results.direct1),
        router1: summarise(results.router1),
        direct4: summarise(results.direct4),
        router4: summarise(results.router4),
        stack1: summarise(results.stack1),
        stack4: summarise(results.stack4),
      };
      const failures = Object.values(s).reduce((n, x) => n + x.failures, 0);
      const row = (label: string, x: (typeof s)['direct1']) =>
        `${label.padEnd(22)}${x.requests.toString().padStart(9)}${x.p50
          .toFixed(3)
          .padStart(10)}${x.p99.toFixed(3).padStart(10)}${Math.round(x.rps)
          .toString()
          .padStart(10)}${(100 * x.utilisation).toFixed(0).padStart(8)}%`;
      log(
        `serving router vs direct, one-row scoring requests, keep-alive, ${ROUNDS} alternating rounds per path`,
      );
      log(
        `${'path'.padEnd(22)}${'requests'.padStart(9)}${'p50 ms'.padStart(
          10,
        )}${'p99 ms'.padStart(10)}${'req/s'.padStart(10)}${'loop'.padStart(9)}`,
      );
      log(row('direct, 1 client', s.direct1));
      log(row('router, 1 client', s.router1));
      log(row('direct, 4 clients', s.direct4));
      log(row('router, 4 clients', s.router4));
      log(row('stack ref, 1 client', s.stack1));
      log(row('stack ref, 4 clients', s.stack4));
      const overhead = {
        p50c1: s.router1.p50 - s.direct1.p50,
        p99c1: s.router1.p99 - s.direct1.p99,
        p50c4: s.router4.p50 - s.direct4.p50,
        p99c4: s.router4.p99 - s.direct4.p99,
      };
      const p50 = Math.max(overhead.p50c1, overhead.p50c4);
      const p99 = Math.max(overhead.p99c1, overhead.p99c4);
      const ratio = s.router4.rps / s.direct4.rps;
      const met = {
        p50: p50 <= TARGETS.p50Ms,
        p99: p99 <= TARGETS.p99Ms,
        rps: ratio >= TARGETS.rpsRatio,
      };
      const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
      log(
        `router overhead p50: ${overhead.p50c1.toFixed(
          3,
        )} ms (1 client), ${overhead.p50c4.toFixed(
          3,
        )} ms (4 clients); target <= ${TARGETS.p50Ms} ms: ${verdict(met.p50)}`,
      );
      log(
        `router overhead p99: ${overhead.p99c1.toFixed(
          3,
        )} ms (1 client), ${overhead.p99c4.toFixed(
          3,
        )} ms (4 clients); target <= ${TARGETS.p99Ms} ms: ${verdict(met.p99)}`,
      );
      log(
        `router throughput, 4 clients: ${Math.round(s.router4.rps)} req/s = ${(
          100 * ratio
        ).toFixed(0)}% of direct (${Math.round(
          s.direct4.rps,
        )} req/s); target >= ${100 * TARGETS.rpsRatio}%: ${verdict(met.rps)}`,
      );
      log(
        `stack ref = GET /api/ml/compute-targets with the same token: Backstage's HTTP stack and auth with no proxying (its p50 ${s.stack1.p50.toFixed(
          3,
        )} ms at 1 client is ${(
          (100 * s.stack1.p50) /
          Math.max(s.router1.p50, 1e-9)
        ).toFixed(0)}% of the router's)`,
      );
      log(
        `loop = the backend thread's event loop utilisation during the rounds (in the direct rounds the backend idles); router CPU per request ~${(
          (1000 * s.router4.utilisation) /
          s.router4.rps
        ).toFixed(3)} ms at 4 clients`,
      );
      log(
        `machine: ${cpus().length} cores, load average ${loadavg()
          .map(l => l.toFixed(2))
          .join(' ')} (shared with other work)`,
      );
      if (failures > 0) log(`FAILED REQUESTS: ${failures}`);
      if (profile) {
        const file = join(tmpdir(), `bench-serving-${Date.now()}.cpuprofile`);
        await writeFile(file, JSON.stringify(profile));
        printProfile(profile);
        log(`cpu profile written to ${file} (open in Chrome DevTools)`);
      }
      return {
        figures: {
          router_path: VIA_PLUGIN ? 'backstage' : 'serving-listener',
          router_overhead_p50_ms: round(p50, 3),
          router_overhead_p99_ms: round(p99, 3),
          router_rps_c4: Math.round(s.router4.rps),
          direct_rps_c4: Math.round(s.direct4.rps),
          router_rps_ratio_c4: round(ratio, 3),
          router_overhead_p50_ms_c1: round(overhead.p50c1, 3),
          router_overhead_p99_ms_c1: round(overhead.p99c1, 3),
          router_overhead_p50_ms_c4: round(overhead.p50c4, 3),
          router_overhead_p99_ms_c4: round(overhead.p99c4, 3),
          direct_p50_ms_c1: round(s.direct1.p50, 3),
          direct_p99_ms_c1: round(s.direct1.p99, 3),
          router_p50_ms_c1: round(s.router1.p50, 3),
          router_p99_ms_c1: round(s.router1.p99, 3),
          direct_p50_ms_c4: round(s.direct4.p50, 3),
          direct_p99_ms_c4: round(s.direct4.p99, 3),
          router_p50_ms_c4: round(s.router4.p50, 3),
          router_p99_ms_c4: round(s.router4.p99, 3),
          router_rps_c1: Math.round(s.router1.rps),
          direct_rps_c1: Math.round(s.direct1.rps),
          router_loop_utilisation_c4: round(s.router4.utilisation, 2),
          router_cpu_ms_per_request_c4: round(
            (1000 * s.router4.utilisation) / s.router4.rps,
            3,
          ),
          stack_ref_p50_ms_c1: round(s.stack1.p50, 3),
          stack_ref_p99_ms_c1: round(s.stack1.p99, 3),
          stack_ref_rps_c4: Math.round(s.stack4.rps),
          failed_requests: failures,
          targets_met: met.p50 && met.p99 && met.rps,
        },
        failed: failures > 0 || !(met.p50 && met.p99 && met.rps),
      };
    } finally {
      await clients?.close();
      await backend.stop();
      await rm(scratch, { recursive: true, force: true });
      // Something of the in-process backend keeps the event loop alive after stop()
      // with no handle Node lists (getActiveResourcesInfo is empty): exit once runBench
      // has printed the figures.
      setTimeout(() => process.exit(), 2000).unref();
    }
  });
}

/** Concatenates CPU profiles of several rounds (same thread) into one for the summary. */
function mergeProfiles(into: any, next: any) {
  if (!into) return next;
  const offset = Math.max(...into.nodes.map((n: any) => n.id)) + 1;
  return {
    ...into,
    nodes: [
      ...into.nodes,
      ...next.nodes.map((n: any) => ({
        ...n,
        id: n.id + offset,
        children: n.children?.map((c: number) => c + offset),
      })),
    ],
    samples: [
      ...into.samples,
      ...next.samples.map((id: number) => id + offset),
    ],
    timeDeltas: [...into.timeDeltas, ...next.timeDeltas],
    endTime: next.endTime,
  };
}

runBench(main);
