import {
  tenancyPermissionFeatures,
  userInfoByTeam,
} from '../__testUtils__/permissions';
import { createTestDatabases } from '../__testUtils__/databases';
import { startPortal as startTestPortal } from '../__testUtils__/portal';
import { userRequests } from '../__testUtils__/userRequests';

const TEAM_A = 'group:default/team-a';
const TEAM_B = 'group:default/team-b';
const A = 'user:default/a';
const A2 = 'user:default/a2';
const B = 'user:default/b';

/** Users and their teams, as the catalog would resolve them. */
const GROUPS: Record<string, string[]> = {
  [A]: [TEAM_A],
  [A2]: [TEAM_A],
  [B]: [TEAM_B],
};

const databases = createTestDatabases();
type DatabaseId = Parameters<typeof databases.init>[0];

async function startPortal(databaseId: DatabaseId) {
  const { server } = await startTestPortal({
    database: await databases.init(databaseId),
    features: [...tenancyPermissionFeatures, userInfoByTeam(GROUPS)],
    config: { permission: { enabled: true } },
    ml: {
      registry: {
        gates: [
          { alias: 'production', metric: 'accuracy', op: '>=', threshold: 0.8 },
          { alias: 'production', type: 'no-open-drift-alert' },
        ],
      },
    },
  });
  const as = (user: string) => userRequests(server, user);
  return { as };
}

/** Team A's run with `accuracy` logged, registered as the next version of `churn`. */
async function registerVersion(
  user: ReturnType<Awaited<ReturnType<typeof startPortal>>['as']>,
  experimentId: string,
  accuracy: number,
) {
  const { body } = await user.mlflow('runs/create', {
    experiment_id: experimentId,
  });
  const runId = body.run.info.run_id;
  await user.mlflow('runs/log-metric', {
    run_id: runId,
    key: 'accuracy',
    value: accuracy,
    timestamp: 1,
    step: 0,
  });
  const version = await user.post('/models/churn/versions', { runId });
  expect(version.status).toBe(201);
  return { runId, version: version.body };
}

describe.each(databases.eachSupportedId())(
  'promotion approvals across teams on %p',
  databaseId => {
    it('lets the owner team approve another team’s request, with gates and an audit trail', async () => {
      const { as } = await startPortal(databaseId);
      const a = as(A);
      const b = as(B);
      const { body: experiment } = await a.mlflow('experiments/create', {
        name: 'churn-experiments',
      });
      const good = await registerVersion(a, experiment.experiment_id, 0.91);
      expect(good.version).toMatchObject({ name: 'churn', version: '1' });

      const model = await a.get('/models/churn');
      expect(model.body).toMatchObject({
        owner: TEAM_A,
        protectedAliases: ['production'],
        canApprove: true,
      });
      expect((await b.get('/models/churn')).body.canApprove).toBe(false);

      // Team B may not write to team A's model: the permission policy says so…
      const foreignAlias = await b.post('/models/churn/promotions', {
        version: '1',
        alias: 'staging',
      });
      expect(foreignAlias.status).toBe(403);
      expect(foreignAlias.body.error.message).toBe(
        `${B} may not change aliases of model 'churn' owned by ${TEAM_A}`,
      );
      const foreignVersion = await b.post('/models/churn/versions', {
        runId: good.runId,
      });
      expect(foreignVersion.status).toBe(403);
      expect(foreignVersion.body.error.message).toContain(
        "may not add versions to model 'churn'",
      );
      const foreignWrites = {
        'model-versions/create': {
          name: 'churn',
          source: `runs:/${good.runId}/model`,
        },
        'registered-models/set-tag': { name: 'churn', key: 'k', value: 'v' },
        'registered-models/rename': { name: 'churn', new_name: 'bs-churn' },
      };
      for (const [endpoint, body] of Object.entries(foreignWrites)) {
        const denied = await b.mlflow(endpoint, body);
        expect({ endpoint, status: denied.status, body: denied.body }).toEqual({
          endpoint,
          status: 403,
          body: {
            error_code: 'PERMISSION_DENIED',
            message: expect.stringContaining(`owned by ${TEAM_A}`),
          },
        });
      }
      const foreignDelete = await b.mlflow(
        'registered-models/delete',
        { name: 'churn' },
        'delete',
      );
      expect(foreignDelete.status).toBe(403);
      expect(foreignDelete.body).toEqual({
        error_code: 'PERMISSION_DENIED',
        message: `${B} may not delete model 'churn' owned by ${TEAM_A}`,
      });
      const foreignVersionDelete = await b.mlflow(
        'model-versions/delete',
        { name: 'churn', version: '1' },
        'delete',
      );
      expect(foreignVersionDelete.body.message).toBe(
        `${B} may not delete versions of model 'churn' owned by ${TEAM_A}`,
      );
      // …reading stays open (the policy allows it) and nothing was written.
      const unchanged = await b.get('/models/churn');
      expect(unchanged.status).toBe(200);
      expect(unchanged.body).toMatchObject({
        tags: [],
        versions: [expect.objectContaining({ version: '1' })],
      });

      // …but may ask for production.
      const requested = await b.post('/models/churn/promotions', {
        version: '1',
        alias: 'production',
        reason: 'beats the baseline',
      });
      expect(requested.status).toBe(201);
      expect(requested.body).toMatchObject({
        modelName: 'churn',
        version: '1',
        alias: 'production',
        status: 'PENDING',
        requestedBy: B,
        approverGroups: [TEAM_A],
        metrics: { accuracy: 0.91 },
        gates: [
          { passed: true, detail: 'accuracy 0.91 >= 0.8' },
          { passed: true, detail: 'no open drift alert' },
        ],
      });
      const requestId = requested.body.id;

      expect(
        (await a.get('/promotions?status=PENDING&mine=true')).body,
      ).toEqual([expect.objectContaining({ id: requestId })]);
      expect(
        (await b.get('/promotions?status=PENDING&mine=true')).body,
      ).toEqual([]);

      const byB = await b.post(`/promotions/${requestId}/approve`);
      expect(byB.status).toBe(403);
      expect(byB.body.error.message).toContain(
        `approvers are members of ${TEAM_A}`,
      );

      const approved = await a.post(`/promotions/${requestId}/approve`, {
        comment: 'ship it',
      });
      expect(approved.status).toBe(200);
      expect(approved.body).toMatchObject({
        status: 'APPROVED',
        decidedBy: A,
        decisionComment: 'ship it',
      });
      expect((await a.get('/models/churn')).body.aliases).toEqual([
        { alias: 'production', version: '1' },
      ]);
      const again = await a.post(`/promotions/${requestId}/approve`);
      expect(again.status).toBe(409);

      const audit = await a.get('/models/churn/audit');
      expect(audit.body.map((e: any) => e.action)).toEqual([
        'promotion.approved',
        'promotion.requested',
        'version.created',
        'model.created',
      ]);
      expect(audit.body[0]).toMatchObject({
        actor: A,
        version: '1',
        requestId,
        metrics: { accuracy: 0.91 },
        detail: expect.stringContaining('ship it'),
      });
      expect(audit.body[1]).toMatchObject({
        actor: B,
        requestId,
        metrics: { accuracy: 0.91 },
      });

      // The version's lineage node is drawn by the registry.
      const lineage = await a.get(
        `/lineage?kind=model_version&id=${good.version.id}&direction=upstream&depth=1`,
      );
      expect(lineage.status).toBe(200);
      expect(lineage.body.nodes).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            key: `model_version:${good.version.id}`,
            label: 'churn v1',
            subtitle: '@production',
            owner: TEAM_A,
            path: 'models/churn/versions/1',
          }),
          expect.objectContaining({ key: `run:${good.runId}` }),
        ]),
      );

      const details = await a.get('/models/churn/versions/1');
      expect(details.body).toMatchObject({
        owner: TEAM_A,
        aliases: ['production'],
        metrics: { accuracy: 0.91 },
        promotions: [expect.objectContaining({ id: requestId })],
      });

      // The owner team may change and delete what team B was refused.
      expect(
        (
          await a.mlflow('registered-models/set-tag', {
            name: 'churn',
            key: 'k',
            value: 'v',
          })
        ).status,
      ).toBe(200);
      const renamed = await a.mlflow('registered-models/rename', {
        name: 'churn',
        new_name: 'churn-v2',
      });
      expect(renamed.status).toBe(200);
      // Production still points into it: deleting the model waits for that alias's
      // approved removal (the next test).
      expect(
        (
          await a.mlflow(
            'registered-models/delete',
            { name: 'churn-v2' },
            'delete',
          )
        ).status,
      ).toBe(403);
      expect((await a.get('/models/churn-v2')).status).toBe(200);
    });

    it('refuses self-approval and approval past a failing gate; rejects need a comment', async () => {
      const { as } = await startPortal(databaseId);
      const a = as(A);
      const a2 = as(A2);
      const b = as(B);
      const { body: experiment } = await a.mlflow('experiments/create', {
        name: 'churn-experiments',
      });
      await registerVersion(a, experiment.experiment_id, 0.93);
      await registerVersion(a, experiment.experiment_id, 0.7);

      // Through MLflow, a protected alias answers with the pending request.
      const viaMlflow = await a.mlflow('registered-models/alias', {
        name: 'churn',
        alias: 'production',
        version: '1',
      });
      expect(viaMlflow.status).toBe(403);
      const requestId = /promotion request ([0-9a-f-]{36})/.exec(
        viaMlflow.body.message,
      )![1];

      const self = await a.post(`/promotions/${requestId}/approve`);
      expect(self.status).toBe(403);
      expect(self.body.error.message).toContain('may not approve their own');
      expect((await a.get('/promotions?mine=true')).body).toEqual([]);

      const teammate = await a2.post(`/promotions/${requestId}/approve`);
      expect(teammate.status).toBe(200);

      const weak = await b.post('/models/churn/promotions', {
        version: '2',
        alias: 'production',
      });
      expect(weak.body.gates[0]).toMatchObject({
        passed: false,
        detail: 'accuracy 0.7 not >= 0.8',
      });
      const blocked = await a.post(`/promotions/${weak.body.id}/approve`);
      expect(blocked.status).toBe(409);
      expect(blocked.body.error.message).toContain(
        "gate 'accuracy >= 0.8' failed (accuracy 0.7 not >= 0.8)",
      );
      expect((await a.get('/models/churn')).body.aliases).toEqual([
        { alias: 'production', version: '1' },
      ]);

      const noComment = await a.post(`/promotions/${weak.body.id}/reject`, {});
      expect(noComment.status).toBe(400);
      const notTheirs = await a.post(`/promotions/${weak.body.id}/cancel`);
      expect(notTheirs.status).toBe(403);
      const rejected = await a.post(`/promotions/${weak.body.id}/reject`, {
        comment: 'accuracy too low',
      });
      expect(rejected.body).toMatchObject({
        status: 'REJECTED',
        decisionComment: 'accuracy too low',
      });

      const retry = await b.post('/models/churn/promotions', {
        version: '2',
        alias: 'production',
      });
      const cancelled = await b.post(`/promotions/${retry.body.id}/cancel`);
      expect(cancelled.body.status).toBe('CANCELLED');

      // Model tags add gates of their own, and must state one.
      const badGate = await a.mlflow('registered-models/set-tag', {
        name: 'churn',
        key: 'mlplatform.gate.f1',
        value: 'high',
      });
      expect(badGate.status).toBe(400);
      await a.mlflow('registered-models/set-tag', {
        name: 'churn',
        key: 'mlplatform.gate.accuracy',
        value: '>=0.95',
      });
      const strict = await b.post('/models/churn/promotions', {
        version: '1',
        alias: 'production',
      });
      expect(strict.body.gates.map((g: any) => g.passed)).toEqual([
        true,
        true,
        false,
      ]);
    });

    it('takes a protected alias off only by approval, and keeps its version until then', async () => {
      const { as } = await startPortal(databaseId);
      const a = as(A);
      const a2 = as(A2);
      const b = as(B);
      const { body: experiment } = await a.mlflow('experiments/create', {
        name: 'churn-rollback',
      });
      await registerVersion(a, experiment.experiment_id, 0.93);
      const ask = await a.mlflow('registered-models/alias', {
        name: 'churn',
        alias: 'production',
        version: '1',
      });
      const promotion = /promotion request ([0-9a-f-]{36})/.exec(
        ask.body.message,
      )![1];
      expect((await a2.post(`/promotions/${promotion}/approve`)).status).toBe(
        200,
      );

      // The version and the model it holds production on cannot be deleted past it.
      const deleteVersion = await a.mlflow(
        'model-versions/delete',
        { name: 'churn', version: '1' },
        'delete',
      );
      expect(deleteVersion.status).toBe(403);
      expect(deleteVersion.body.message).toContain(
        "protected alias 'production' points to version 1",
      );
      const deleteModel = await a.mlflow(
        'registered-models/delete',
        { name: 'churn' },
        'delete',
      );
      expect(deleteModel.status).toBe(403);

      // Deleting the alias asks for its removal; another team may not even ask.
      expect(
        (
          await b.mlflow(
            'registered-models/alias',
            { name: 'churn', alias: 'production' },
            'delete',
          )
        ).status,
      ).toBe(403);
      const removal = await a.mlflow(
        'registered-models/alias',
        { name: 'churn', alias: 'production' },
        'delete',
      );
      expect(removal.status).toBe(403);
      expect(removal.body).toMatchObject({ error_code: 'PERMISSION_DENIED' });
      expect(removal.body.message).toContain('to remove it from version 1');
      const removalId = /promotion request ([0-9a-f-]{36})/.exec(
        removal.body.message,
      )![1];
      // Asking again finds the same request.
      const again = await a.mlflow(
        'registered-models/alias',
        { name: 'churn', alias: 'production' },
        'delete',
      );
      expect(again.body.message).toContain(removalId);
      expect(
        (await a.get('/models/churn')).body.aliases.map(
          (x: { alias: string }) => x.alias,
        ),
      ).toContain('production');

      expect((await a.post(`/promotions/${removalId}/approve`)).status).toBe(
        403,
      );
      expect((await b.post(`/promotions/${removalId}/approve`)).status).toBe(
        403,
      );
      const approved = await a2.post(`/promotions/${removalId}/approve`, {
        comment: 'rolling back',
      });
      expect(approved.status).toBe(200);
      expect(approved.body).toMatchObject({
        action: 'remove',
        status: 'APPROVED',
      });
      expect(
        (await a.get('/models/churn')).body.aliases.map(
          (x: { alias: string }) => x.alias,
        ),
      ).not.toContain('production');
      const audit = await a.get('/models/churn/audit');
      expect(JSON.stringify(audit.body)).toContain(
        "approved removing alias 'production' from version 1",
      );

      // Now the version goes.
      expect(
        (
          await a.mlflow(
            'model-versions/delete',
            { name: 'churn', version: '1' },
            'delete',
          )
        ).status,
      ).toBe(200);
    });
  },
);
