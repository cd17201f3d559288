import { spawn } from 'node:child_process';
import { createServer, connect, Server, Socket } from 'node:net';
import { resolve } from 'node:path';
import request from 'supertest';
import { createTestDatabases } from '../__testUtils__/databases';
import { startPortal } from '../__testUtils__/portal';
import { waitFor } from '../__testUtils__/waitFor';

const REPO_ROOT = resolve(__dirname, '../../../..');
const SCRIPT = 'examples/training/logistic_regression.ts';

/**
 * The portal's address as a job sees it, in front of whichever replica is up: it
 * forwards to one, refuses connections while none is (a restart), or answers 503 as a
 * load balancer with no healthy backend does.
 */
async function startAddress() {
  let mode: { forwardTo: number } | 'unavailable' = 'unavailable';
  const sockets = new Set<Socket>();
  const server: Server = createServer(socket => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    if (mode === 'unavailable') {
      socket.once('data', () =>
        socket.end(
          'HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
        ),
      );
      return;
    }
    const upstream = connect(mode.forwardTo, '127.0.0.1');
    upstream.on('error', () => socket.destroy());
    socket.on('close', () => upstream.destroy());
    socket.pipe(upstream).pipe(socket);
  });
  await new Promise<void>(done => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    forwardTo(target: number) {
      mode = { forwardTo: target };
    },
    unavailable() {
      mode = 'unavailable';
    },
    /** The replica is gone: open connections drop and new ones are refused. */
    async down() {
      await new Promise<void>(done => {
        server.close(() => done());
        for (const socket of sockets) socket.destroy();
      });
    },
    async up() {
      await new Promise<void>(done => server.listen(port, '127.0.0.1', done));
    },
    close: () => new Promise<void>(done => server.close(() => done())),
  };
}

function portOf(server: { address(): unknown }): number {
  return (server.address() as { port: number }).port;
}

/**
 * The example training's MLflow client retries as MLflow's does: a portal that goes
 * away under a running job (connections refused, then 503 while it starts) and comes
 * back as another replica of the same database does not fail the job, which finishes
 * in its one attempt with every epoch logged once.
 */
describe('the example training across a portal restart', () => {
  const databases = createTestDatabases();

  it('retries connection errors and 503 with backoff and finishes in one attempt', async () => {
    const database = await databases.init('SQLITE_3');
    const before = await startPortal({ database });
    const after = await startPortal({ database });
    const address = await startAddress();
    address.forwardTo(portOf(before.server));

    const output = { stdout: '', stderr: '' };
    const job = spawn(
      process.execPath,
      [
        SCRIPT,
        '--experiment',
        'restart',
        '--epochs',
        '12',
        '--samples',
        '400',
        '--epoch-delay-ms',
        '150',
      ],
      {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          MLFLOW_TRACKING_URI: `http://127.0.0.1:${address.port}/api/ml/mlflow`,
          // MLflow's policy, on a shorter clock: 0, 0.1, 0.2, ... 3.2 s between tries.
          MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0.05',
          MLFLOW_HTTP_REQUEST_BACKOFF_JITTER: '0',
        },
      },
    );
    job.stdout.on('data', chunk => (output.stdout += chunk));
    job.stderr.on('data', chunk => (output.stderr += chunk));
    const exited = new Promise<number | null>(done => job.on('exit', done));
    const seen = (what: string, test: () => boolean) =>
      waitFor(what, async () => output, test, 30_000);

    try {
      await seen('the third epoch', () => /^epoch 2:/m.test(output.stdout));
      await address.down();
      await seen('a refused connection retried', () =>
        /retry \d+\/7/.test(output.stderr),
      );
      address.unavailable();
      await address.up();
      await seen('a 503 retried', () => /HTTP 503; retry/.test(output.stderr));
      address.forwardTo(portOf(after.server));

      expect(await exited).toBe(0);
    } finally {
      job.kill();
      await address.close();
    }
    expect(output.stdout).toMatch(/^run [0-9a-f]{32} finished/m);
    const runId = /^run ([0-9a-f]{32}) finished/m.exec(output.stdout)![1];
    const run = await request(after.server).get(
      `/api/ml/mlflow/api/2.0/mlflow/runs/get?run_id=${runId}`,
    );
    expect(run.body.run.info.status).toBe('FINISHED');
    const history = await request(after.server).get(
      `/api/ml/mlflow/api/2.0/mlflow/metrics/get-history?run_id=${runId}&metric_key=val_auc`,
    );
    expect(history.body.metrics.map((m: { step: number }) => m.step)).toEqual(
      Array.from({ length: 12 }, (_, i) => i),
    );
  });
});
