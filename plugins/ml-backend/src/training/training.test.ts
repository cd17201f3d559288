import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  BackstageUserPrincipal,
  coreServices,
  createBackendModule,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import {
  ComputeTarget,
  DispatchRequest,
  mlComputeTargetsExtensionPoint,
} from '@ml-portal/plugin-ml-node';
import { Redis } from 'ioredis';
import request from 'supertest';
import { startRedisServer } from '../redis/RedisConnection';
import { mlPlugin } from '../plugin';
import { mlModuleLocalComputeTarget } from './localTargetModule';
import { tenancyPermissionFeatures } from '../__testUtils__/permissions';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const REPO_ROOT = resolve(__dirname, '../../../..');

const ML_PLATFORM = 'group:default/ml-platform';
const VISION = 'group:default/vision';
const RECSYS = 'group:default/recsys';
/** Users and their groups, as the catalog would resolve them. */
const GROUPS: Record<string, string[]> = {
  // A request without a token is alice's.
  'user:default/alice': [ML_PLATFORM, VISION],
  'user:default/bob': [RECSYS],
  'user:default/carol': [],
};
const as = (user: 'bob' | 'carol' | 'alice') =>
  mockCredentials.user.header(`user:default/${user}`);

const userInfoByTeam = createServiceFactory({
  service: coreServices.userInfo,
  deps: {},
  factory: () => ({
    async getUserInfo(credentials) {
      const { userEntityRef } = credentials.principal as BackstageUserPrincipal;
      return {
        userEntityRef,
        ownershipEntityRefs: [userEntityRef, ...(GROUPS[userEntityRef] ?? [])],
      };
    },
  }),
});

/** Adds compute targets to the ml plugin, as a compute-target module does. */
const targetsModule = (...targets: ComputeTarget[]) =>
  createBackendModule({
    pluginId: 'ml',
    moduleId: `test-targets-${Math.random().toString(36).slice(2)}`,
    register(reg) {
      reg.registerInit({
        deps: { extension: mlComputeTargetsExtensionPoint },
        async init({ extension }) {
          extension.addComputeTarget(...targets);
        },
      });
    },
  });

/**
 * The ml plugin with training workers, the real permission backend and the portal's
 * policy; requests without a token are alice's (ml-platform and vision). The local
 * target runs ml-platform's jobs. `training` and `permissions` add to (and override)
 * those settings.
 */
async function startPortal(
  options: {
    redisUrl?: string;
    cost?: object;
    training?: Record<string, unknown>;
    permissions?: object;
    targets?: ComputeTarget[];
  } = {},
) {
  const { server } = await startTestBackend({
    features: [
      mlPlugin,
      mlModuleLocalComputeTarget,
      ...tenancyPermissionFeatures,
      userInfoByTeam,
      mockServices.httpAuth.factory({
        defaultCredentials: mockCredentials.user('user:default/alice'),
      }),
      ...(options.targets ? [targetsModule(...options.targets)] : []),
      mockServices.rootConfig.factory({
        data: {
          permission: { enabled: true },
          ml: {
            redis: { url: options.redisUrl ?? REDIS_URL },
            ...(options.permissions && { permissions: options.permissions }),
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
                allowedGroups: [ML_PLATFORM],
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
              ...options.training,
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

/** Waits until `done` holds, looking again every 50 ms. */
async function until(what: string, done: () => boolean | Promise<boolean>) {
  const deadline = Date.now() + 30_000;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`${what} never happened`);
    await new Promise(r => setTimeout(r, 50));
  }
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
    // The first attempt takes 3 s an epoch (its epoch delay is not one of the run's
    // params), so it is preempted long before it could end; the second runs at full speed.
    const created = await submit(server, {
      name: 'resume',
      profile: 'small',
      experiment: 'resume-test',
      checkpoint: { intervalSeconds: 1 },
      command: [
        'sh',
        '-c',
        'exec node examples/training/logistic_regression.ts --epochs 12 --samples 400 --epoch-delay-ms "$([ "$ML_JOB_ATTEMPT" = 1 ] && echo 3000 || echo 0)"',
      ],
    });
    const jobId = created.body.jobId;
    // Reclaimed once it has saved a checkpoint past its first epoch.
    const checkpoint = join(
      REPO_ROOT,
      '.data/checkpoints',
      jobId,
      'checkpoint.json',
    );
    const savedEpoch = () =>
      existsSync(checkpoint)
        ? Number(JSON.parse(readFileSync(checkpoint, 'utf8')).epoch)
        : -1;
    await until('a checkpoint past the first epoch', () => savedEpoch() > 0);
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
    // The second attempt's log: it resumed where the first one's checkpoint left it.
    const logs = (
      await request(server).get(`/api/ml/training/jobs/${jobId}/logs`)
    ).body.text;
    const resumedAt = Number(
      /resumed from checkpoint at epoch (\d+)/.exec(logs)?.[1],
    );
    expect(resumedAt).toBeGreaterThan(0);
    expect(logs).not.toMatch(/^epoch 0:/m);

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
    const summary = await request(server).get(
      `/api/ml/cost/summary?month=${month}`,
    );
    expect(summary.status).toBe(200);
    expect(summary.body.budgets[0]).toMatchObject({
      holding: true,
      hard: true,
    });
    expect(summary.body.top[0]).toMatchObject({ kind: 'job', name: 'spender' });
    const csv = await request(server).get(
      `/api/ml/cost/export.csv?month=${month}`,
    );
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.text).toContain(first.body.jobId);
    expect(
      (await request(server).get('/api/ml/cost/summary?month=nope')).status,
    ).toBe(400);
  });
});

/**
 * A compute target whose dispatch waits until the test releases it, then "starts" the
 * attempt: a dispatch outlived by a cancel. It records what it was asked, in order.
 */
class StallingTarget implements ComputeTarget {
  readonly id = 'stalling';
  readonly calls: string[] = [];
  readonly running = new Set<string>();
  private releaseDispatch!: () => void;
  private readonly released = new Promise<void>(r => {
    this.releaseDispatch = r;
  });

  release() {
    this.releaseDispatch();
  }

  async dispatch({ externalName }: DispatchRequest) {
    this.calls.push(`dispatch ${externalName}`);
    await this.released;
    this.running.add(externalName);
    this.calls.push(`started ${externalName}`);
    return { externalId: externalName };
  }

  async status(externalName: string) {
    return this.running.has(externalName)
      ? { state: 'running' as const }
      : { state: 'not-found' as const };
  }

  async cancel(externalName: string) {
    this.calls.push(`cancel ${externalName}`);
    this.running.delete(externalName);
  }
}

describe('training job state changes', () => {
  it('stops what a dispatch started after its job was cancelled, and the job stays cancelled', async () => {
    const target = new StallingTarget();
    const server = await startPortal({
      targets: [target],
      training: {
        pools: [
          {
            name: 'stalling-pool',
            target: 'stalling',
            gpuType: 'cpu',
            gpusPerNode: 1,
          },
        ],
        profiles: [],
      },
    });
    const created = await submit(server, {
      name: 'outlived',
      pool: 'stalling-pool',
      command: ['train'],
    });
    expect(created.status).toBe(201);
    const { jobId } = created.body;
    // The dispatch has made its attempt and waits in the target.
    await until('the dispatch', () => target.calls.length > 0);
    const [externalName] = target.calls[0].split(' ').slice(1);
    expect(
      (await request(server).get(`/api/ml/training/jobs/${jobId}`)).body,
    ).toMatchObject({ status: 'DISPATCHING' });

    const cancelled = await request(server)
      .post(`/api/ml/training/jobs/${jobId}/cancel`)
      .send({});
    expect(cancelled.body.status).toBe('CANCELLED');
    target.release();

    await until(
      'the started attempt to be stopped',
      () =>
        target.calls.lastIndexOf(`cancel ${externalName}`) >
          target.calls.indexOf(`started ${externalName}`) &&
        target.calls.includes(`started ${externalName}`),
    );
    const job = await waitForJob(server, jobId, j =>
      j.events.some((e: any) => e.type === 'dispatch-stopped'),
    );
    expect(job.status).toBe('CANCELLED');
    expect(job.attempts).toEqual([
      expect.objectContaining({ externalName, state: 'CANCELLED' }),
    ]);
    expect(target.running.size).toBe(0);
    expect(job.events.map((e: any) => e.type)).toEqual([
      'submitted',
      'admitted',
      'dispatching',
      'cancelled',
      'dispatch-stopped',
    ]);
  });

  it('fails an attempt past its max runtime, stopping its process', async () => {
    const server = await startPortal();
    const created = await submit(server, {
      name: 'too-long',
      profile: 'small',
      maxRuntimeSeconds: 1,
      command: ['sleep', '600'],
    });
    const job = await waitForJob(
      server,
      created.body.jobId,
      j => j.status === 'FAILED',
    );
    expect(job.attempts).toEqual([
      expect.objectContaining({
        state: 'FAILED',
        exitReason: 'max runtime exceeded',
      }),
    ]);
    expect(job.statusMessage).toBe('Attempt 1 failed: max runtime exceeded');
  });
});

describe('training permissions', () => {
  it('makes a job its submitter’s group’s: the first by default, another of theirs on request, never one of others', async () => {
    const server = await startPortal({
      training: {
        local: { enabled: true, allowedGroups: [ML_PLATFORM, VISION] },
      },
    });
    const spec = { profile: 'small', command: ['true'] };
    const byDefault = await submit(server, { ...spec, name: 'a' });
    expect(byDefault.status).toBe(201);
    expect(byDefault.body.owner).toBe(ML_PLATFORM);
    const chosen = await submit(server, { ...spec, name: 'b', owner: VISION });
    expect(chosen.status).toBe(201);
    expect(chosen.body).toMatchObject({
      owner: VISION,
      spec: { owner: VISION },
    });

    const foreign = await submit(server, { ...spec, name: 'c', owner: RECSYS });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.message).toBe(
      `Invalid job spec: owner: user:default/alice may submit jobs only for a group they belong to (${ML_PLATFORM}, ${VISION}), not ${RECSYS}`,
    );
    const groupless = await request(server)
      .post('/api/ml/training/jobs')
      .set('Authorization', as('carol'))
      .send({ ...spec, name: 'd' });
    expect(groupless.status).toBe(403);
    expect(groupless.body.error.message).toMatch(/ml\.job\.create.*no group/);
    expect(
      (await request(server).get('/api/ml/training/jobs')).body.items.map(
        (j: any) => j.name,
      ),
    ).toEqual(['b', 'a']);
  });

  it('shows env values only to the owner team; others read names, and nothing when reads stay in teams', async () => {
    const readers = await startPortal();
    const created = await submit(readers, {
      name: 'with-env',
      profile: 'small',
      command: ['true'],
      env: { WANDB_API_KEY: 'wandb-secret-value', EPOCHS: '3' },
    });
    const { jobId } = created.body;
    expect(created.body.spec.env.WANDB_API_KEY).toBe('wandb-secret-value');
    const get = (user?: 'bob') => {
      const req = request(readers).get(`/api/ml/training/jobs/${jobId}`);
      return user ? req.set('Authorization', as(user)) : req;
    };
    expect((await get()).body.spec.env).toEqual({
      WANDB_API_KEY: 'wandb-secret-value',
      EPOCHS: '3',
    });
    const bobs = await get('bob');
    expect(bobs.status).toBe(200);
    expect(bobs.body.spec.env).toEqual({
      WANDB_API_KEY: '(hidden)',
      EPOCHS: '(hidden)',
    });
    expect(JSON.stringify(bobs.body)).not.toContain('wandb-secret-value');
    const list = await request(readers)
      .get('/api/ml/training/jobs')
      .set('Authorization', as('bob'));
    expect(list.body.items).toEqual([
      expect.objectContaining({
        jobId,
        spec: expect.objectContaining({
          env: { WANDB_API_KEY: '(hidden)', EPOCHS: '(hidden)' },
        }),
      }),
    ]);
    const bobCancels = await request(readers)
      .post(`/api/ml/training/jobs/${jobId}/cancel`)
      .set('Authorization', as('bob'))
      .send({});
    expect(bobCancels.status).toBe(403);
    expect(bobCancels.body.error.message).toBe(
      `user:default/bob may not cancel training job 'with-env' (${jobId}) owned by ${ML_PLATFORM}`,
    );
    const bobPreempts = await request(readers)
      .post(`/api/ml/training/jobs/${jobId}/preempt`)
      .set('Authorization', as('bob'))
      .send({});
    expect(bobPreempts.status).toBe(403);

    const strict = await startPortal({
      permissions: { readAcrossTeams: false },
    });
    const job = await submit(strict, {
      name: 'team-only',
      profile: 'small',
      command: ['true'],
    });
    expect(job.status).toBe(201);
    const asBob = (path: string) =>
      request(strict)
        .get(`/api/ml/training/jobs${path}`)
        .set('Authorization', as('bob'));
    expect((await asBob('')).body.items).toEqual([]);
    expect((await asBob(`/${job.body.jobId}`)).status).toBe(403);
    expect((await asBob(`/${job.body.jobId}/logs`)).status).toBe(403);
    expect((await asBob(`/no-such-job`)).status).toBe(404);
    expect(
      (await request(strict).get('/api/ml/training/jobs')).body.items,
    ).toEqual([expect.objectContaining({ jobId: job.body.jobId })]);
  });

  it('runs local jobs only for the groups the local target serves', async () => {
    const server = await startPortal();
    const refused = await request(server)
      .post('/api/ml/training/jobs')
      .set('Authorization', as('bob'))
      .send({ name: 'not-here', profile: 'small', command: ['true'] });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toBe(
      `Invalid job spec: pool: the local compute target runs jobs only for the groups in ml.training.local.allowedGroups (${ML_PLATFORM}), and ${RECSYS} is not one of them`,
    );
    const nobody = await startPortal({
      training: { local: { enabled: true } },
    });
    const none = await submit(nobody, {
      name: 'nobody',
      profile: 'small',
      command: ['true'],
    });
    expect(none.status).toBe(403);
    expect(none.body.error.message).toMatch(/allowedGroups \(none\)/);
    for (const portal of [server, nobody]) {
      expect(
        (await request(portal).get('/api/ml/training/jobs')).body.items,
      ).toEqual([]);
    }
  });

  it('lets a job use only the secrets its team is given, and never shows or stores their values', async () => {
    process.env.ML_TEST_PLATFORM_TOKEN = 'platform-token-value';
    process.env.ML_TEST_BACKEND_PASSWORD = 'backend-password-value';
    try {
      const server = await startPortal({
        training: {
          local: {
            enabled: true,
            workingDirectory: REPO_ROOT,
            logDirectory: mkdtempSync(join(tmpdir(), 'ml-job-logs-')),
            allowedGroups: [ML_PLATFORM],
            envAllowlist: [
              'ML_TEST_PLATFORM_TOKEN',
              'ML_TEST_BACKEND_PASSWORD',
            ],
          },
          secretScopes: [
            {
              group: ML_PLATFORM,
              target: 'local',
              secrets: ['env:ML_TEST_PLATFORM_*'],
            },
          ],
        },
      });
      const outOfScope = await submit(server, {
        name: 'greedy',
        profile: 'small',
        command: ['true'],
        secretEnv: [
          { name: 'TOKEN', secretRef: 'env:ML_TEST_PLATFORM_TOKEN' },
          { name: 'PASSWORD', secretRef: 'env:ML_TEST_BACKEND_PASSWORD' },
        ],
      });
      expect(outOfScope.status).toBe(403);
      expect(outOfScope.body.error.message).toBe(
        `Invalid job spec: secretEnv[1].secretRef: 'env:ML_TEST_BACKEND_PASSWORD' is not a secret ${ML_PLATFORM} may use on the local target (its secret scopes: GET /training/secret-scopes/{team})`,
      );
      const offList = await submit(server, {
        name: 'off-list',
        profile: 'small',
        command: ['true'],
        secretEnv: [{ name: 'HOME_DIR', secretRef: 'env:ML_TEST_PLATFORM_X' }],
      });
      expect(offList.status).toBe(403);
      expect(offList.body.error.message).toMatch(
        /envAllowlist lists, not ML_TEST_PLATFORM_X/,
      );
      expect(
        (await request(server).get('/api/ml/training/jobs')).body.items,
      ).toEqual([]);

      // In scope: the job gets the value; nothing the portal shows or keeps holds it.
      const created = await submit(server, {
        name: 'scoped',
        profile: 'small',
        command: [
          'node',
          '-e',
          'const { createHash } = require("node:crypto"); console.log(createHash("sha256").update(process.env.TOKEN ?? "").digest("hex"), process.env.ML_TEST_BACKEND_PASSWORD ?? "no password")',
        ],
        secretEnv: [{ name: 'TOKEN', secretRef: 'env:ML_TEST_PLATFORM_TOKEN' }],
      });
      expect(created.status).toBe(201);
      const job = await waitForJob(
        server,
        created.body.jobId,
        j => j.status === 'SUCCEEDED',
      );
      const logs = (
        await request(server).get(`/api/ml/training/jobs/${job.jobId}/logs`)
      ).body.text;
      expect(logs).toContain(
        `${createHash('sha256')
          .update('platform-token-value')
          .digest('hex')} no password`,
      );
      const shown = JSON.stringify([
        job,
        logs,
        (await request(server).get('/api/ml/training/jobs')).body,
      ]);
      expect(shown).toContain('env:ML_TEST_PLATFORM_TOKEN');
      expect(shown).not.toContain('platform-token-value');
    } finally {
      delete process.env.ML_TEST_PLATFORM_TOKEN;
      delete process.env.ML_TEST_BACKEND_PASSWORD;
    }
  });
});
