import { mockCredentials } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import { createTestDatabases } from '../__testUtils__/databases';
import { FakeComputeTarget } from '../__testUtils__/FakeComputeTarget';
import {
  PLATFORM,
  RECSYS,
  VISION,
  PAT,
  BOB,
  tenancyPermissionFeatures,
  userInfoByTeam,
} from '../__testUtils__/permissions';
import { startPortal } from '../__testUtils__/portal';
import { trainingApi } from '../__testUtils__/trainingApi';
import { userRequests } from '../__testUtils__/userRequests';

const databases = createTestDatabases();

const ALICE = 'user:default/alice';

const quotasPath = (team: string) =>
  `/training/quotas/${encodeURIComponent(team)}`;
const scopesPath = (team: string) =>
  `/training/secret-scopes/${encodeURIComponent(team)}`;

jest.setTimeout(60_000);

describe.each(databases.eachSupportedId())(
  'team quotas and secret scopes on %p',
  databaseId => {
    let knex: Knex;
    let stops: Array<() => Promise<void>>;
    beforeEach(async () => {
      knex = await databases.init(databaseId);
      stops = [];
    });
    afterEach(async () => {
      for (const stop of stops) await stop();
    });

    /**
     * The portal policy on: pat is on the platform team, bob in recsys, alice in vision.
     * One fake pool of 2 GPUs; config gives recsys both of them and a vault prefix.
     */
    const start = async (options: { workers?: boolean } = {}) => {
      const cluster = new FakeComputeTarget();
      const started = await startPortal({
        database: knex,
        targets: [cluster],
        features: [
          ...tenancyPermissionFeatures,
          userInfoByTeam({
            [PAT]: [PLATFORM],
            [BOB]: [RECSYS],
            [ALICE]: [VISION],
          }),
        ],
        config: { permission: { enabled: true } },
        ml: {
          permissions: { platformGroups: [PLATFORM] },
          training: {
            workers: options.workers ?? false,
            pollIntervalMs: 100,
            pools: [
              {
                name: 'shared',
                target: 'fake',
                gpuType: 'a100',
                gpusPerNode: 2,
              },
            ],
            quotas: [{ team: RECSYS, pool: 'shared', nominalGpus: 2 }],
            secretScopes: [{ group: RECSYS, secrets: ['vault:recsys/*'] }],
          },
        },
      });
      stops.push(started.stop);
      return {
        cluster,
        pat: userRequests(started.server, PAT),
        bob: userRequests(started.server, BOB),
        alice: userRequests(started.server, ALICE),
        bobTraining: trainingApi(
          started.server,
          mockCredentials.user.header(BOB),
        ),
      };
    };

    it("a platform member replaces a team's quotas over config; the same request twice sets the same", async () => {
      const { pat, bob } = await start();
      expect((await bob.get(quotasPath(RECSYS))).body).toEqual({
        team: RECSYS,
        quotas: [{ pool: 'shared', nominalGpus: 2, borrowingLimitGpus: 0 }],
        source: 'config',
      });

      const body = { quotas: [{ pool: 'shared', nominalGpus: 1 }] };
      const set = await pat.putJson(quotasPath(RECSYS), body);
      expect(set.status).toBe(200);
      expect(set.body).toEqual({
        team: RECSYS,
        quotas: [{ pool: 'shared', nominalGpus: 1, borrowingLimitGpus: 0 }],
        source: 'api',
        updatedBy: PAT,
        updatedAt: expect.any(Number),
      });
      const again = await pat.putJson(quotasPath(RECSYS), body);
      expect(again.status).toBe(200);
      expect(again.body.quotas).toEqual(set.body.quotas);

      // Vision, which config gives nothing, gets its first quota; both are listed.
      await pat.putJson(quotasPath('vision'), {
        quotas: [{ pool: 'shared', nominalGpus: 1, borrowingLimitGpus: 1 }],
      });
      const listed = await bob.get('/training/quotas');
      expect(listed.status).toBe(200);
      expect(
        listed.body.items.map((q: any) => [q.team, q.source, q.quotas]),
      ).toEqual([
        [
          RECSYS,
          'api',
          [{ pool: 'shared', nominalGpus: 1, borrowingLimitGpus: 0 }],
        ],
        [
          VISION,
          'api',
          [{ pool: 'shared', nominalGpus: 1, borrowingLimitGpus: 1 }],
        ],
      ]);
    });

    it('admission holds a job beyond the quota set through the API, and admits it once raised', async () => {
      const { pat, bobTraining, cluster } = await start({ workers: true });
      await pat.putJson(quotasPath(RECSYS), {
        quotas: [{ pool: 'shared', nominalGpus: 0 }],
      });
      // Config's 2 GPUs would admit it; the API's quota of 0 holds it.
      const jobId = await bobTraining.submit({ name: 'held', pool: 'shared' });
      const held = await bobTraining.waitForJob(
        jobId,
        job => job.status === 'PENDING' && job.pendingReason === 'quota',
      );
      expect(held.statusMessage).toBe(
        `${RECSYS} uses 0 of its 0 nominal + 0 borrowable GPUs in shared; the job needs 1`,
      );
      expect(cluster.running(jobId)).toEqual([]);

      await pat.putJson(quotasPath(RECSYS), {
        quotas: [{ pool: 'shared', nominalGpus: 1 }],
      });
      await bobTraining.waitForJob(jobId, job => job.status === 'RUNNING');
      cluster.finish(jobId);
    });

    it("scopes set through the API replace the team's config scopes at submission", async () => {
      const { pat, bob, bobTraining } = await start();
      const submit = (secretRef: string) =>
        bob.post('/training/jobs', {
          name: 'with-secret',
          pool: 'shared',
          command: ['train'],
          resources: { gpus: 1 },
          secretEnv: [{ name: 'TOKEN', secretRef }],
        });
      expect((await submit('vault:recsys/db')).status).toBe(201);

      const set = await pat.putJson(scopesPath(RECSYS), {
        scopes: [{ target: 'fake', secrets: ['vault:shared/token'] }],
      });
      expect(set.status).toBe(200);
      expect(set.body).toMatchObject({
        team: RECSYS,
        scopes: [{ target: 'fake', secrets: ['vault:shared/token'] }],
        source: 'api',
      });

      const refused = await submit('vault:recsys/db');
      expect(refused.status).toBe(403);
      expect(refused.body.error.message).toContain(
        `'vault:recsys/db' is not a secret ${RECSYS} may use on the fake target`,
      );
      expect(
        await bobTraining.submit({
          name: 'in-scope',
          pool: 'shared',
          secretEnv: [{ name: 'TOKEN', secretRef: 'vault:shared/token' }],
        }),
      ).toEqual(expect.any(String));
    });

    it("refuses outsiders: only the platform team sets, only the team and the platform team read a team's scopes", async () => {
      const { bob, alice, pat } = await start();
      const quotas = await bob.putJson(quotasPath(RECSYS), {
        quotas: [{ pool: 'shared', nominalGpus: 2, borrowingLimitGpus: 2 }],
      });
      expect(quotas.status).toBe(403);
      expect(quotas.body.error.message).toContain('ml.trainingQuota.update');
      const scopes = await bob.putJson(scopesPath(RECSYS), {
        scopes: [{ secrets: ['vault:*'] }],
      });
      expect(scopes.status).toBe(403);
      expect(scopes.body.error.message).toContain('ml.secretScope.update');

      expect((await alice.get(scopesPath(RECSYS))).status).toBe(403);
      expect((await bob.get(scopesPath(RECSYS))).body).toEqual({
        team: RECSYS,
        scopes: [{ secrets: ['vault:recsys/*'] }],
        source: 'config',
      });
      expect((await pat.get(scopesPath(RECSYS))).status).toBe(200);
      // Nothing was written.
      expect((await pat.get(quotasPath(RECSYS))).body.source).toBe('config');
    });

    it.each([
      [
        quotasPath(RECSYS),
        { quotas: [{ pool: 'a100', nominalGpus: 1 }] },
        "no pool 'a100'",
      ],
      [
        quotasPath(RECSYS),
        {
          quotas: [
            { pool: 'shared', nominalGpus: 1 },
            { pool: 'shared', nominalGpus: 2 },
          ],
        },
        'listed twice',
      ],
      [
        quotasPath(RECSYS),
        { quotas: [{ pool: 'shared', nominalGpus: -1 }] },
        'nominalGpus',
      ],
      [quotasPath('user:default/bob'), { quotas: [] }, 'not a group reference'],
      [
        scopesPath(RECSYS),
        { scopes: [{ secrets: ['vault:*/x'] }] },
        "prefix ending in '*'",
      ],
      [
        scopesPath(RECSYS),
        { scopes: [{ target: 'gke', secrets: ['a'] }] },
        "no pool runs on target 'gke'",
      ],
    ])('answers 400 for PUT %s %j', async (path, body, said) => {
      const { pat } = await start();
      const res = await pat.putJson(path, body);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toContain(said);
    });
  },
);
