import { mockCredentials } from '@backstage/backend-test-utils';
import { createTestDatabases } from '../__testUtils__/databases';
import { FakeComputeTarget } from '../__testUtils__/FakeComputeTarget';
import { userInfoByTeam } from '../__testUtils__/permissions';
import { startPortal } from '../__testUtils__/portal';
import { trainingApi } from '../__testUtils__/trainingApi';

const databases = createTestDatabases();

const VISION = 'group:default/vision';
const RECSYS = 'group:default/recsys';
const ALICE = 'user:default/alice';
const BOB = 'user:default/bob';

/**
 * Quota reclaim carried out by the service: a team that borrowed GPUs beyond its nominal
 * quota gives them back, by preemption, when their owner team needs them; the preempted
 * job waits in the queue and runs again when GPUs free up.
 */
describe.each(databases.eachSupportedId())(
  'quota reclaim on %p',
  databaseId => {
    it('preempts the newest borrowed job for the owner team, then runs it again', async () => {
      const cluster = new FakeComputeTarget();
      const { server } = await startPortal({
        database: await databases.init(databaseId),
        targets: [cluster],
        features: [userInfoByTeam({ [ALICE]: [VISION], [BOB]: [RECSYS] })],
        ml: {
          training: {
            workers: true,
            pollIntervalMs: 100,
            pools: [
              {
                name: 'shared',
                target: 'fake',
                gpuType: 'a100',
                gpusPerNode: 2,
              },
            ],
            // Each team is guaranteed one GPU and may borrow the other's.
            quotas: [VISION, RECSYS].map(team => ({
              team,
              pool: 'shared',
              nominalGpus: 1,
              borrowingLimitGpus: 1,
            })),
          },
        },
      });
      const vision = trainingApi(server, mockCredentials.user.header(ALICE));
      const recsys = trainingApi(server, mockCredentials.user.header(BOB));
      const running = (job: any) => job.status === 'RUNNING';

      // Recsys fills the pool: its own GPU, then vision's idle one.
      const own = await recsys.submit({ name: 'own', pool: 'shared' });
      await recsys.waitForJob(own, running);
      const borrowing = await recsys.submit({
        name: 'borrowing',
        pool: 'shared',
      });
      await recsys.waitForJob(borrowing, running);

      const reclaiming = await vision.submit({
        name: 'reclaiming',
        pool: 'shared',
      });
      await vision.waitForJob(reclaiming, running);
      // It waits for capacity, not for its quota: the GPU is vision's again.
      const preempted = await recsys.waitForJob(
        borrowing,
        job => job.status === 'PENDING' && job.pendingReason === 'capacity',
      );
      expect(preempted.attempts).toEqual([
        expect.objectContaining({ attemptNumber: 1, state: 'PREEMPTED' }),
      ]);
      expect(preempted.events).toContainEqual(
        expect.objectContaining({
          type: 'preempted',
          message: expect.stringContaining(
            `${VISION} reclaims its nominal quota in shared`,
          ),
        }),
      );
      // What ran on the cluster was stopped; the job within its quota runs on.
      expect(cluster.cancelled(borrowing)).toHaveLength(1);
      expect(cluster.running(borrowing)).toEqual([]);
      expect((await recsys.job(own)).status).toBe('RUNNING');

      // When the owner's job ends, the preempted one runs again and can succeed.
      cluster.finish(reclaiming);
      await recsys.waitForJob(borrowing, running);
      cluster.finish(borrowing);
      const resumed = await recsys.waitForJob(
        borrowing,
        job => job.status === 'SUCCEEDED',
      );
      expect(resumed.attempts.map((a: any) => a.state)).toEqual([
        'PREEMPTED',
        'SUCCEEDED',
      ]);
      cluster.finish(own);
    });
  },
);
