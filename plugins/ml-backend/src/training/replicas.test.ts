import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import knexFactory, { Knex } from 'knex';

/**
 * Backend processes share one PostgreSQL database and one Redis, all running the
 * training workers: admission must never give out more GPUs than the pool has, no job
 * may be dispatched twice, and a replica killed mid-burst loses nothing. Needs
 * PostgreSQL (CI sets the variable below).
 */
const PG_URL = process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PLUGIN_DIR = resolve(__dirname, '../..');
const REPO_ROOT = resolve(PLUGIN_DIR, '../..');
const TOKEN = `replicas-${Math.random().toString(36).slice(2)}-token`;
/** The group the test's token acts for; the local target runs its jobs. */
const REPLICA_GROUP = 'group:default/replica-test';

jest.setTimeout(600_000);

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

/** Most GPUs ever held at once, replayed from every job's timeline (admission to its end). */
async function maxGpusHeld(db: Knex): Promise<number> {
  const events = await db('ml_job_events as e')
    .join('ml_jobs as j', 'j.job_id', 'e.job_id')
    .select('e.job_id', 'e.at', 'e.status', 'j.gpus')
    .orderBy('e.event_id');
  const holding = new Set(['ADMITTED', 'DISPATCHING', 'RUNNING']);
  const held = new Map<string, boolean>();
  const changes: Array<{ at: number; delta: number }> = [];
  for (const event of events) {
    const was = held.get(event.job_id) ?? false;
    const is = holding.has(event.status);
    if (was !== is)
      changes.push({
        at: Number(event.at),
        delta: is ? event.gpus : -event.gpus,
      });
    held.set(event.job_id, is);
  }
  // At the same millisecond a release counts first: it committed before the admission read it.
  changes.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let now = 0;
  let max = 0;
  for (const change of changes) {
    now += change.delta;
    max = Math.max(max, now);
  }
  return max;
}

describeWithPostgres('backend replicas on one PostgreSQL and one Redis', () => {
  const admin = knexFactory({ client: 'pg', connection: PG_URL });
  const children: ChildProcess[] = [];
  const databases: Array<{ name: string; db: Knex }> = [];

  /** A database, queue prefix and log directory shared by the replicas of one test. */
  async function cluster(capacity: number) {
    const database = `ml_replicas_${Date.now()}_${capacity}`;
    await admin.raw(`CREATE DATABASE ${database}`);
    const db = knexFactory({ client: 'pg', connection: databaseUrl(database) });
    databases.push({ name: database, db });
    // The replicas see one host, so one log directory: the local target's files there
    // let any replica follow a process another one started.
    const logs = mkdtempSync(join(tmpdir(), 'ml-replica-logs-'));

    async function startReplica() {
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
            APP_CONFIG_ml_permissions: JSON.stringify({
              allowDisabled: true,
              servicePrincipals: [
                { subject: 'replica-test', group: REPLICA_GROUP },
              ],
            }),
            APP_CONFIG_ml_training: JSON.stringify({
              queuePrefix: database,
              pollIntervalMs: 200,
              local: {
                enabled: true,
                workingDirectory: REPO_ROOT,
                logDirectory: logs,
                allowedGroups: [REPLICA_GROUP],
              },
              pools: [
                {
                  name: 'shared',
                  target: 'local',
                  gpuType: 'cpu',
                  gpusPerNode: capacity,
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
        if (ok) return { baseUrl, child };
        await new Promise(r => setTimeout(r, 250));
      }
      throw new Error(`replica on ${port} did not start: ${stderr}`);
    }

    const submit = (baseUrl: string, name: string, command: string[]) =>
      fetch(`${baseUrl}/api/ml/training/jobs`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${TOKEN}`,
        },
        body: JSON.stringify({ name, profile: 'one', command }),
      }).then(r => r.status);

    /**
     * What the local target's files say of the jobs' attempts, and who holds the pid in
     * the pid file: an attempt can only stay running while a live process has that pid.
     */
    async function localAttemptFiles(jobIds: string[]) {
      const attempts = await db('ml_job_attempts')
        .whereIn('job_id', jobIds)
        .select('job_id', 'state', 'external_name');
      const read = (path: string) => {
        try {
          return readFileSync(path, 'utf8').replace(/\0/g, ' ').slice(0, 300);
        } catch (error) {
          return `(${(error as NodeJS.ErrnoException).code})`;
        }
      };
      return attempts.map(attempt => {
        const files = (kind: string) =>
          read(join(logs, `${attempt.external_name}.${kind}`));
        const pid = /"pid":(\d+)/.exec(files('pid'))?.[1];
        return {
          ...attempt,
          pidFile: files('pid'),
          exitFile: files('exit'),
          pidCmdline: pid ? read(`/proc/${pid}/cmdline`) : undefined,
          log: files('log').slice(-200),
        };
      });
    }

    async function waitUntilAllFinal(jobs: number, timeoutMs: number) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { rows } = await db.raw(
          `SELECT count(*) FILTER (WHERE status IN ('SUCCEEDED','FAILED','CANCELLED')) AS done FROM ml_jobs`,
        );
        if (Number(rows[0].done) === jobs) return;
        if (Date.now() > deadline) {
          const stuck = await db('ml_jobs')
            .whereNotIn('status', ['SUCCEEDED', 'FAILED', 'CANCELLED'])
            .select('job_id', 'status', 'status_message')
            .limit(5);
          throw new Error(
            `only ${
              rows[0].done
            } of ${jobs} jobs finished; unfinished: ${JSON.stringify(
              stuck,
            )}; their attempts: ${JSON.stringify(
              await localAttemptFiles(stuck.map(job => job.job_id)),
            )}`,
          );
        }
        await new Promise(r => setTimeout(r, 250));
      }
    }

    return { db, logs, startReplica, submit, waitUntilAllFinal };
  }

  /** Every job succeeded in exactly one attempt. */
  async function expectEachJobRanOnce(db: Knex, jobs: number) {
    const { rows: statuses } = await db.raw(
      `SELECT status, count(*) AS n FROM ml_jobs GROUP BY status`,
    );
    expect(statuses).toEqual([{ status: 'SUCCEEDED', n: String(jobs) }]);
    const { rows: repeated } = await db.raw(
      `SELECT job_id, count(*) AS n FROM ml_job_attempts GROUP BY job_id HAVING count(*) > 1`,
    );
    expect(repeated).toEqual([]);
  }

  afterAll(async () => {
    // Their connections must be gone before the databases are dropped.
    const exited = children
      .filter(child => child.exitCode === null && child.signalCode === null)
      .map(child => new Promise(r => child.once('exit', r)));
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(exited);
    for (const { name, db } of databases) {
      await db.destroy();
      await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
    await admin.destroy();
  });

  it('never oversubscribes the pool and dispatches every job once', async () => {
    const capacity = 3;
    const jobs = 40;
    const { db, startReplica, submit, waitUntilAllFinal } = await cluster(
      capacity,
    );
    // One after the other: Backstage's own auth key store races to create its tables
    // when two backends start on a fresh database at once (our migrations do not:
    // see migrations.test.ts).
    const a = await startReplica();
    const b = await startReplica();

    const statuses = await Promise.all(
      Array.from({ length: jobs }, (_, i) =>
        submit(i % 2 ? a.baseUrl : b.baseUrl, `job-${i}`, ['sleep', '0.2']),
      ),
    );
    expect(statuses).toEqual(Array(jobs).fill(201));
    await waitUntilAllFinal(jobs, 150_000);

    const max = await maxGpusHeld(db);
    expect(max).toBeGreaterThan(1);
    expect(max).toBeLessThanOrEqual(capacity);
    await expectEachJobRanOnce(db, jobs);
  });

  it('loses nothing when a replica is killed -9 in a burst of 1,000 jobs', async () => {
    const capacity = 40;
    const jobs = 1000;
    const { db, logs, startReplica, submit, waitUntilAllFinal } = await cluster(
      capacity,
    );
    const victim = await startReplica();
    const survivor = await startReplica();
    // A no-op that leaves a trace: each job's id once per run of its command.
    const runs = join(logs, 'runs');
    const command = ['sh', '-c', `echo "$ML_JOB_ID" >> ${runs}`];

    let submitted = 0;
    let restarted: Promise<unknown> | undefined;
    const submitter = async () => {
      while (submitted < jobs) {
        const i = submitted++;
        expect(await submit(survivor.baseUrl, `burst-${i}`, command)).toBe(201);
        if (i === 300) victim.child.kill('SIGKILL');
        if (i === 600) restarted = startReplica();
      }
    };
    await Promise.all(Array.from({ length: 20 }, submitter));
    await restarted;
    // Under the whole suite on 2 cores this takes minutes: BullMQ recovers the dead
    // replica's dispatches only when their 30 s locks expire.
    await waitUntilAllFinal(jobs, 420_000);

    await expectEachJobRanOnce(db, jobs);
    const ran = readFileSync(runs, 'utf8').trim().split('\n');
    expect(ran).toHaveLength(jobs);
    expect(new Set(ran).size).toBe(jobs);
    expect(await maxGpusHeld(db)).toBeLessThanOrEqual(capacity);
  });
});
