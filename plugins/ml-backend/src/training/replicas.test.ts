import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import knexFactory, { Knex } from 'knex';

/**
 * Two backend processes share one PostgreSQL database and one Redis, both running the
 * training workers: admission must never give out more GPUs than the pool has, and no
 * job may be dispatched twice. Needs PostgreSQL (CI sets the variable below).
 */
const PG_URL = process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PLUGIN_DIR = resolve(__dirname, '../..');
const REPO_ROOT = resolve(PLUGIN_DIR, '../..');
const CAPACITY = 3;
const JOBS = 12;
const TOKEN = `replicas-${Math.random().toString(36).slice(2)}-token`;

jest.setTimeout(180_000);

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise(r => server.once('listening', r));
  const { port } = server.address() as { port: number };
  await new Promise(r => server.close(r));
  return port;
}

function databaseUrl(name: string) {
  const url = new URL(PG_URL!);
  url.pathname = `/${name}`;
  return url.toString();
}

const describeWithPostgres = PG_URL ? describe : describe.skip;

describeWithPostgres(
  'two backend replicas on one PostgreSQL and one Redis',
  () => {
    const database = `ml_replicas_${Date.now()}`;
    const children: ChildProcess[] = [];
    const admin = knexFactory({ client: 'pg', connection: PG_URL });
    let db: Knex | undefined;

    async function startReplica(): Promise<string> {
      const port = await freePort();
      const baseUrl = `http://127.0.0.1:${port}`;
      const child = spawn(
        process.execPath,
        [
          '--require',
          '@backstage/cli/config/nodeTransform.cjs',
          join(PLUGIN_DIR, 'bench/server.ts'),
          '--config',
          join(PLUGIN_DIR, 'bench/app-config.bench.yaml'),
        ],
        {
          cwd: REPO_ROOT,
          stdio: ['ignore', 'ignore', 'pipe'],
          env: {
            ...process.env,
            APP_CONFIG_backend_baseUrl: baseUrl,
            APP_CONFIG_backend_listen_port: String(port),
            // Host and user from the URL; the ml plugin's database is the test's own.
            APP_CONFIG_backend_database_connection: JSON.stringify({
              host: new URL(PG_URL!).hostname,
              port: Number(new URL(PG_URL!).port || 5432),
              user: decodeURIComponent(new URL(PG_URL!).username),
            }),
            APP_CONFIG_backend_database_plugin_ml_connection_database: database,
            APP_CONFIG_backend_auth_externalAccess: JSON.stringify([
              {
                type: 'static',
                options: { token: TOKEN, subject: 'replica-test' },
              },
            ]),
            APP_CONFIG_ml_redis_url: REDIS_URL,
            APP_CONFIG_ml_training: JSON.stringify({
              queuePrefix: database,
              pollIntervalMs: 200,
              local: {
                enabled: true,
                workingDirectory: REPO_ROOT,
                logDirectory: logs,
              },
              pools: [
                {
                  name: 'shared',
                  target: 'local',
                  gpuType: 'cpu',
                  gpusPerNode: CAPACITY,
                  nodes: 1,
                },
              ],
              profiles: [
                { name: 'one', pools: ['shared'], defaults: { gpus: 1 } },
              ],
            }),
          },
        },
      );
      children.push(child);
      let stderr = '';
      child.stderr!.on('data', chunk => {
        stderr = (stderr + chunk).slice(-2000);
      });
      for (let i = 0; i < 480; i++) {
        const ok = await fetch(`${baseUrl}/api/ml/health`).then(
          r => r.ok,
          () => false,
        );
        if (ok) return baseUrl;
        await new Promise(r => setTimeout(r, 250));
      }
      throw new Error(`replica on ${port} did not start: ${stderr}`);
    }
    // Both replicas see one host, so one log directory: the local target's files there
    // let either replica follow a process the other started.
    const logs = mkdtempSync(join(tmpdir(), 'ml-replica-logs-'));

    beforeAll(async () => {
      await admin.raw(`CREATE DATABASE ${database}`);
    });

    afterAll(async () => {
      for (const child of children) child.kill('SIGTERM');
      await new Promise(r => setTimeout(r, 2000));
      await db?.destroy();
      await admin.raw(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.destroy();
    });

    it('never oversubscribes the pool and dispatches every job once', async () => {
      // One after the other: Backstage's own auth key store races to create its tables
      // when two backends start on a fresh database at once (our migrations do not:
      // see migrations.test.ts).
      const a = await startReplica();
      const b = await startReplica();
      db = knexFactory({
        client: 'pg',
        connection: databaseUrl(database),
      });

      const submissions = Array.from({ length: JOBS }, (_, i) =>
        fetch(`${i % 2 ? a : b}/api/ml/training/jobs`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${TOKEN}`,
          },
          body: JSON.stringify({
            name: `job-${i}`,
            profile: 'one',
            command: ['node', '-e', 'setTimeout(() => {}, 1500)'],
          }),
        }).then(r => r.status),
      );
      expect(await Promise.all(submissions)).toEqual(Array(JOBS).fill(201));

      let maxHeld = 0;
      const deadline = Date.now() + 150_000;
      for (;;) {
        const { rows } = await db!.raw(
          `SELECT coalesce(sum(gpus) FILTER (WHERE status IN ('ADMITTED','DISPATCHING','RUNNING')), 0) AS held,
                count(*) FILTER (WHERE status IN ('SUCCEEDED','FAILED','CANCELLED')) AS done
           FROM ml_jobs`,
        );
        maxHeld = Math.max(maxHeld, Number(rows[0].held));
        if (Number(rows[0].done) === JOBS) break;
        if (Date.now() > deadline)
          throw new Error(`only ${rows[0].done} of ${JOBS} jobs finished`);
        await new Promise(r => setTimeout(r, 50));
      }

      expect(maxHeld).toBeGreaterThan(1);
      expect(maxHeld).toBeLessThanOrEqual(CAPACITY);
      const { rows: failures } = await db!.raw(
        `SELECT name, status_message FROM ml_jobs WHERE status <> 'SUCCEEDED'`,
      );
      expect(failures).toEqual([]);
      const { rows: statuses } = await db!.raw(
        `SELECT status, count(*) AS n FROM ml_jobs GROUP BY status`,
      );
      expect(statuses).toEqual([{ status: 'SUCCEEDED', n: String(JOBS) }]);
      const { rows: attempts } = await db!.raw(
        `SELECT job_id, count(*) AS n FROM ml_job_attempts GROUP BY job_id HAVING count(*) > 1`,
      );
      expect(attempts).toEqual([]);
    });
  },
);
