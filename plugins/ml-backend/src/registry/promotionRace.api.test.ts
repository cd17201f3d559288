import { mockCredentials } from '@backstage/backend-test-utils';
import request from 'supertest';
import { createTestDatabases } from '../__testUtils__/databases';
import { userInfoByTeam } from '../__testUtils__/permissions';
import { startPortal } from '../__testUtils__/portal';

const databases = createTestDatabases();

const TEAM = 'group:default/churn-team';
const REQUESTER = 'user:default/requester';
const APPROVER = 'user:default/approver';
const REJECTER = 'user:default/rejecter';

/** Rounds of the race: each a new request, both decisions sent at once. */
const ROUNDS = 6;

/**
 * Two approvers decide one promotion request at the same moment, one approving, one
 * rejecting: exactly one decision wins, the other is told the request is decided, and
 * the alias is where the winner left it.
 */
describe.each(databases.eachSupportedId())(
  'approve and reject racing on %p',
  databaseId => {
    it('lets one decision win, answers the other 409, and moves the alias only on approval', async () => {
      const { server } = await startPortal({
        database: await databases.init(databaseId),
        features: [
          userInfoByTeam({
            [REQUESTER]: [TEAM],
            [APPROVER]: [TEAM],
            [REJECTER]: [TEAM],
          }),
        ],
        ml: { registry: { protectedAliases: ['production'] } },
      });
      const as = (user: string) => {
        const auth = mockCredentials.user.header(user);
        return {
          get: (path: string) =>
            request(server).get(`/api/ml${path}`).set('Authorization', auth),
          post: (path: string, body: object) =>
            request(server)
              .post(`/api/ml${path}`)
              .set('Authorization', auth)
              .send(body),
        };
      };
      const requester = as(REQUESTER);
      const experiment = await requester.post(
        '/mlflow/api/2.0/mlflow/experiments/create',
        { name: 'churn-race' },
      );
      const run = await requester.post('/mlflow/api/2.0/mlflow/runs/create', {
        experiment_id: experiment.body.experiment_id,
      });
      expect((await requester.post('/models', { name: 'churn' })).status).toBe(
        201,
      );

      let production: string | undefined;
      const winners: string[] = [];
      for (let round = 1; round <= ROUNDS; round++) {
        const version = await requester.post('/models/churn/versions', {
          runId: run.body.run.info.run_id,
        });
        expect(version.status).toBe(201);
        const asked = await requester.post('/models/churn/promotions', {
          alias: 'production',
          version: version.body.version,
        });
        expect(asked.status).toBe(201);
        const id = asked.body.id;

        const [approved, rejected] = await Promise.all([
          as(APPROVER).post(`/promotions/${id}/approve`, { comment: 'ship' }),
          as(REJECTER).post(`/promotions/${id}/reject`, { comment: 'hold' }),
        ]);

        const statuses = [approved.status, rejected.status];
        expect(statuses.sort()).toEqual([200, 409]);
        const [winner, loser] =
          approved.status === 200 ? [approved, rejected] : [rejected, approved];
        const decided = winner === approved ? 'APPROVED' : 'REJECTED';
        winners.push(decided);
        expect(winner.body).toMatchObject({ id, status: decided });
        expect(loser.body.error).toEqual({
          name: 'ConflictError',
          message: `Promotion request ${id} is ${decided}, no longer PENDING`,
        });
        if (decided === 'APPROVED') production = version.body.version;

        const model = await requester.get('/models/churn');
        expect(model.body.aliases).toEqual(
          production ? [{ alias: 'production', version: production }] : [],
        );
        const [stored] = (
          await requester.get(`/promotions?status=${decided}`)
        ).body.filter((p: { id: string }) => p.id === id);
        expect(stored).toMatchObject({ status: decided });
      }
      // One decision recorded per request, whoever won.
      const audit = await requester.get('/models/churn/audit');
      const decisions = audit.body
        .map((e: { action: string }) => e.action)
        .filter((action: string) => /approved|rejected/.test(action));
      expect(decisions).toHaveLength(ROUNDS);
      expect(decisions.reverse()).toEqual(
        winners.map(w => `promotion.${w.toLowerCase()}`),
      );
    });
  },
);
