import request from 'supertest';
import { createTestDatabases } from '../__testUtils__/databases';
import { startPortal as startTestPortal } from '../__testUtils__/portal';

const databases = createTestDatabases();
type DatabaseId = Parameters<typeof databases.init>[0];

/** The portal with MLflow's registry API; requests come from the default mock user. */
async function startPortal(
  databaseId: DatabaseId,
  ml?: Record<string, unknown>,
) {
  const { server } = await startTestPortal({
    database: await databases.init(databaseId),
    ml,
  });
  const path = (endpoint: string) =>
    `/api/ml/mlflow/api/2.0/mlflow/${endpoint}`;
  const call = {
    get: (endpoint: string, query: object = {}) =>
      request(server).get(path(endpoint)).query(query),
    post: (endpoint: string, body: object) =>
      request(server).post(path(endpoint)).send(body),
    patch: (endpoint: string, body: object) =>
      request(server).patch(path(endpoint)).send(body),
    delete: (endpoint: string, body: object) =>
      request(server).delete(path(endpoint)).send(body),
  };
  const { body: created } = await call.post('runs/create', {
    experiment_id: '0',
  });
  return { server, call, path, run: created.run.info };
}

describe.each(databases.eachSupportedId())(
  'MLflow model registry API on %p',
  databaseId => {
    it('registers like mlflow.register_model and reads versions back', async () => {
      const { call, run } = await startPortal(databaseId);

      const created = await call.post('registered-models/create', {
        name: 'churn',
        description: 'Predicts churn',
        tags: [{ key: 'domain', value: 'retention' }],
      });
      expect(created.status).toBe(200);
      expect(created.body.registered_model).toEqual({
        name: 'churn',
        creation_timestamp: expect.any(Number),
        last_updated_timestamp: expect.any(Number),
        description: 'Predicts churn',
        latest_versions: [],
        tags: [{ key: 'domain', value: 'retention' }],
        aliases: [],
      });
      // register_model tolerates this answer and goes on.
      const again = await call.post('registered-models/create', {
        name: 'churn',
      });
      expect(again.status).toBe(400);
      expect(again.body).toEqual({
        error_code: 'RESOURCE_ALREADY_EXISTS',
        message: 'Registered Model (name=churn) already exists.',
      });

      const version = await call.post('model-versions/create', {
        name: 'churn',
        source: `runs:/${run.run_id}/model`,
        run_id: run.run_id,
        tags: [{ key: 'flavor', value: 'sklearn' }],
      });
      expect(version.status).toBe(200);
      expect(version.body.model_version).toEqual({
        name: 'churn',
        version: '1',
        creation_timestamp: expect.any(Number),
        last_updated_timestamp: expect.any(Number),
        user_id: 'user:default/mock',
        current_stage: 'None',
        source: `${run.artifact_uri}/model`,
        run_id: run.run_id,
        status: 'READY',
        tags: [{ key: 'flavor', value: 'sklearn' }],
        aliases: [],
      });
      // Clients that resolved the runs:/ URI themselves send the artifact URI.
      const second = await call.post('model-versions/create', {
        name: 'churn',
        source: `${run.artifact_uri}/model`,
        run_id: run.run_id,
      });
      expect(second.body.model_version.version).toBe('2');

      const polled = await call.get('model-versions/get', {
        name: 'churn',
        version: '1',
      });
      expect(polled.body.model_version.status).toBe('READY');
      const uri = await call.get('model-versions/get-download-uri', {
        name: 'churn',
        version: '1',
      });
      expect(uri.body).toEqual({ artifact_uri: `${run.artifact_uri}/model` });

      const model = await call.get('registered-models/get', { name: 'churn' });
      expect(
        model.body.registered_model.latest_versions.map((v: any) => v.version),
      ).toEqual(['2']);

      const local = await call.post('model-versions/create', {
        name: 'churn',
        source: '/etc/passwd',
      });
      expect(local.status).toBe(400);
      expect(local.body.message).toContain(
        "Invalid model version source: '/etc/passwd'",
      );
      const missingRun = await call.post('model-versions/create', {
        name: 'churn',
        source: 'runs:/0123456789abcdef/model',
      });
      expect(missingRun.status).toBe(404);
    });

    it('searches, renames, updates, tags and deletes', async () => {
      const { call, run } = await startPortal(databaseId);
      for (const name of ['fraud-a', 'fraud-b', 'Other']) {
        await call.post('registered-models/create', { name });
      }
      await call.post('registered-models/set-tag', {
        name: 'fraud-b',
        key: 'team',
        value: 'risk',
      });
      const search = (query: object) =>
        call.get('registered-models/search', query);

      const like = await search({ filter: "name LIKE 'fraud-%'" });
      expect(like.body.registered_models.map((m: any) => m.name)).toEqual([
        'fraud-a',
        'fraud-b',
      ]);
      const tagged = await search({ filter: "tags.team = 'risk'" });
      expect(tagged.body.registered_models.map((m: any) => m.name)).toEqual([
        'fraud-b',
      ]);
      const first = await search({
        filter: "name ILIKE 'FRAUD%'",
        order_by: 'name DESC',
        max_results: 1,
      });
      expect(first.body.registered_models.map((m: any) => m.name)).toEqual([
        'fraud-b',
      ]);
      const rest = await search({
        filter: "name ILIKE 'FRAUD%'",
        order_by: 'name DESC',
        max_results: 1,
        page_token: first.body.next_page_token,
      });
      expect(rest.body.registered_models.map((m: any) => m.name)).toEqual([
        'fraud-a',
      ]);
      expect(rest.body.next_page_token).toBeUndefined();
      const bad = await search({ filter: "name ~ 'x'" });
      expect(bad.status).toBe(400);
      expect(bad.body.error_code).toBe('INVALID_PARAMETER_VALUE');

      await call.post('model-versions/create', {
        name: 'fraud-a',
        source: `runs:/${run.run_id}/model`,
      });
      const renamed = await call.post('registered-models/rename', {
        name: 'fraud-a',
        new_name: 'fraud-main',
      });
      expect(renamed.body.registered_model.name).toBe('fraud-main');
      const gone = await call.get('registered-models/get', { name: 'fraud-a' });
      expect(gone.status).toBe(404);
      expect(gone.body).toEqual({
        error_code: 'RESOURCE_DOES_NOT_EXIST',
        message: 'Registered Model with name=fraud-a not found',
      });
      const byRun = await call.get('model-versions/search', {
        filter: `run_id IN ('${run.run_id}', 'other')`,
      });
      expect(
        byRun.body.model_versions.map((v: any) => `${v.name}/${v.version}`),
      ).toEqual(['fraud-main/1']);

      const updated = await call.patch('registered-models/update', {
        name: 'fraud-main',
        description: 'Card fraud',
      });
      expect(updated.body.registered_model.description).toBe('Card fraud');
      const versionUpdate = await call.patch('model-versions/update', {
        name: 'fraud-main',
        version: '1',
        description: 'first',
      });
      expect(versionUpdate.body.model_version.description).toBe('first');
      await call.post('model-versions/set-tag', {
        name: 'fraud-main',
        version: '1',
        key: 'validated',
        value: 'yes',
      });
      expect(
        (
          await call.get('model-versions/search', {
            filter: "tags.validated = 'yes'",
          })
        ).body.model_versions,
      ).toHaveLength(1);
      await call.delete('model-versions/delete-tag', {
        name: 'fraud-main',
        version: '1',
        key: 'validated',
      });
      await call.delete('registered-models/delete-tag', {
        name: 'fraud-b',
        key: 'team',
      });
      expect(
        (await search({ filter: "tags.team = 'risk'" })).body.registered_models,
      ).toEqual([]);

      expect(
        (
          await call.delete('model-versions/delete', {
            name: 'fraud-main',
            version: '1',
          })
        ).status,
      ).toBe(200);
      const missingVersion = await call.get('model-versions/get', {
        name: 'fraud-main',
        version: '1',
      });
      expect(missingVersion.body).toEqual({
        error_code: 'RESOURCE_DOES_NOT_EXIST',
        message: 'Model Version (name=fraud-main, version=1) not found',
      });
      expect(
        (await call.delete('registered-models/delete', { name: 'fraud-main' }))
          .status,
      ).toBe(200);
      expect(
        (await call.get('registered-models/get', { name: 'fraud-main' }))
          .status,
      ).toBe(404);
    });

    it('sets, reads and deletes aliases; protected ones need an approved request', async () => {
      const { server, call, path, run } = await startPortal(databaseId);
      await call.post('registered-models/create', { name: 'ranker' });
      for (let i = 0; i < 2; i++) {
        await call.post('model-versions/create', {
          name: 'ranker',
          source: `runs:/${run.run_id}/model`,
        });
      }
      const set = await call.post('registered-models/alias', {
        name: 'ranker',
        alias: 'champion',
        version: '1',
      });
      expect(set.status).toBe(200);
      expect(set.body).toEqual({});
      await call.post('registered-models/alias', {
        name: 'ranker',
        alias: 'challenger',
        version: '2',
      });

      const byAlias = await call.get('registered-models/alias', {
        name: 'ranker',
        alias: 'champion',
      });
      expect(byAlias.body.model_version).toMatchObject({
        version: '1',
        aliases: ['champion'],
      });
      const model = await call.get('registered-models/get', { name: 'ranker' });
      expect(model.body.registered_model.aliases).toEqual([
        { alias: 'challenger', version: '2' },
        { alias: 'champion', version: '1' },
      ]);

      // The Python client sends a JSON body with DELETE; others use the query string.
      await request(server)
        .delete(path('registered-models/alias'))
        .query({ name: 'ranker', alias: 'champion' });
      await call.delete('registered-models/alias', {
        name: 'ranker',
        alias: 'challenger',
      });
      const deleted = await call.get('registered-models/alias', {
        name: 'ranker',
        alias: 'champion',
      });
      expect(deleted.status).toBe(404);
      expect(deleted.body).toEqual({
        error_code: 'RESOURCE_DOES_NOT_EXIST',
        message: 'Registered model alias champion not found.',
      });

      const reserved = await call.post('registered-models/alias', {
        name: 'ranker',
        alias: 'v3',
        version: '1',
      });
      expect(reserved.body).toEqual({
        error_code: 'INVALID_PARAMETER_VALUE',
        message: "Version alias name 'v3' is reserved.",
      });

      const protectedSet = await call.post('registered-models/alias', {
        name: 'ranker',
        alias: 'production',
        version: '2',
      });
      expect(protectedSet.status).toBe(403);
      expect(protectedSet.body.error_code).toBe('PERMISSION_DENIED');
      expect(protectedSet.body.message).toMatch(
        /^Alias 'production' of model 'ranker' is protected: promotion request [0-9a-f-]{36} to move it to version 2 awaits approval/,
      );
      // The identical request is still pending: the same answer, not a second request.
      const repeated = await call.post('registered-models/alias', {
        name: 'ranker',
        alias: 'production',
        version: '2',
      });
      expect(repeated.body).toEqual(protectedSet.body);
      // The deprecated stages are no way around it: Production is the protected alias's stage.
      const staged = await call.post('model-versions/transition-stage', {
        name: 'ranker',
        version: '2',
        stage: 'Production',
        archive_existing_versions: false,
      });
      expect(staged.status).toBe(403);
      expect(staged.body).toEqual({
        error_code: 'PERMISSION_DENIED',
        message:
          "Stage 'Production' is governed by the protected alias 'production': set that alias to version 2 to request a promotion; the request needs approval",
      });
      const pending = await request(server).get(
        '/api/ml/promotions?status=PENDING',
      );
      expect(pending.body).toHaveLength(1);
      expect(
        (
          await call.get('registered-models/alias', {
            name: 'ranker',
            alias: 'production',
          })
        ).status,
      ).toBe(404);
    });

    it('moves stages, archives the previous ones and answers latest versions', async () => {
      // No protected aliases: stages move freely, as on a plain MLflow server.
      const { call, run } = await startPortal(databaseId, {
        registry: { protectedAliases: [] },
      });
      await call.post('registered-models/create', { name: 'staged' });
      for (let i = 0; i < 3; i++) {
        await call.post('model-versions/create', {
          name: 'staged',
          source: `runs:/${run.run_id}/model`,
        });
      }
      const transition = (version: string, stage: string, archive = false) =>
        call.post('model-versions/transition-stage', {
          name: 'staged',
          version,
          stage,
          archive_existing_versions: archive,
        });
      expect(
        (await transition('1', 'production')).body.model_version.current_stage,
      ).toBe('Production');
      await transition('2', 'Staging');
      await transition('3', 'Production', true);

      const latest = await call.post('registered-models/get-latest-versions', {
        name: 'staged',
        stages: ['Production', 'Archived'],
      });
      expect(
        latest.body.model_versions.map((v: any) => [
          v.version,
          v.current_stage,
        ]),
      ).toEqual([
        ['3', 'Production'],
        ['1', 'Archived'],
      ]);

      const badStage = await transition('1', 'Live');
      expect(badStage.body).toEqual({
        error_code: 'INVALID_PARAMETER_VALUE',
        message:
          'Invalid Model Version stage: Live. Value must be one of None, Staging, Production, Archived.',
      });
      const archiveFromNone = await transition('1', 'None', true);
      expect(archiveFromNone.status).toBe(400);
      expect(archiveFromNone.body.message).toContain('is not an Active stage');
      const badVersion = await call.get('model-versions/get', {
        name: 'staged',
        version: 'abc',
      });
      expect(badVersion.body).toEqual({
        error_code: 'INVALID_PARAMETER_VALUE',
        message: "Model version must be an integer, got 'abc'",
      });
    });

    it('serves the same registry under /ajax-api', async () => {
      const { server, call } = await startPortal(databaseId);
      await call.post('registered-models/create', { name: 'ajax' });
      const response = await request(server).get(
        '/api/ml/mlflow/ajax-api/2.0/mlflow/registered-models/get?name=ajax',
      );
      expect(response.status).toBe(200);
      expect(response.body.registered_model.name).toBe('ajax');
    });
  },
);
