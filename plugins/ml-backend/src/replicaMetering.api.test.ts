import request from 'supertest';
import { createTestDatabases } from './__testUtils__/databases';
import { FakeComputeTarget } from './__testUtils__/FakeComputeTarget';
import { startPortal } from './__testUtils__/portal';
import { trainingApi } from './__testUtils__/trainingApi';
import { waitFor } from './__testUtils__/waitFor';

const databases = createTestDatabases();

/** Jobs per batch; they all end at the same moment. */
const JOBS = 8;
const TEAM = 'group:default/ml-platform';

/**
 * Two replicas of the backend (one database, one cluster) both follow and meter the
 * same attempts: each attempt's GPU time is recorded once, in the usage rows
 * and in the rollups the summary reads.
 */
describe.each(databases.eachSupportedId())(
  'two replicas metering at once on %p',
  databaseId => {
    it('records each attempt’s usage once', async () => {
      const database = await databases.init(databaseId);
      const cluster = new FakeComputeTarget();
      // Each replica ticks on queues of its own: their meter loops then overlap on every
      // tick (on shared queues they mostly take turns).
      const ml = {
        training: {
          workers: true,
          pollIntervalMs: 100,
          pools: [
            {
              name: 'fake-pool',
              target: 'fake',
              gpuType: 'a100',
              gpusPerNode: JOBS,
            },
          ],
        },
        cost: { prices: [{ pool: 'fake-pool', gpuHourUsd: 3600 }] },
      };
      const replicas = [
        await startPortal({ database, targets: [cluster], ml }),
        await startPortal({ database, targets: [cluster], ml }),
      ].map(({ server }) => ({ server, api: trainingApi(server) }));

      const exportRows = async () => {
        const csv = await request(replicas[0].server).get(
          '/api/ml/cost/export.csv',
        );
        const [header, ...lines] = csv.text.trim().split('\n');
        const columns = header.split(',');
        return lines.map(line =>
          Object.fromEntries(line.split(',').map((v, i) => [columns[i], v])),
        );
      };

      /** Runs a batch to its end, its jobs submitted to either replica, and waits until it is metered. */
      const runBatch = async (batch: string) => {
        const jobIds: string[] = [];
        for (let i = 0; i < JOBS; i++) {
          const { api } = replicas[i % 2];
          jobIds.push(
            await api.submit({ name: `${batch}-${i}`, pool: 'fake-pool' }),
          );
        }
        for (const [i, jobId] of jobIds.entries()) {
          await replicas[i % 2].api.waitForJob(
            jobId,
            job => job.status === 'RUNNING',
          );
        }
        for (const jobId of jobIds) cluster.finish(jobId);
        const ended = [];
        for (const [i, jobId] of jobIds.entries()) {
          ended.push(
            await replicas[(i + 1) % 2].api.waitForJob(
              jobId,
              job => job.status === 'SUCCEEDED',
            ),
          );
        }
        const attemptIds = ended.map(job => job.attempts[0].attemptId);
        await waitFor(`${batch} metered`, exportRows, rows =>
          attemptIds.every(id => rows.some(row => row.attempt_id === id)),
        );
        return ended.map(job => job.attempts[0]);
      };

      const first = await runBatch('first');
      // Both replicas tick many times while a second batch runs: a late second meter
      // of the first batch would show.
      const second = await runBatch('second');
      const attempts = [...first, ...second];

      const rows = await exportRows();
      const iso = (ms: number) => new Date(ms).toISOString();
      for (const attempt of attempts) {
        // Its rows tile its run time once (a day boundary may split it in two).
        const spans = rows
          .filter(row => row.attempt_id === attempt.attemptId)
          .map(row => [row.start, row.end])
          .sort();
        expect({
          attempt: attempt.attemptId,
          from: spans[0][0],
          to: spans[spans.length - 1][1],
          overlapsOrGaps: spans
            .slice(1)
            .filter((span, i) => span[0] !== spans[i][1]).length,
        }).toEqual({
          attempt: attempt.attemptId,
          from: iso(attempt.startedAt),
          to: iso(attempt.endedAt),
          overlapsOrGaps: 0,
        });
      }
      expect(rows).toHaveLength(
        new Set(rows.map(row => `${row.attempt_id} ${row.start}`)).size,
      );

      const gpuSeconds = attempts.reduce(
        (sum, a) => sum + (a.endedAt - a.startedAt) / 1000,
        0,
      );
      const summary = await request(replicas[1].server).get(
        '/api/ml/cost/summary',
      );
      expect(summary.body.teams).toEqual([
        expect.objectContaining({ team: TEAM }),
      ]);
      expect(summary.body.teams[0].gpuSeconds).toBeCloseTo(gpuSeconds, 3);
    });
  },
);
