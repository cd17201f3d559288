import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import request from 'supertest';
import { createTestDatabases } from './__testUtils__/databases';
import {
  tenancyPermissionFeatures,
  userInfoByTeam,
} from './__testUtils__/permissions';
import { startPortal } from './__testUtils__/portal';

/**
 * Who may do what across teams, through the HTTP API with the real permission backend
 * and the portal's policy: two users of two teams, a manager, a platform engineer, a CI
 * token mapped to one team, an unmapped token and an anonymous client, against every
 * kind of read, write, delete, promotion, approval, job action, spend and lineage read
 * on the vision team's work. Reading across teams is off, as a strict install sets it.
 */

const VISION = 'group:default/vision';
const RECSYS = 'group:default/recsys';
const TEAMS: Record<string, string[]> = {
  'user:default/alice': [VISION],
  'user:default/bob': [RECSYS],
  'user:default/mona': ['group:default/managers'],
  'user:default/pat': ['group:default/platform'],
};

type Actor =
  | 'alice'
  | 'bob'
  | 'mona'
  | 'pat'
  | 'visionCi'
  | 'dashboard'
  | 'anonymous';

const headers: Record<Actor, string | undefined> = {
  alice: mockCredentials.user.header('user:default/alice'),
  bob: mockCredentials.user.header('user:default/bob'),
  mona: mockCredentials.user.header('user:default/mona'),
  pat: mockCredentials.user.header('user:default/pat'),
  visionCi: mockCredentials.service.header({
    onBehalfOf: mockCredentials.service('vision-ci'),
    targetPluginId: 'ml',
  }),
  dashboard: mockCredentials.service.header({
    onBehalfOf: mockCredentials.service('cost-dashboard'),
    targetPluginId: 'ml',
  }),
  anonymous: undefined,
};

async function startMatrixPortal(database: Knex) {
  const { server } = await startPortal({
    database,
    features: [
      ...tenancyPermissionFeatures,
      userInfoByTeam(TEAMS),
      // A request without a token is anonymous (the mock's default is a user).
      mockServices.httpAuth.factory({
        defaultCredentials: mockCredentials.none(),
      }),
    ],
    config: { permission: { enabled: true } },
    ml: {
      permissions: {
        readAcrossTeams: false,
        managers: ['group:default/managers'],
        platformGroups: ['group:default/platform'],
        servicePrincipals: [{ subject: 'vision-ci', group: VISION }],
      },
      registry: { protectedAliases: ['production'] },
      training: {
        local: { allowedGroups: [VISION, RECSYS] },
        pools: [
          {
            name: 'local-cpu',
            target: 'local',
            gpuType: 'cpu',
            gpusPerNode: 4,
            nodes: 1,
          },
        ],
      },
    },
  });
  const call =
    (actor: Actor) =>
    (
      method: 'get' | 'post' | 'patch' | 'delete',
      path: string,
      body?: object,
    ) => {
      let req = request(server)[method](`/api/ml${path}`);
      const header = headers[actor];
      if (header) req = req.set('Authorization', header);
      return body ? req.send(body) : req;
    };
  const mlflow = (actor: Actor, endpoint: string, body: object) =>
    call(actor)('post', `/mlflow/api/2.0/mlflow/${endpoint}`, body);
  const mlflowGet = (actor: Actor, endpoint: string) =>
    call(actor)('get', `/mlflow/api/2.0/mlflow/${endpoint}`);
  return { server, call, mlflow, mlflowGet };
}

type Portal = Awaited<ReturnType<typeof startMatrixPortal>>;

/** Creates what the vision team owns: an experiment with a run, a model with a version, a job. */
async function visionWork(portal: Portal, suffix: string) {
  const experiment = await portal.mlflow('alice', 'experiments/create', {
    name: `vision-exp-${suffix}`,
  });
  expect(experiment.status).toBe(200);
  const experimentId = experiment.body.experiment_id as string;
  const run = await portal.mlflow('alice', 'runs/create', {
    experiment_id: experimentId,
  });
  expect(run.status).toBe(200);
  const runId = run.body.run.info.run_id as string;
  await portal.mlflow('alice', 'runs/log-metric', {
    run_id: runId,
    key: 'accuracy',
    value: 0.9,
    timestamp: 1,
  });
  const inputs = await portal.mlflow('alice', 'runs/log-inputs', {
    run_id: runId,
    datasets: [
      {
        dataset: {
          name: `images-${suffix}`,
          digest: 'abc123',
          source_type: 's3',
          source: `s3://vision/images-${suffix}`,
        },
        tags: [],
      },
    ],
  });
  expect(inputs.status).toBe(200);
  const model = `vision-model-${suffix}`;
  expect(
    (await portal.mlflow('alice', 'registered-models/create', { name: model }))
      .status,
  ).toBe(200);
  const version = await portal.mlflow('alice', 'model-versions/create', {
    name: model,
    source: `runs:/${runId}/model`,
    run_id: runId,
  });
  expect(version.status).toBe(200);
  const job = await portal.call('alice')('post', '/training/jobs', {
    name: `vision-job-${suffix}`,
    experiment: experimentId,
    pool: 'local-cpu',
    command: ['true'],
    resources: { gpus: 1 },
  });
  expect(job.body).toMatchObject({ jobId: expect.any(String) });
  const datasets = await portal.call('alice')(
    'get',
    `/datasets?q=images-${suffix}`,
  );
  return {
    experimentId,
    runId,
    model,
    versionId: version.body.model_version.version as string,
    jobId: job.body.jobId as string,
    datasetId: datasets.body[0].id as string,
  };
}

type Cell = Record<Actor, number>;

/** Asserts each actor's status for one operation; a failure names the operation and actor. */
async function expectCells(
  operation: string,
  cell: Partial<Cell>,
  send: (actor: Actor) => Promise<{ status: number }>,
) {
  const seen: Partial<Cell> = {};
  for (const actor of Object.keys(cell) as Actor[]) {
    seen[actor] = (await send(actor)).status;
  }
  expect({ operation, ...seen }).toEqual({ operation, ...cell });
}

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'tenancy across teams, through the HTTP API on %p',
  databaseId => {
    let portal: Portal;
    let work: Awaited<ReturnType<typeof visionWork>>;

    beforeAll(async () => {
      portal = await startMatrixPortal(await databases.init(databaseId));
      work = await visionWork(portal, 'a');
    });

    it('reads: the owner team and its CI token; unmapped services read; other teams do not', async () => {
      const readers = {
        alice: 200,
        visionCi: 200,
        dashboard: 200,
        bob: 403,
        mona: 403,
        anonymous: 401,
      };
      await expectCells('get experiment', readers, actor =>
        portal.mlflowGet(
          actor,
          `experiments/get?experiment_id=${work.experimentId}`,
        ),
      );
      await expectCells('get run', readers, actor =>
        portal.mlflowGet(actor, `runs/get?run_id=${work.runId}`),
      );
      await expectCells('get model', readers, actor =>
        portal.mlflowGet(actor, `registered-models/get?name=${work.model}`),
      );
      await expectCells('get job', readers, actor =>
        portal.call(actor)('get', `/training/jobs/${work.jobId}`),
      );
      await expectCells('job logs', readers, actor =>
        portal.call(actor)('get', `/training/jobs/${work.jobId}/logs`),
      );
      await expectCells('get dataset', readers, actor =>
        portal.call(actor)('get', `/datasets/${work.datasetId}`),
      );
      await expectCells('lineage of the model version', readers, actor =>
        portal.call(actor)(
          'get',
          `/lineage?kind=run&id=${work.runId}&direction=both&depth=2`,
        ),
      );
    });

    it('lists leave out what the caller may not read', async () => {
      const names = async (actor: Actor) =>
        (
          await portal.mlflow(actor, 'experiments/search', {
            max_results: 1000,
          })
        ).body.experiments?.map((e: { name: string }) => e.name) ?? [];
      expect(await names('alice')).toContain('vision-exp-a');
      expect(await names('bob')).not.toContain('vision-exp-a');
      const jobs = async (actor: Actor) =>
        (await portal.call(actor)('get', '/training/jobs')).body.items.map(
          (j: { jobId: string }) => j.jobId,
        );
      expect(await jobs('alice')).toContain(work.jobId);
      expect(await jobs('bob')).not.toContain(work.jobId);
      const models = async (actor: Actor) =>
        (await portal.call(actor)('get', '/models')).body.items.map(
          (m: { name: string }) => m.name,
        );
      expect(await models('alice')).toContain(work.model);
      expect(await models('bob')).not.toContain(work.model);
      const datasets = async (actor: Actor) =>
        (await portal.call(actor)('get', '/datasets?q=images')).body.map(
          (d: { id: string }) => d.id,
        );
      expect(await datasets('alice')).toContain(work.datasetId);
      expect(await datasets('bob')).not.toContain(work.datasetId);
      const assets = async (actor: Actor) =>
        (await portal.call(actor)('get', '/catalog/assets')).body.assets.map(
          (a: { title: string }) => a.title,
        );
      expect(await assets('dashboard')).toContain(work.model);
      expect(await assets('bob')).not.toContain(work.model);
    });

    it('writes: the owner team and its CI token only', async () => {
      const writers = {
        alice: 200,
        visionCi: 200,
        bob: 403,
        dashboard: 403,
        anonymous: 401,
      };
      await expectCells('log a metric', writers, actor =>
        portal.mlflow(actor, 'runs/log-metric', {
          run_id: work.runId,
          key: 'loss',
          value: 1,
          timestamp: 2,
        }),
      );
      await expectCells('tag a model', writers, actor =>
        portal.mlflow(actor, 'registered-models/set-tag', {
          name: work.model,
          key: 'team',
          value: 'vision',
        }),
      );
      await expectCells('upload an artifact', writers, async actor => {
        let req = request(portal.server)
          .put(
            `/api/ml/mlflow/api/2.0/mlflow-artifacts/artifacts/${work.experimentId}/${work.runId}/artifacts/${actor}.txt`,
          )
          .set('content-type', 'application/octet-stream');
        if (headers[actor]) req = req.set('Authorization', headers[actor]!);
        return req.send(Buffer.from('weights'));
      });
    });

    it('creates: any member of a group, for their own group; no group, no creation', async () => {
      let n = 0;
      await expectCells(
        'create an experiment',
        { alice: 200, bob: 200, visionCi: 200, dashboard: 403, anonymous: 401 },
        actor =>
          portal.mlflow(actor, 'experiments/create', { name: `mine-${n++}` }),
      );
      await expectCells(
        'submit a job',
        { alice: 201, bob: 201, dashboard: 403, anonymous: 401 },
        actor =>
          portal.call(actor)('post', '/training/jobs', {
            name: `job-${n++}`,
            experiment: `jobs-of-${actor}`,
            pool: 'local-cpu',
            command: ['true'],
            resources: { gpus: 1 },
          }),
      );
      // A job is owned by a group the submitter belongs to, chosen at submit.
      const foreign = await portal.call('alice')('post', '/training/jobs', {
        name: 'for-recsys',
        experiment: 'jobs-of-alice',
        pool: 'local-cpu',
        command: ['true'],
        owner: RECSYS,
      });
      expect(foreign.status).toBe(403);
    });

    it('deletes: the owner team only', async () => {
      const deletes = { bob: 403, dashboard: 403, anonymous: 401, alice: 200 };
      await expectCells('delete a run', deletes, actor =>
        portal.mlflow(actor, 'runs/delete', { run_id: work.runId }),
      );
      await expectCells('delete a model version', deletes, actor =>
        portal.call(actor)(
          'delete',
          '/mlflow/api/2.0/mlflow/model-versions/delete',
          { name: work.model, version: work.versionId },
        ),
      );
      const other = await visionWork(portal, 'b');
      await expectCells(
        'delete an experiment',
        { bob: 403, dashboard: 403, anonymous: 401, visionCi: 200 },
        actor =>
          portal.mlflow(actor, 'experiments/delete', {
            experiment_id: other.experimentId,
          }),
      );
    });

    it('promotes and approves: the owner team asks, another member of it approves', async () => {
      const work2 = await visionWork(portal, 'c');
      await expectCells(
        'request production',
        { bob: 403, dashboard: 403, anonymous: 401, visionCi: 201 },
        actor =>
          portal.call(actor)('post', `/models/${work2.model}/promotions`, {
            alias: 'production',
            version: work2.versionId,
            reason: 'best',
          }),
      );
      const pending = await portal.call('alice')(
        'get',
        '/promotions?status=PENDING',
      );
      const id = pending.body.find(
        (p: { modelName: string }) => p.modelName === work2.model,
      ).id;
      expect(
        (await portal.call('bob')('get', '/promotions?status=PENDING')).body,
      ).toEqual([]);
      await expectCells(
        'approve',
        { bob: 403, dashboard: 403, anonymous: 401, alice: 200 },
        actor =>
          portal.call(actor)('post', `/promotions/${id}/approve`, {
            comment: 'ok',
          }),
      );
    });

    it('cancels and preempts: the owner team only', async () => {
      const job = await portal.call('alice')('post', '/training/jobs', {
        name: 'to-cancel',
        experiment: work.experimentId,
        pool: 'local-cpu',
        command: ['true'],
        resources: { gpus: 1 },
      });
      await expectCells(
        'preempt',
        { bob: 403, dashboard: 403, anonymous: 401 },
        actor =>
          portal.call(actor)(
            'post',
            `/training/jobs/${job.body.jobId}/preempt`,
          ),
      );
      await expectCells(
        'cancel',
        { bob: 403, dashboard: 403, anonymous: 401, visionCi: 200 },
        actor =>
          portal.call(actor)('post', `/training/jobs/${job.body.jobId}/cancel`),
      );
    });

    it('spend: a team its own, managers every team; bill imports for the platform group', async () => {
      await expectCells(
        "vision's spend",
        { alice: 200, mona: 200, bob: 403, visionCi: 200, anonymous: 401 },
        actor =>
          portal.call(actor)(
            'get',
            `/cost/summary?team=${encodeURIComponent(VISION)}`,
          ),
      );
      await expectCells(
        "vision's usage export",
        { alice: 200, mona: 200, bob: 403, anonymous: 401 },
        actor =>
          portal.call(actor)(
            'get',
            `/cost/export.csv?team=${encodeURIComponent(VISION)}`,
          ),
      );
      const bill = {
        format: 'opencost',
        content: JSON.stringify({ code: 200, data: [] }),
      };
      await expectCells(
        'import a bill',
        {
          alice: 403,
          bob: 403,
          visionCi: 403,
          dashboard: 403,
          anonymous: 401,
          pat: 200,
        },
        actor => portal.call(actor)('post', '/cost/imports', bill),
      );
    });
  },
);
