import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { waitFor } from '../__testUtils__/waitFor';
import { RedisConnection } from '../redis/RedisConnection';
import { TrainingQueues } from './TrainingQueues';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * The dispatch queue's safety net on a real Redis: a dispatch that ran too early (queued
 * under the next attempt's id while the previous attempt was being dispatched, so it
 * started nothing) runs again when the row still says the job waits for it. CI saw a
 * retried job stay ADMITTED for good when that dispatch had completed first.
 */
describe('TrainingQueues.ensureDispatchQueued', () => {
  it('runs a completed dispatch again for a job still admitted', async () => {
    const redis = await RedisConnection.resolve({
      config: new ConfigReader({ ml: { redis: { url: REDIS_URL } } }),
      logger: mockServices.logger.mock(),
    });
    const queues = new TrainingQueues({
      redis,
      logger: mockServices.logger.mock(),
      prefix: `ml-test-${Math.random().toString(36).slice(2)}`,
    });
    const dispatched: string[] = [];
    await queues.startWorkers(
      {
        admission: async () => {},
        dispatch: async jobId => {
          dispatched.push(jobId);
        },
        dispatchFailed: async () => {},
        tick: async () => {},
      },
      60_000,
    );
    try {
      await queues.requestDispatch('job-1', 2);
      await waitFor(
        'the early dispatch',
        async () => dispatched,
        d => d.length === 1,
      );
      // The same id again is a replay: nothing runs.
      await queues.requestDispatch('job-1', 2);
      await queues.ensureDispatchQueued('job-1', 2);
      // The row says attempt 2 is still due: the completed dispatch runs again.
      await queues.ensureDispatchQueued('job-1', 2, true);
      await waitFor(
        'the dispatch again',
        async () => dispatched,
        d => d.length >= 2,
      );
      expect(dispatched).toEqual(['job-1', 'job-1']);
    } finally {
      await queues.close();
      await redis.close();
    }
  });
});
