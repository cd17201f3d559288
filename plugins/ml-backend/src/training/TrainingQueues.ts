import { LoggerService } from '@backstage/backend-plugin-api';
import { ServiceUnavailableError } from '@backstage/errors';
import { Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { RedisConnection, waitForReady } from '../redis/RedisConnection';

/** What the workers do; the queues carry ids only, the rows hold the truth. @internal */
export type TrainingHandlers = {
  admission: () => Promise<void>;
  dispatch: (jobId: string) => Promise<void>;
  /** Final failure of a dispatch after all retries. */
  dispatchFailed: (jobId: string, error: Error) => Promise<void>;
  /** Polls running attempts, re-queues what Redis lost, runs admission. */
  tick: () => Promise<void>;
};

const DEFAULT_JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { count: 1000 },
  removeOnFail: { count: 5000 },
};

/**
 * The BullMQ side of training: an admission queue (one cycle at a time, bursts of
 * triggers collapse into one), a dispatch queue with deterministic job ids (a replay
 * adds nothing), and a tick scheduled every `tickEveryMs`. Producers fail fast when
 * Redis is down so the API can answer 503.
 *
 * @internal
 */
export class TrainingQueues {
  private readonly admissionQueue: Queue;
  private readonly dispatchQueue: Queue;
  private readonly tickQueue: Queue;
  private readonly workers: Worker[] = [];
  private retryTimer?: NodeJS.Timeout;
  private readonly producer: Redis;

  constructor(
    private readonly options: {
      redis: RedisConnection;
      logger: LoggerService;
      prefix?: string;
    },
  ) {
    const connection = options.redis.createClient('producer');
    this.producer = connection;
    const queue = (name: string) => {
      const q = new Queue(name, {
        connection,
        prefix: options.prefix ?? 'ml',
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
      });
      // Connection errors reach callers as 503s and the health check; no console noise.
      q.on('error', error =>
        options.logger.debug(`${name} queue: ${error.message}`),
      );
      return q;
    };
    this.admissionQueue = queue('training-admission');
    this.dispatchQueue = queue('training-dispatch');
    this.tickQueue = queue('training-tick');
  }

  async requestAdmission(): Promise<void> {
    await this.produce(() =>
      this.admissionQueue.add(
        'cycle',
        {},
        { deduplication: { id: 'admission-cycle', ttl: 200 } },
      ),
    );
  }

  /** `attemptNumber` makes the id unique per admission: a re-admitted job dispatches again. */
  async requestDispatch(jobId: string, attemptNumber: number): Promise<void> {
    await this.produce(() =>
      this.dispatchQueue.add(
        'dispatch',
        { jobId },
        { jobId: `dispatch-${jobId}-${attemptNumber}` },
      ),
    );
  }

  async startWorkers(
    handlers: TrainingHandlers,
    tickEveryMs: number,
  ): Promise<void> {
    const { redis, logger, prefix = 'ml' } = this.options;
    const worker = (
      name: string,
      concurrency: number,
      process: (job: Job) => Promise<void>,
    ) => {
      const w = new Worker(name, process, {
        connection: redis.createClient('worker'),
        prefix,
        concurrency,
      });
      w.on('error', error => logger.error(`${name} worker error`, error));
      this.workers.push(w);
      return w;
    };
    worker('training-admission', 1, () => handlers.admission());
    const dispatch = worker('training-dispatch', 4, job =>
      handlers.dispatch(job.data.jobId),
    );
    dispatch.on('failed', (job, error) => {
      if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) {
        handlers
          .dispatchFailed(job.data.jobId, error)
          .catch(e => logger.error('dispatch failure not recorded', e));
      }
    });
    worker('training-tick', 1, () => handlers.tick());
    // Never block start-up on Redis: schedule the tick when Redis answers, retrying.
    const schedule = () => {
      this.tickQueue
        .upsertJobScheduler(
          'training-tick',
          { every: tickEveryMs },
          { name: 'tick' },
        )
        .catch(error => {
          logger.warn(
            `Could not schedule the training tick, retrying in 5 s: ${error.message}`,
          );
          this.retryTimer = setTimeout(schedule, 5000);
          this.retryTimer.unref();
        });
    };
    schedule();
  }

  async close(): Promise<void> {
    clearTimeout(this.retryTimer);
    // Workers finish their current job; without Redis there is nothing to finish and
    // close() would wait for a connection forever, so force it and bound every step.
    const force = this.producer.status !== 'ready';
    const bounded = (p: Promise<unknown>) =>
      Promise.race([
        p,
        new Promise(resolve => setTimeout(resolve, 2000).unref()),
      ]);
    await Promise.allSettled(this.workers.map(w => bounded(w.close(force))));
    await Promise.allSettled(
      [this.admissionQueue, this.dispatchQueue, this.tickQueue].map(q =>
        bounded(q.close()),
      ),
    );
  }

  private async produce(add: () => Promise<unknown>) {
    try {
      await waitForReady(this.producer, 1000);
      await add();
    } catch (error) {
      throw new ServiceUnavailableError(
        `The job queue is unavailable: ${(error as Error).message}`,
      );
    }
  }
}
