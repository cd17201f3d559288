import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import request from 'supertest';
import { createTestDatabases } from '../__testUtils__/databases';
import {
  tenancyPermissionFeatures,
  userInfoByTeam,
} from '../__testUtils__/permissions';
import { startPortal } from '../__testUtils__/portal';

const databases = createTestDatabases();

const ALICE = 'user:default/alice';
const BOB = 'user:default/bob';

/**
 * Experiment search leaves out what the caller may not read in SQL, before paging: with
 * another team's experiments interleaved, every page but the last is full and following
 * the tokens visits each readable experiment once. Logged models of an experiment the
 * caller may not read are refused as its runs are.
 */
describe.each(databases.eachSupportedId())(
  'experiment search across teams on %p',
  databaseId => {
    it('pages hold only readable experiments, full pages, each once', async () => {
      const { server } = await startPortal({
        database: await databases.init(databaseId),
        features: [
          ...tenancyPermissionFeatures,
          userInfoByTeam({
            [ALICE]: ['group:default/vision'],
            [BOB]: ['group:default/recsys'],
          }),
          mockServices.httpAuth.factory({
            defaultCredentials: mockCredentials.none(),
          }),
        ],
        config: { permission: { enabled: true } },
        ml: { permissions: { readAcrossTeams: false } },
      });
      const mlflow = (user: string, endpoint: string, body: object) =>
        request(server)
          .post(`/api/ml/mlflow/api/2.0/mlflow/${endpoint}`)
          .set('Authorization', mockCredentials.user.header(user))
          .send(body);

      // Alternating owners: a page cut before filtering would come back half empty.
      const ids: Record<string, string[]> = { [ALICE]: [], [BOB]: [] };
      for (let i = 0; i < 10; i++) {
        for (const user of [ALICE, BOB]) {
          const created = await mlflow(user, 'experiments/create', {
            name: `${user === ALICE ? 'vision' : 'recsys'}-${String(i).padStart(
              2,
              '0',
            )}`,
          }).expect(200);
          ids[user].push(created.body.experiment_id);
        }
      }

      const pages: string[][] = [];
      let token: string | undefined;
      do {
        const page = await mlflow(ALICE, 'experiments/search', {
          max_results: 3,
          order_by: ['name ASC'],
          ...(token && { page_token: token }),
        }).expect(200);
        pages.push(page.body.experiments.map((e: { name: string }) => e.name));
        token = page.body.next_page_token;
      } while (token);
      // The Default experiment is the platform's; alice reads only her team's.
      expect(pages.map(p => p.length)).toEqual([3, 3, 3, 1]);
      expect(pages.flat()).toEqual(
        Array.from(
          { length: 10 },
          (_, i) => `vision-${String(i).padStart(2, '0')}`,
        ),
      );

      const refused = await mlflow(BOB, 'logged-models/search', {
        experiment_ids: [ids[ALICE][0]],
      });
      expect(refused.status).toBe(403);
      expect(refused.body.error_code).toBe('PERMISSION_DENIED');
    });
  },
);
