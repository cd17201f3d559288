import { mockCredentials } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import notificationsPlugin from '@backstage/plugin-notifications-backend';
import { Server } from 'node:http';
import request from 'supertest';
import { createTestDatabases } from '../__testUtils__/databases';
import {
  tenancyPermissionFeatures,
  userInfoByTeam,
} from '../__testUtils__/permissions';
import { startPortal } from '../__testUtils__/portal';
import { userRequests } from '../__testUtils__/userRequests';

const TEAM_A = 'group:default/team-a';
const TEAM_B = 'group:default/team-b';
const APPROVERS = 'group:default/ml-approvers';
const A = 'user:default/a';
const A2 = 'user:default/a2';
const B = 'user:default/b';
const C = 'user:default/c';

const group = (name: string, members: string[]) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Group',
  metadata: { name, namespace: 'default' },
  spec: { type: 'team', children: [] },
  relations: members.map(targetRef => ({ type: 'hasMember', targetRef })),
});

/** The groups as the catalog knows them: the notifications backend resolves members here. */
const catalog = catalogServiceMock.factory({
  entities: [
    group('team-a', [A, A2]),
    group('team-b', [B]),
    group('ml-approvers', [C]),
  ],
});

/** Each user's ML notifications, as the portal's notifications page asks for them. */
async function inbox(server: Server, user: string) {
  const res = await request(server)
    .get('/api/notifications/notifications?topic=ml-promotions')
    .set('Authorization', mockCredentials.user.header(user));
  expect(res.status).toBe(200);
  return res.body.notifications.map((n: any) => ({
    title: n.payload.title,
    description: n.payload.description,
    link: n.payload.link,
    severity: n.payload.severity,
    origin: n.origin,
  }));
}

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'promotion notifications through the notifications backend on %p',
  databaseId => {
    it('tells the approver groups of a request and the requester of its decision, and no one else', async () => {
      const { server } = await startPortal({
        database: await databases.init(databaseId),
        features: [
          ...tenancyPermissionFeatures,
          userInfoByTeam({
            [A]: [TEAM_A],
            [A2]: [TEAM_A],
            [B]: [TEAM_B],
            [C]: [APPROVERS],
          }),
          notificationsPlugin,
          catalog,
        ],
        config: {
          permission: { enabled: true },
          app: { baseUrl: 'http://localhost:3000' },
        },
        ml: { registry: { approverGroup: APPROVERS } },
      });
      const a = userRequests(server, A);
      const b = userRequests(server, B);
      const { body: experiment } = await a.mlflow('experiments/create', {
        name: 'churn-experiments',
      });
      for (let i = 0; i < 2; i++) {
        const { body } = await a.mlflow('runs/create', {
          experiment_id: experiment.experiment_id,
        });
        const version = await a.post('/models/churn/versions', {
          runId: body.run.info.run_id,
        });
        expect(version.status).toBe(201);
      }

      const requested = await b.post('/models/churn/promotions', {
        version: '1',
        alias: 'production',
        reason: 'beats the baseline',
      });
      expect(requested.status).toBe(201);
      const approverNotice = {
        title: "Approval requested: churn v1 → 'production'",
        description: `${B} asks for moving alias 'production' to version 1 of churn: beats the baseline`,
        link: '/ml/models/churn/versions/1',
        severity: 'normal',
        origin: 'plugin:ml',
      };
      // The model's owner team and the approver group; not the requester's team.
      expect(await inbox(server, A)).toEqual([approverNotice]);
      expect(await inbox(server, A2)).toEqual([approverNotice]);
      expect(await inbox(server, C)).toEqual([approverNotice]);
      expect(await inbox(server, B)).toEqual([]);

      const approved = await a.post(
        `/promotions/${requested.body.id}/approve`,
        { comment: 'ship it' },
      );
      expect(approved.status).toBe(200);
      expect(await inbox(server, B)).toEqual([
        {
          title: "Approved: churn v1 → 'production'",
          description: `${A} approved your request: ship it`,
          link: '/ml/models/churn/versions/1',
          severity: 'normal',
          origin: 'plugin:ml',
        },
      ]);
      // Deciders and other approvers hear nothing new.
      expect(await inbox(server, A)).toEqual([approverNotice]);
      expect(await inbox(server, C)).toEqual([approverNotice]);

      const second = await b.post('/models/churn/promotions', {
        version: '2',
        alias: 'production',
      });
      expect(second.status).toBe(201);
      const rejected = await userRequests(server, C).post(
        `/promotions/${second.body.id}/reject`,
        { comment: 'no evaluation yet' },
      );
      expect(rejected.status).toBe(200);
      expect((await inbox(server, B))[0]).toEqual({
        title: "Rejected: churn v2 → 'production'",
        description: `${C} rejected your request: no evaluation yet`,
        link: '/ml/models/churn/versions/2',
        severity: 'high',
        origin: 'plugin:ml',
      });
      expect(await inbox(server, B)).toHaveLength(2);
      expect(await inbox(server, A2)).toHaveLength(2);
    });
  },
);
