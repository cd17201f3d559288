import { mkdtempSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { mockCredentials } from '@backstage/backend-test-utils';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabases } from '../__testUtils__/databases';
import { waitFor } from '../__testUtils__/waitFor';
import {
  APPROVER,
  OUTSIDER,
  SCIENTIST,
  startServingPortal,
  TEAM,
} from './__testUtils__/servingPortal';

const databases = createTestDatabases();

/** Canaries that decide in seconds: 50% of traffic, 20 requests each, 3 seconds. */
const QUICK_CANARY = {
  percent: 50,
  durationMinutes: 0.05,
  minRequests: 20,
  maxErrorRateIncrease: 0.05,
  maxP95Ratio: 3,
};

const ready = (e: any) =>
  e.status === 'READY' && e.deployments.every((d: any) => d.state === 'ready');

/**
 * Endpoints on the local serving target, for real: the examples' model server runs per
 * version, the router splits traffic, the analysis decides canaries from the router's
 * counts, on SQLite and PostgreSQL.
 */
describe.each(databases.eachSupportedId())('deployments on %p', databaseId => {
  it('serves a version, promotes a good canary, rolls back a failing one, and rolls back by hand', async () => {
    const portal = await startServingPortal({
      database: await databases.init(databaseId),
    });
    const { scientist } = portal;
    const v1 = await portal.registerVersion('churn', {
      coefficients: [0.1, 0.01],
    });
    const v2 = await portal.registerVersion('churn', {
      coefficients: [0.2, 0.02],
    });
    const v3 = await portal.registerVersion('churn', {
      coefficients: [0.3, 0.03],
      flavorsBefore: ['faulty_test'],
    });

    const created = await scientist.post('/deployments/endpoints', {
      name: 'churn-prod',
      owner: TEAM,
      modelName: 'churn',
      version: v1.version,
      kind: 'real-time',
      target: 'local',
      canary: QUICK_CANARY,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      status: 'CREATING',
      deployments: [{ version: '1', role: 'stable', weight: 100 }],
    });
    const live = await portal.endpointWhen('churn-prod', ready);
    expect(live.url).toMatch(/\/api\/ml\/serving\/churn-prod\/invocations$/);

    const answer = await portal.invoke('churn-prod');
    expect(answer.status).toBe(200);
    expect(answer.headers['x-ml-model-version']).toBe('1');
    expect(answer.body.predictions).toHaveLength(1);

    // A good canary passes on its numbers and takes all traffic.
    const canary = await scientist.post(
      '/deployments/endpoints/churn-prod/deploy',
      {
        version: v2.version,
      },
    );
    expect(canary.status).toBe(200);
    expect(canary.body.canary).toMatchObject({
      version: '2',
      stableVersion: '1',
      status: 'RUNNING',
      percent: 50,
    });
    const promoted = await portal.endpointWhen(
      'churn-prod',
      e => e.canaries[0]?.status === 'PROMOTED',
      { traffic: 20 },
    );
    expect(promoted.deployments).toEqual([
      expect.objectContaining({ version: '2', role: 'stable', weight: 100 }),
    ]);
    expect(promoted.canaries[0].verdict).toMatchObject({
      decision: 'pass',
      canary: { version: '2', errors: 0 },
      stable: { version: '1', errors: 0 },
    });
    expect(promoted.canaries[0].verdict.canary.requests).toBeGreaterThanOrEqual(
      20,
    );
    expect(promoted.events.map((e: any) => e.kind)).toContain(
      'canary.promoted',
    );

    // A version failing 30% of its requests is rolled back by the analysis.
    await portal.endpointWhen('churn-prod', ready);
    expect(
      (
        await scientist.post('/deployments/endpoints/churn-prod/deploy', {
          version: v3.version,
        })
      ).status,
    ).toBe(200);
    const rolledBack = await portal.endpointWhen(
      'churn-prod',
      e => e.canaries[0]?.status === 'ROLLED_BACK',
      { traffic: 20 },
    );
    expect(rolledBack.canaries[0].verdict.decision).toBe('fail');
    expect(rolledBack.canaries[0].verdict.reason).toMatch(/^Error rate/);
    expect(rolledBack.canaries[0].verdict.canary.errorRate).toBeGreaterThan(
      0.1,
    );
    expect(rolledBack.deployments).toEqual([
      expect.objectContaining({ version: '2', role: 'stable', weight: 100 }),
    ]);
    expect(rolledBack.events[0]).toMatchObject({
      kind: 'canary.rolled_back',
      actor: 'ml-platform/canary-analysis',
      version: '3',
    });
    // The owner group is told once the rollback is recorded, a moment after.
    const told = await waitFor(
      'the rollback notified',
      async () => [...portal.notifications],
      sent => sent.length > 0,
    );
    expect(told).toEqual([
      {
        recipients: { type: 'entity', entityRef: TEAM },
        payload: expect.objectContaining({
          title: 'Canary of churn v3 rolled back on churn-prod',
          description: expect.stringMatching(
            /^Error rate .*Traffic is back on version 2\.$/,
          ),
          link: '/ml/deployments/churn-prod',
          severity: 'high',
        }),
      },
    ]);
    const after = await Promise.all(
      Array.from({ length: 10 }, () => portal.invoke('churn-prod')),
    );
    expect(after.map(r => [r.status, r.headers['x-ml-model-version']])).toEqual(
      Array(10).fill([200, '2']),
    );

    // One click back to the version served before, not to the failed canary.
    expect(rolledBack.rollbackVersion).toBe('1');
    const back = await scientist.post(
      '/deployments/endpoints/churn-prod/rollback',
    );
    expect(back.status).toBe(200);
    await portal.endpointWhen(
      'churn-prod',
      e => ready(e) && e.deployments[0].version === '1',
    );
    expect(
      (await portal.invoke('churn-prod')).headers['x-ml-model-version'],
    ).toBe('1');

    const metrics = await scientist.get(
      '/deployments/endpoints/churn-prod/metrics',
    );
    expect(metrics.body.versions.map((v: any) => v.version)).toEqual([
      '1',
      '2',
      '3',
    ]);
    const v3Points = metrics.body.versions[2].points;
    expect(
      v3Points.reduce((n: number, p: any) => n + p.errors, 0),
    ).toBeGreaterThan(0);
    expect(v3Points[0].p95Ms).toBeGreaterThan(0);

    const lineage = await scientist.get(
      `/lineage?kind=model_version&id=${v1.id}&direction=downstream`,
    );
    expect(lineage.body.nodes).toContainEqual(
      expect.objectContaining({ kind: 'deployment', label: 'churn-prod v1' }),
    );
  });

  it('moves a protected alias only after its canary passed', async () => {
    const portal = await startServingPortal({
      database: await databases.init(databaseId),
      ml: { registry: { protectedAliases: ['production'] } },
    });
    const { scientist } = portal;
    const approver = portal.as(APPROVER);
    const v1 = await portal.registerVersion('churn', {
      coefficients: [0.1, 0.01],
    });
    const v2 = await portal.registerVersion('churn', {
      coefficients: [0.2, 0.02],
    });
    const promote = async (version: string) => {
      const asked = await scientist.post('/models/churn/promotions', {
        alias: 'production',
        version,
      });
      expect(asked.status).toBe(201);
      const approved = await approver.post(
        `/promotions/${asked.body.id}/approve`,
        {
          comment: 'ship',
        },
      );
      expect(approved.status).toBe(200);
    };
    await promote(v1.version);
    expect(
      (
        await scientist.post('/deployments/endpoints', {
          name: 'churn-live',
          owner: TEAM,
          modelName: 'churn',
          alias: 'production',
          kind: 'real-time',
          target: 'local',
          canary: QUICK_CANARY,
        })
      ).status,
    ).toBe(201);
    await portal.endpointWhen('churn-live', ready);
    // Around the approval: refused, and nothing changes.
    const bypass = await scientist.post(
      '/deployments/endpoints/churn-live/deploy',
      { version: v2.version },
    );
    expect(bypass.status).toBe(400);
    expect(bypass.body.error.message).toMatch(
      /follows the protected alias 'production': request a promotion of version 2/,
    );

    await promote(v2.version);
    const aliasOf = async () =>
      (await scientist.get('/models/churn')).body.aliases.find(
        (a: any) => a.alias === 'production',
      )?.version;
    // Approved, but the alias waits for the canary.
    expect(await aliasOf()).toBe(v1.version);
    const decided = await portal.endpointWhen(
      'churn-live',
      e => e.canaries[0]?.status === 'PROMOTED',
      { traffic: 20 },
    );
    expect(decided.canaries[0]).toMatchObject({
      alias: 'production',
      version: '2',
    });
    expect(await aliasOf()).toBe(v2.version);
    const audit = (await scientist.get('/models/churn/audit')).body;
    // Newest first: the deployment steps join the model's trail.
    expect(audit.slice(0, 4).map((a: any) => [a.action, a.version])).toEqual([
      ['alias.set', '2'],
      ['canary.promoted', '2'],
      ['canary.started', '2'],
      ['promotion.approved', '2'],
    ]);
    expect(audit[0].detail).toMatch(
      /^set alias 'production' to version 2 after its canary: /,
    );
    expect(audit.map((a: any) => a.action)).toContain('endpoint.created');
  });
});

describe('deployments, one database', () => {
  it('resumes a canary after the backend restarted mid-analysis', async () => {
    const database = await databases.init('SQLITE_3');
    const directories = {
      artifacts: mkdtempSync(join(tmpdir(), 'ml-restart-artifacts-')),
      models: mkdtempSync(join(tmpdir(), 'ml-restart-models-')),
    };
    const first = await startServingPortal({ database, directories });
    await first.registerVersion('churn', { coefficients: [0.1, 0.01] });
    await first.registerVersion('churn', { coefficients: [0.2, 0.02] });
    await first.scientist.post('/deployments/endpoints', {
      name: 'churn-restart',
      owner: TEAM,
      modelName: 'churn',
      version: '1',
      kind: 'real-time',
      target: 'local',
      canary: QUICK_CANARY,
    });
    await first.endpointWhen('churn-restart', ready);
    await first.scientist.post('/deployments/endpoints/churn-restart/deploy', {
      version: '2',
    });
    const running = await first.endpointWhen('churn-restart', ready);
    expect(running.canary).toMatchObject({ status: 'RUNNING', version: '2' });
    // The backend goes away mid-canary, its model servers with it.
    await first.stop();

    const second = await startServingPortal({ database, directories });
    const resumed = await second.endpointWhen(
      'churn-restart',
      e => e.canaries[0]?.status === 'PROMOTED',
      { traffic: 20 },
    );
    expect(resumed.canaries[0]).toMatchObject({
      id: running.canary.id,
      startedAt: running.canary.startedAt,
      decidedBy: 'ml-platform/canary-analysis',
    });
    expect(resumed.deployments).toEqual([
      expect.objectContaining({ version: '2', role: 'stable', weight: 100 }),
    ]);
    await second.stop();
  });

  it('moves an unprotected alias with a passed canary, and follows the alias without a gap in serving', async () => {
    const portal = await startServingPortal();
    const { scientist } = portal;
    for (const coefficients of [
      [0.1, 0.01],
      [0.2, 0.02],
      [0.3, 0.03],
    ]) {
      await portal.registerVersion('churn', { coefficients });
    }
    const setAlias = (version: string) =>
      scientist.mlflow('registered-models/alias', {
        name: 'churn',
        alias: 'staging',
        version,
      });
    expect((await setAlias('1')).status).toBe(200);
    await scientist.post('/deployments/endpoints', {
      name: 'churn-staging',
      owner: TEAM,
      modelName: 'churn',
      alias: 'staging',
      kind: 'real-time',
      target: 'local',
      canary: QUICK_CANARY,
    });
    await portal.endpointWhen('churn-staging', ready);

    // A canary of version 2 passes: 'staging' moves with it, and the endpoint stays.
    await scientist.post('/deployments/endpoints/churn-staging/deploy', {
      version: '2',
    });
    await portal.endpointWhen(
      'churn-staging',
      e => e.canaries[0]?.status === 'PROMOTED',
      { traffic: 20 },
    );
    const staging = async () =>
      (await scientist.get('/models/churn')).body.aliases.find(
        (a: any) => a.alias === 'staging',
      )?.version;
    expect(await staging()).toBe('2');

    // The alias moves to 3 from MLflow: the endpoint rolls it out while 2 answers.
    expect((await setAlias('3')).status).toBe(200);
    const statuses = new Set<number>();
    const followed = await waitFor(
      'the endpoint serving version 3',
      async () => {
        const answer = await portal.invoke('churn-staging');
        statuses.add(answer.status);
        return answer.headers['x-ml-model-version'];
      },
      version => version === '3',
    );
    expect(followed).toBe('3');
    expect([...statuses]).toEqual([200]);
    const done = await portal.endpointWhen(
      'churn-staging',
      e => e.deployments.length === 1,
    );
    expect(done.deployments[0]).toMatchObject({ version: '3', weight: 100 });
    expect(done.events.map((e: any) => e.kind)).toEqual(
      expect.arrayContaining(['alias.followed', 'deployment.replaced']),
    );
    expect(await staging()).toBe('3');
  });

  it('serves scoring on its own listener, with the same auth', async () => {
    const port = await freePort();
    const portal = await startServingPortal({
      ml: {
        deployments: {
          workers: true,
          analysisIntervalSeconds: 0.3,
          meterFlushMs: 200,
          servingListener: {
            port,
            baseUrl: `http://127.0.0.1:${port}`,
          },
        },
      },
    });
    await portal.registerVersion('churn', { coefficients: [0.1, 0.01] });
    await portal.scientist.post('/deployments/endpoints', {
      name: 'churn-fast',
      owner: TEAM,
      modelName: 'churn',
      version: '1',
      kind: 'real-time',
      target: 'local',
    });
    const live = await portal.endpointWhen('churn-fast', ready);
    expect(live.url).toBe(
      `http://127.0.0.1:${port}/serving/churn-fast/invocations`,
    );
    const score = (headers: Record<string, string>) =>
      fetch(live.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({
          dataframe_split: {
            columns: ['tenure', 'monthly_charges'],
            data: [[12, 70.5]],
          },
        }),
      });
    const answer = await score({
      authorization: mockCredentials.user.header(SCIENTIST),
    });
    expect(answer.status).toBe(200);
    expect((await answer.json()).predictions).toHaveLength(1);
    // A token that does not verify (the test backend takes a missing one as a user).
    expect((await score({ authorization: 'Bearer not-a-token' })).status).toBe(
      401,
    );
    // Another team's member scores too: the local policy reads across teams.
    expect(
      (await score({ authorization: mockCredentials.user.header(OUTSIDER) }))
        .status,
    ).toBe(200);
    const unknown = await fetch(
      `http://127.0.0.1:${port}/serving/nope/invocations`,
      {
        method: 'POST',
        headers: { authorization: mockCredentials.user.header(SCIENTIST) },
      },
    );
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    await portal.stop();
  });

  it('scores a registered dataset as a training job, its input and output in lineage', async () => {
    const portal = await startServingPortal({
      ml: {
        deployments: { workers: false },
        training: { local: { allowedGroups: [TEAM] } },
      },
    });
    const { scientist } = portal;
    await portal.registerVersion('churn', { coefficients: [0.1, 0.01] });
    const create = (kind: string, pool?: string) =>
      scientist.post('/deployments/endpoints', {
        name: `churn-${kind}`,
        owner: TEAM,
        modelName: 'churn',
        version: '1',
        kind,
        target: 'local',
        pool,
      });
    // Batch scoring runs as training jobs: in a pool.
    expect((await create('batch')).body.error.message).toMatch(
      /name the pool they run in/,
    );
    expect((await create('batch', 'local-cpu')).status).toBe(201);
    expect((await create('real-time')).status).toBe(201);
    const input = await scientist.post('/datasets', {
      name: 'churn-to-score',
      source: '/data/churn-2026-12.csv',
      owner: TEAM,
    });
    expect(input.status).toBe(201);

    const run = (endpoint: string, body: object) =>
      scientist.post(`/deployments/endpoints/${endpoint}/batch-runs`, body);
    const started = await run('churn-batch', {
      input: 'churn-to-score',
      output: '/data/churn-2026-12-scores.csv',
    });
    expect([started.status, started.body.error?.message]).toEqual([
      201,
      undefined,
    ]);
    const job = (await scientist.get(`/training/jobs/${started.body.jobId}`))
      .body;
    const command: string[] = job.spec.command;
    expect(command.slice(0, 2)).toEqual([
      'node',
      'examples/serving/batch_score.ts',
    ]);
    // The version's files on this host, the dataset's source, the output.
    const modelDir = command[command.indexOf('--model-dir') + 1];
    expect(readdirSync(modelDir)).toEqual(
      expect.arrayContaining(['MLmodel', 'coefficients.json']),
    );
    expect(command.slice(command.indexOf('--input'))).toEqual([
      '--input',
      '/data/churn-2026-12.csv',
      '--output',
      '/data/churn-2026-12-scores.csv',
    ]);
    expect(job.spec.inputs.datasets).toEqual([input.body.id]);
    const lineage = (
      await scientist.get(
        `/lineage?kind=job&id=${started.body.jobId}&direction=both`,
      )
    ).body;
    const datasets = lineage.nodes
      .filter((n: any) => n.kind === 'dataset')
      .map((n: any) => n.label)
      .sort();
    expect(datasets).toEqual(['churn-batch-scores', 'churn-to-score']);
    expect(lineage.edges).toContainEqual(
      expect.objectContaining({
        from: `job:${started.body.jobId}`,
        relation: 'produced',
      }),
    );

    expect(
      (await run('churn-batch', { input: 'nope', output: '/x.csv' })).status,
    ).toBe(404);
    expect(
      (await run('churn-real-time', { input: 'churn-to-score', output: '/x' }))
        .status,
    ).toBe(400);
  });

  it('fails a deployment whose server never starts, with its last log lines, and routes nothing to it', async () => {
    const portal = await startServingPortal({
      ml: {
        serving: {
          targets: {
            local: {
              workingDirectory: '.',
              startTimeoutSeconds: 2,
              flavors: [
                {
                  flavor: 'never_ready_test',
                  command: [
                    process.execPath,
                    '-e',
                    "console.log('loading weights: out of memory'); setInterval(() => {}, 1000)",
                  ],
                },
              ],
            },
          },
        },
      },
    });
    await portal.registerVersion('stuck', {
      coefficients: [1, 1],
      flavorsBefore: ['never_ready_test'],
    });
    await portal.scientist.post('/deployments/endpoints', {
      name: 'stuck',
      owner: TEAM,
      modelName: 'stuck',
      version: '1',
      kind: 'real-time',
      target: 'local',
    });
    const failed = await portal.endpointWhen(
      'stuck',
      e => e.status === 'FAILED',
    );
    expect(failed.deployments[0]).toMatchObject({ state: 'failed' });
    expect(failed.deployments[0].logTail).toContain(
      'loading weights: out of memory',
    );
    expect(failed.events.map((e: any) => e.kind)).toContain(
      'deployment.failed',
    );
    const refused = await portal.invoke('stuck');
    expect(refused.status).toBe(503);
    expect(refused.body.error_code).toBe('TEMPORARILY_UNAVAILABLE');
  });

  it('scales a serverless endpoint to zero and measures the next cold start', async () => {
    const portal = await startServingPortal();
    await portal.registerVersion('spiky', { coefficients: [0.1, 0.1] });
    const created = await portal.scientist.post('/deployments/endpoints', {
      name: 'spiky',
      owner: TEAM,
      modelName: 'spiky',
      version: '1',
      kind: 'serverless',
      target: 'local',
      scaleToZeroAfterSeconds: 1,
    });
    expect(created.body).toMatchObject({
      minReplicas: 0,
      scaleToZeroAfterSeconds: 1,
    });
    await portal.endpointWhen('spiky', ready);
    expect((await portal.invoke('spiky')).status).toBe(200);
    await portal.endpointWhen(
      'spiky',
      e => e.deployments[0].state === 'scaled-to-zero',
    );
    const cold = await portal.invoke('spiky');
    expect(cold.status).toBe(200);
    const warmed = await portal.endpointWhen(
      'spiky',
      e => e.deployments[0].lastColdStartMs > 0,
    );
    expect(warmed.events.map((e: any) => e.kind)).toContain(
      'deployment.cold_start',
    );
  });

  it('refuses bad input with the right status and changes nothing', async () => {
    const portal = await startServingPortal({
      ml: { deployments: { workers: false } },
    });
    const { scientist } = portal;
    await portal.registerVersion('churn', { coefficients: [0.1, 0.01] });
    const endpoint = (body: object) =>
      scientist.post('/deployments/endpoints', {
        name: 'churn-a',
        owner: TEAM,
        modelName: 'churn',
        version: '1',
        kind: 'real-time',
        target: 'local',
        ...body,
      });
    expect((await endpoint({ modelName: 'nope' })).status).toBe(404);
    expect((await endpoint({ version: '9' })).status).toBe(404);
    expect((await endpoint({ version: undefined, alias: 'gone' })).status).toBe(
      404,
    );
    expect((await endpoint({ alias: 'staging' })).status).toBe(400);
    expect((await endpoint({ name: 'Not A Label' })).status).toBe(400);
    expect(
      (await endpoint({ target: 'mainframe' })).body.error.message,
    ).toMatch(/Serving target 'mainframe' is not enabled; enabled: local/);
    expect((await endpoint({ minReplicas: 0 })).status).toBe(400);
    expect((await endpoint({ owner: 'group:default/other-team' })).status).toBe(
      403,
    );
    expect(
      (
        await portal.as(OUTSIDER).post('/deployments/endpoints', {
          name: 'churn-b',
          owner: 'group:default/other-team',
          modelName: 'churn',
          version: '1',
          kind: 'real-time',
          target: 'local',
        })
      ).status,
    ).toBe(201);
    expect(
      (await scientist.get('/deployments/endpoints')).body.items.map(
        (e: any) => e.name,
      ),
    ).toEqual(['churn-b']);

    expect((await endpoint({})).status).toBe(201);
    expect((await endpoint({})).status).toBe(409);
    const traffic = (weights: object[]) =>
      scientist.post('/deployments/endpoints/churn-a/traffic', { weights });
    expect(
      (await traffic([{ version: '1', weight: 90 }])).body.error.message,
    ).toMatch(/add to 90; they must add to 100/);
    expect(
      (
        await traffic([
          { version: '1', weight: 50 },
          { version: '2', weight: 50 },
        ])
      ).status,
    ).toBe(400);
    const sameVersion = await scientist.post(
      '/deployments/endpoints/churn-a/deploy',
      {
        version: '1',
      },
    );
    expect(sameVersion.status).toBe(400);
    expect(sameVersion.body.error.message).toMatch(/already serves version 1/);
    expect(
      (await scientist.post('/deployments/endpoints/churn-a/promote')).status,
    ).toBe(400);
    expect(
      (await scientist.post('/deployments/endpoints/churn-a/rollback')).status,
    ).toBe(400);
    // Another team's endpoint: readable across teams, not changeable.
    expect(
      (await scientist.post('/deployments/endpoints/churn-b/abort')).status,
    ).toBe(403);
    expect(
      (await scientist.delete('/deployments/endpoints/churn-b')).status,
    ).toBe(403);
    const unchanged = (await scientist.get('/deployments/endpoints/churn-a'))
      .body;
    expect(unchanged.deployments).toEqual([
      expect.objectContaining({ version: '1', role: 'stable', weight: 100 }),
    ]);
    expect(unchanged.events.map((e: any) => e.kind)).toEqual([
      'endpoint.created',
    ]);
    expect((await portal.invoke('nope')).status).toBe(404);
  });
});

/** A port nothing listens on now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise(resolve => server.close(resolve));
  return port;
}
