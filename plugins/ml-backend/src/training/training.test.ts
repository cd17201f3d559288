import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { Redis } from 'ioredis';
import request from 'supertest';
import { startRedisServer } from '../redis/RedisConnection';
import { mlPlugin } from '../plugin';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const REPO_ROOT = resolve(__dirname, '../../../..');

async function startPortal(
  options: { redisUrl?: string; cost?: object } = {},
) {
  const { server } = await startTestBackend({
    features: [
      mlPlugin,
      mockServices.rootConfig.factory({
        data: {
          ml: {
            redis: { url: options.redisUrl ?? REDIS_URL },
            mlflow: { allowUnauthenticated: true },
            ...(options.cost && { cost: options.cost }),
            artifacts: {
              local: {
                directory: mkdtempSync(join(tmpdir(), 'ml-artifacts-')),
              },
            },
            training: {
              // Each test backend gets its own queues in the shared Redis.
              queuePrefix: `ml-test-${Math.random().toString(36).slice(2)}`,
              pollIntervalMs: 200,
              local: {
                enabled: true,
                workingDirectory: REPO_ROOT,
                logDirectory: mkdtempSync(join(tmpdir(), 'ml-job-logs-')),
              },
              pools: [
                {
                  name: 'local-cpu',
                  target: 'local',
                  gpuType: 'cpu',
                  gpusPerNode: 2,
                  nodes: 1,
                },
              ],
              profiles: [
                {
                  name: 'small',
                  pools: ['local-cpu'],
                  defaults: { gpus: 1 },
                  limits: { maxGpus: 2 },
                },
              ],
            },
          },
        },
      }),
    ],
  });
  return server;
}

type Server = Awaited<ReturnType<typeof startPortal>>;

async function waitForJob(
  server: Server,
  jobId: string,
  done: (job: any) => boolean,
  timeoutMs = 30_000,
) {
  const deadline = Date.now() + timeoutMs;
  let job: any;
  while (Date.now() < deadline) {
    job = (await request(server).get(`/api/ml/training/jobs/${jobId}`)).body;
    if (done(job)) return job;
    await new Promise(r => setTimeout(r, 150));
  }
  throw new Error(
    `Job ${jobId} did not get there in time; last seen ${JSON.stringify(
      job?.status,
    )}: ${job?.statusMessage}`,
  );
}

const submit = (server: Server, spec: object) =>
  request(server).post('/api/ml/training/jobs').send(spec);

// Real processes and real queues: these take seconds, not milliseconds.
jest.setTimeout(90_000);

describe('training jobs on the local target', () => {
  it('runs a job to success with the MLflow env injected, and records its timeline', async () => {
    const server = await startPortal();
    const created = await submit(server, {
      name: 'hello',
      profile: 'small',
      command: [
        'node',
        '-e',
        'console.log("hello", process.env.ML_JOB_ID, process.env.MLFLOW_RUN_ID, process.env.MLFLOW_TRACKING_URI)',
      ],
    });
    expect(created.status).toBe(201);
    const job = await waitForJob(
      server,
      created.body.jobId,
      j => j.status === 'SUCCEEDED',
    );

    expect(job.attempts).toHaveLength(1);
    expect(job.attempts[0]).toMatchObject({
      state: 'SUCCEEDED',
      pool: 'local-cpu',
      target: 'local',
    });
    // Over before any poll saw it running: its start still comes from the target.
    expect(job.attempts[0].startedAt).toBeLessThanOrEqual(
      job.attempts[0].endedAt,
    );
    expect(job.events.map((e: any) => e.type)).toEqual(
      expect.arrayContaining([
        'submitted',
        'admitted',
        'dispatching',
        'dispatched',
        'succeeded',
      ]),
    );
    const logs = await request(server).get(
      `/api/ml/training/jobs/${job.jobId}/logs`,
    );
    expect(logs.body.text).toContain(
      `hello ${job.jobId} ${job.runId} http://localhost:`,
    );
  });

  it('refuses bad specs with 400 naming the field', async () => {
    const server = await startPortal();
    const cases: Array<[object, RegExp]> = [
      [{ name: 'x', profile: 'small' }, /command/],
      [
        { name: 'x', pool: 'h100-spot', command: ['true'] },
        /pool: unknown GPU pool 'h100-spot'/,
      ],
      [
        { name: 'x', profile: 'gold', command: ['true'] },
        /profile: unknown training profile 'gold'/,
      ],
      [
        {
          name: 'x',
          pool: 'local-cpu',
          command: ['true'],
          resources: { gpus: 5 },
        },
        /asks for 5 GPUs; the largest of its pools \(local-cpu\) has 2/,
      ],
      [
        {
          name: 'x',
          profile: 'small',
          command: ['true'],
          env: { MLFLOW_RUN_ID: 'x' },
        },
        /env.MLFLOW_RUN_ID: set by the platform/,
      ],
    ];
    for (const [spec, message] of cases) {
      const response = await submit(server, spec);
      expect(response.status).toBe(400);
      expect(response.body.error.message).toMatch(message);
    }
    expect(
      (await request(server).get('/api/ml/training/jobs')).body.items,
    ).toEqual([]);
  });

  it('explains why a job waits, with its queue position, and cancels it', async () => {
    const server = await startPortal();
    const sleeper = {
      profile: 'small',
      command: ['node', '-e', 'setTimeout(() => {}, 20000)'],
    };
    const first = await submit(server, {
      ...sleeper,
      name: 'a',
      resources: { gpus: 2 },
    });
    await waitForJob(server, first.body.jobId, j => j.status === 'RUNNING');
    const second = await submit(server, { ...sleeper, name: 'b' });
    const waiting = await waitForJob(
      server,
      second.body.jobId,
      j => j.pendingReason === 'capacity',
    );
    expect(waiting).toMatchObject({
      status: 'PENDING',
      queuePosition: 1,
      statusMessage: 'local-cpu has 0 of 2 GPUs free; the job needs 1',
    });

    const pools = await request(server).get('/api/ml/training/pools');
    expect(pools.body.items).toEqual([
      expect.objectContaining({
        name: 'local-cpu',
        capacityGpus: 2,
        usedGpus: 2,
        pendingJobs: 1,
      }),
    ]);

    const cancelled = await request(server)
      .post(`/api/ml/training/jobs/${first.body.jobId}/cancel`)
      .send({});
    expect(cancelled.body.status).toBe('CANCELLED');
    // Its GPUs go to the waiting job.
    await waitForJob(server, second.body.jobId, j => j.status === 'RUNNING');
    await request(server)
      .post(`/api/ml/training/jobs/${second.body.jobId}/cancel`)
      .send({});
    const again = await request(server)
      .post(`/api/ml/training/jobs/${second.body.jobId}/cancel`)
      .send({});
    expect(again.status).toBe(409);
  });

  it('answers 503 and writes nothing when Redis is down', async () => {
    const server = await startPortal({ redisUrl: 'redis://127.0.0.1:1' });
    const response = await submit(server, {
      name: 'x',
      profile: 'small',
      command: ['true'],
    });
    expect(response.status).toBe(503);
    expect(
      (await request(server).get('/api/ml/training/jobs')).body.items,
    ).toEqual([]);
  });

  it('survives a preemption: the example training resumes from its checkpoint in a second attempt', async () => {
    const server = await startPortal();
    const created = await submit(server, {
      name: 'resume',
      profile: 'small',
      experiment: 'resume-test',
      checkpoint: { intervalSeconds: 1 },
      command: [
        'node',
        'examples/training/logistic_regression.ts',
        '--epochs',
        '12',
        '--epoch-delay-ms',
        '250',
        '--samples',
        '400',
      ],
    });
    const jobId = created.body.jobId;
    // Let it train a few epochs past a checkpoint, then reclaim the node.
    const deadline = Date.now() + 30_000;
    while (
      !/epoch [4-9]/.test(
        (await request(server).get(`/api/ml/training/jobs/${jobId}/logs`)).body
          .text,
      )
    ) {
      if (Date.now() > deadline) throw new Error('the training did not start');
      await new Promise(r => setTimeout(r, 200));
    }
    expect(
      (
        await request(server)
          .post(`/api/ml/training/jobs/${jobId}/preempt`)
          .send({})
      ).status,
    ).toBe(202);

    const job = await waitForJob(
      server,
      jobId,
      j => j.status === 'SUCCEEDED',
      60_000,
    );
    expect(job.attempts.map((a: any) => a.state)).toEqual([
      'PREEMPTED',
      'SUCCEEDED',
    ]);
    expect(job.events.map((e: any) => e.type)).toContain('preempted');
    const logs = (
      await request(server).get(`/api/ml/training/jobs/${jobId}/logs`)
    ).body.text;
    const resumedAt = Number(
      /resumed from checkpoint at epoch (\d+)/.exec(logs)?.[1],
    );
    expect(resumedAt).toBeGreaterThan(0);

    // One MLflow run across both attempts, every epoch logged once.
    const history = await request(server).get(
      `/api/ml/mlflow/api/2.0/mlflow/metrics/get-history?run_id=${job.runId}&metric_key=val_auc`,
    );
    const steps = new Set(history.body.metrics.map((m: any) => m.step));
    expect([...steps].sort((a: any, b: any) => a - b)).toEqual(
      Array.from({ length: 12 }, (_, i) => i),
    );
  });

  it('recovers from a Redis flush: lost dispatches and the tick are rebuilt from the rows', async () => {
    // A redis-server of its own: FLUSHALL on the shared one would hit other tests.
    const redis = await startRedisServer();
    const admin = new Redis(redis.url);
    try {
      const server = await startPortal({ redisUrl: redis.url });
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) {
        const created = await submit(server, {
          name: `flushed-${i}`,
          profile: 'small',
          command: ['sleep', '0.5'],
        });
        expect(created.status).toBe(201);
        ids.push(created.body.jobId);
      }
      // Dispatches just queued, the tick's scheduler, the admission trigger: all gone.
      await admin.flushall();
      await waitForJob(server, ids[0], j => j.status === 'SUCCEEDED');
      await admin.flushall();

      for (const id of ids) {
        const job = await waitForJob(server, id, j => j.status === 'SUCCEEDED');
        expect(job.attempts).toHaveLength(1);
      }
    } finally {
      admin.disconnect();
      redis.child.kill('SIGTERM');
    }
  });

  it('holds a team over its hard budget with the reason shown, and meters what ran', async () => {
    // One "GPU" of the local pool at $3,600/h: a one-second job spends $1, the budget.
    const server = await startPortal({
      cost: {
        prices: [{ pool: 'local-cpu', gpuHourUsd: 3600 }],
        budgets: [
          { team: 'group:default/ml-platform', monthlyUsd: 1, hard: true },
        ],
      },
    });
    const first = await submit(server, {
      name: 'spender',
      profile: 'small',
      command: ['sleep', '1.2'],
    });
    expect(first.status).toBe(201);
    expect(first.body.owner).toBe('group:default/ml-platform');
    await waitForJob(server, first.body.jobId, j => j.status === 'SUCCEEDED');

    const second = await submit(server, {
      name: 'held',
      profile: 'small',
      command: ['true'],
    });
    const held = await waitForJob(
      server,
      second.body.jobId,
      j => j.pendingReason === 'budget',
    );
    expect(held.status).toBe('PENDING');
    expect(held.statusMessage).toMatch(
      /Held for budget: group:default\/ml-platform has spent \$1\.\d+ of its \$1\.00 budget/,
    );

    const month = new Date().toISOString().slice(0, 7);
    const summary = await request(server).get(`/api/ml/cost/summary?month=${month}`);
    expect(summary.status).toBe(200);
    expect(summary.body.budgets[0]).toMatchObject({ holding: true, hard: true });
    expect(summary.body.top[0]).toMatchObject({ kind: 'job', name: 'spender' });
    const csv = await request(server).get(`/api/ml/cost/export.csv?month=${month}`);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.text).toContain(first.body.jobId);
    expect((await request(server).get('/api/ml/cost/summary?month=nope')).status).toBe(400);
  });
});
