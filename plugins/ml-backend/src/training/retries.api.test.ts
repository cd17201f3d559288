import { createTestDatabases } from '../__testUtils__/databases';
import { startPortal } from '../__testUtils__/portal';
import { trainingApi } from '../__testUtils__/trainingApi';

const databases = createTestDatabases();

/**
 * `maxRetries` through the API, with real processes on the local target: a failed
 * attempt is followed by another while tries remain, and the job's outcome is its last
 * attempt's.
 */
describe.each(databases.eachSupportedId())(
  'retries of failed attempts on %p',
  databaseId => {
    it('runs another attempt after a failure while retries remain, and fails once they are used', async () => {
      const { server } = await startPortal({
        database: await databases.init(databaseId),
        ml: { training: { workers: true, pollIntervalMs: 100 } },
      });
      const api = trainingApi(server);
      const flaky = await api.submit({
        name: 'flaky',
        pool: 'local-cpu',
        maxRetries: 1,
        // Fails on its first attempt only.
        command: ['sh', '-c', 'test "$ML_JOB_ATTEMPT" != 1'],
      });
      const broken = await api.submit({
        name: 'broken',
        pool: 'local-cpu',
        maxRetries: 1,
        command: ['sh', '-c', 'exit 3'],
      });

      const recovered = await api.waitForJob(
        flaky,
        job => job.status === 'SUCCEEDED',
      );
      expect(recovered.attempts).toEqual([
        expect.objectContaining({
          attemptNumber: 1,
          state: 'FAILED',
          exitReason: 'exited with 1',
        }),
        expect.objectContaining({ attemptNumber: 2, state: 'SUCCEEDED' }),
      ]);
      expect(recovered.events).toContainEqual(
        expect.objectContaining({
          type: 'retrying',
          message:
            'Attempt 1 failed (exited with 1); retrying (1 of 2 tries used)',
        }),
      );

      const failed = await api.waitForJob(
        broken,
        job => job.status === 'FAILED',
      );
      expect(failed.attempts.map((a: any) => [a.state, a.exitReason])).toEqual([
        ['FAILED', 'exited with 3'],
        ['FAILED', 'exited with 3'],
      ]);
      expect(failed.statusMessage).toBe('Attempt 2 failed: exited with 3');
    });
  },
);
