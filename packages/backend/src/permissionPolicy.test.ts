import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { permissionsServiceFactory } from '@backstage/backend-defaults/permissions';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import permissionPlugin from '@backstage/plugin-permission-backend';
import mlPlugin from '@ml-portal/plugin-ml-backend';
import request from 'supertest';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { PolicyQueryUser } from '@backstage/plugin-permission-node';
import { mlFeatureImportPermission } from '@ml-portal/plugin-ml-common';
import { mockAuthWithActors } from '@ml-portal/plugin-ml-node/testUtils';
import { MlTenancyPolicy } from '@ml-portal/plugin-ml-backend';
import { permissionModuleMlPlatformPolicy } from './permissionPolicy';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const teams: Record<string, string> = {
  'user:default/alice': 'group:default/vision',
  'user:default/bob': 'group:default/recsys',
};

/** Users belong to their team, as the catalog would resolve it. */
const userInfoByTeam = createServiceFactory({
  service: coreServices.userInfo,
  deps: {},
  factory: () => ({
    async getUserInfo(credentials: any) {
      const userEntityRef = credentials.principal.userEntityRef as string;
      return {
        userEntityRef,
        ownershipEntityRefs: [userEntityRef, teams[userEntityRef]],
      };
    },
  }),
});

async function startPortal(readAcrossTeams: boolean) {
  const { server } = await startTestBackend({
    features: [
      mlPlugin,
      permissionPlugin,
      permissionModuleMlPlatformPolicy,
      permissionsServiceFactory,
      mockAuthWithActors,
      userInfoByTeam,
      mockServices.rootConfig.factory({
        data: {
          permission: { enabled: true },
          ml: {
            redis: { url: REDIS_URL },
            permissions: { readAcrossTeams },
            artifacts: {
              local: {
                directory: mkdtempSync(join(tmpdir(), 'ml-artifacts-')),
              },
            },
          },
        },
      }),
    ],
  });
  const as = (user: string) => ({
    post: (path: string, body: object) =>
      request(server)
        .post(`/api/ml/mlflow/api/2.0/mlflow/${path}`)
        .set('authorization', mockCredentials.user.header(user))
        .send(body),
    delete: (path: string, body: object) =>
      request(server)
        .delete(`/api/ml/mlflow/api/2.0/mlflow/${path}`)
        .set('authorization', mockCredentials.user.header(user))
        .send(body),
    portal: (path: string) =>
      request(server)
        .get(`/api/ml${path}`)
        .set('authorization', mockCredentials.user.header(user)),
    get: (path: string) =>
      request(server)
        .get(`/api/ml/mlflow/api/2.0/mlflow/${path}`)
        .set('authorization', mockCredentials.user.header(user)),
  });
  const putArtifact = (user: string, path: string) =>
    request(server)
      .put(`/api/ml/mlflow/api/2.0/mlflow-artifacts/artifacts/${path}`)
      .set('authorization', mockCredentials.user.header(user))
      .set('content-type', 'application/octet-stream')
      .send(Buffer.from('weights'));
  return {
    alice: as('user:default/alice'),
    bob: as('user:default/bob'),
    putArtifact,
  };
}

describe('the ML platform permission policy, end to end', () => {
  it('lets a team write only its own experiments and runs', async () => {
    const { alice, bob, putArtifact } = await startPortal(true);

    const created = await alice.post('experiments/create', {
      name: 'vision-exp',
    });
    expect(created.status).toBe(200);
    const experimentId = created.body.experiment_id;
    const run = await alice.post('runs/create', {
      experiment_id: experimentId,
    });
    expect(run.status).toBe(200);
    const runId = run.body.run.info.run_id;
    const metric = { run_id: runId, key: 'loss', value: 0.5, timestamp: 1 };

    expect((await alice.post('runs/log-metric', metric)).status).toBe(200);

    const bobLogs = await bob.post('runs/log-metric', metric);
    expect(bobLogs.status).toBe(403);
    expect(bobLogs.body).toEqual({
      error_code: 'PERMISSION_DENIED',
      message: expect.stringContaining('may not update experiment'),
    });
    const bobDeletes = await bob.post('runs/delete', { run_id: runId });
    expect(bobDeletes.status).toBe(403);
    expect(bobDeletes.body.error_code).toBe('PERMISSION_DENIED');
    const bobCreatesRun = await bob.post('runs/create', {
      experiment_id: experimentId,
    });
    expect(bobCreatesRun.status).toBe(403);

    const artifactPath = `${experimentId}/${runId}/artifacts/model.bin`;
    expect((await putArtifact('user:default/bob', artifactPath)).status).toBe(
      403,
    );
    expect((await putArtifact('user:default/alice', artifactPath)).status).toBe(
      200,
    );

    // Reading across teams is on here.
    expect((await bob.get(`runs/get?run_id=${runId}`)).status).toBe(200);
    // Nothing bob tried was written.
    const history = await alice.get(
      `metrics/get-history?run_id=${runId}&metric_key=loss`,
    );
    expect(history.body.metrics).toHaveLength(1);
    expect((await alice.post('runs/delete', { run_id: runId })).status).toBe(
      200,
    );
  });

  it('lets a team change only its own registered models', async () => {
    const { alice, bob } = await startPortal(true);
    const experiment = await alice.post('experiments/create', {
      name: 'vision-models',
    });
    const run = await alice.post('runs/create', {
      experiment_id: experiment.body.experiment_id,
    });
    const source = `runs:/${run.body.run.info.run_id}/model`;
    expect(
      (await alice.post('registered-models/create', { name: 'detector' }))
        .status,
    ).toBe(200);
    expect(
      (await alice.post('model-versions/create', { name: 'detector', source }))
        .status,
    ).toBe(200);

    const bobAddsVersion = await bob.post('model-versions/create', {
      name: 'detector',
      source,
    });
    expect(bobAddsVersion.status).toBe(403);
    expect(bobAddsVersion.body).toEqual({
      error_code: 'PERMISSION_DENIED',
      message: `user:default/bob may not add versions to model 'detector' owned by group:default/vision`,
    });
    const bobTags = await bob.post('registered-models/set-tag', {
      name: 'detector',
      key: 'k',
      value: 'v',
    });
    expect(bobTags.status).toBe(403);
    const bobDeletes = await bob.delete('registered-models/delete', {
      name: 'detector',
    });
    expect(bobDeletes.status).toBe(403);
    expect(bobDeletes.body.error_code).toBe('PERMISSION_DENIED');
    // Anyone may register models of their own, and read others' here.
    expect(
      (await bob.post('registered-models/create', { name: 'ranker' })).status,
    ).toBe(200);
    expect((await bob.portal('/models/detector')).status).toBe(200);

    expect(
      (
        await alice.post('registered-models/set-tag', {
          name: 'detector',
          key: 'k',
          value: 'v',
        })
      ).status,
    ).toBe(200);
    expect(
      (await alice.delete('registered-models/delete', { name: 'detector' }))
        .status,
    ).toBe(200);
  });

  it('hides other teams experiments when reading across teams is off', async () => {
    const { alice, bob } = await startPortal(false);
    const created = await alice.post('experiments/create', {
      name: 'private-exp',
    });
    const experimentId = created.body.experiment_id;

    const bobReads = await bob.get(
      `experiments/get?experiment_id=${experimentId}`,
    );
    expect(bobReads.status).toBe(403);
    expect(bobReads.body.error_code).toBe('PERMISSION_DENIED');

    const bobSearches = await bob.post('experiments/search', {});
    const names = bobSearches.body.experiments.map(
      (e: { name: string }) => e.name,
    );
    expect(names).not.toContain('private-exp');
    const aliceSearches = await alice.post('experiments/search', {});
    expect(
      aliceSearches.body.experiments.map((e: { name: string }) => e.name),
    ).toContain('private-exp');
  });

  it('hides other teams models when reading across teams is off', async () => {
    const { alice, bob } = await startPortal(false);
    await alice.post('registered-models/create', { name: 'private-model' });

    const bobReads = await bob.portal('/models/private-model');
    expect(bobReads.status).toBe(403);
    expect(bobReads.body.error.message).toBe(
      `user:default/bob may not read model 'private-model' owned by group:default/vision`,
    );
    const bobSearches = await bob.portal('/models');
    expect(bobSearches.body.items).toEqual([]);
    const aliceSearches = await alice.portal('/models');
    expect(aliceSearches.body.items).toEqual([
      expect.objectContaining({ name: 'private-model' }),
    ]);
  });
});

describe('Feast registry uploads in the ML platform policy', () => {
  const user = (...groups: string[]) =>
    ({
      identity: {
        type: 'user',
        userEntityRef: 'user:default/someone',
        ownershipEntityRefs: groups,
      },
      info: {
        userEntityRef: 'user:default/someone',
        ownershipEntityRefs: ['user:default/someone', ...groups],
      },
      token: 'token',
      expiresInSeconds: 60,
    } as unknown as PolicyQueryUser);
  const ask = (policy: MlTenancyPolicy, who: PolicyQueryUser) =>
    policy.handle({ permission: mlFeatureImportPermission }, who);

  it('keeps uploads to the platform groups', async () => {
    const policy = new MlTenancyPolicy({
      readAcrossTeams: true,
      managers: [],
      platformGroups: ['group:default/ml-platform'],
    });
    expect(await ask(policy, user('group:default/ml-platform'))).toEqual({
      result: AuthorizeResult.ALLOW,
    });
    expect(await ask(policy, user('group:default/recsys'))).toEqual({
      result: AuthorizeResult.DENY,
    });
  });

  it('lets nobody upload when no platform group is configured', async () => {
    const policy = new MlTenancyPolicy({
      readAcrossTeams: true,
      managers: [],
      platformGroups: [],
    });
    expect(await ask(policy, user('group:default/recsys'))).toEqual({
      result: AuthorizeResult.DENY,
    });
  });
});
