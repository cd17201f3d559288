import { LoggerService } from '@backstage/backend-plugin-api';
import { ServiceUnavailableError } from '@backstage/errors';
import { Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { RedisConnection, waitForReady } from '../redis/RedisConnection';
import { boundedWait, RepeatingJob } from '../redis/RepeatingJob';

/** What the workers do; the queues carry ids only, the rows hold the truth. @internal */
export type TrainingHandlers = {
  admission: () => Promise<void>;
  dispatch: (jobId: string) => Promise<void>;
  /** Final failure of a dispatch after all retries. */
  dispatchFailed: (jobId: string, error: Error) => Promise<void>;
  /** Polls running attempts, re-queues what Redis lost, runs admission. */
  tick: () => Promise<void>;
};

const dispatchId = (jobId: string, attemptNumber: number) =>
  `dispatch-${jobId}-${attemptNumber}`;

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
  private readonly workers: Worker[] = [];
  private tick?: RepeatingJob;
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
        { jobId: dispatchId(jobId, attemptNumber) },
      ),
    );
  }

  /**
   * The reconciler's side of dispatch, for a row that says a dispatch is due: queues it
   * again when Redis lost it (flush, failover), and retries it when it failed without
   * the failure being recorded (a worker died, or it stalled too often). For a row still
   * `ADMITTED` (`notStarted`), a completed dispatch ran too early to start anything (it
   * was queued while the previous attempt was being dispatched, under the next
   * attempt's id): it runs again, or the job would wait forever.
   */
  async ensureDispatchQueued(
    jobId: string,
    attemptNumber: number,
    notStarted = false,
  ): Promise<void> {
    await this.produce(async () => {
      const job = await this.dispatchQueue.getJob(
        dispatchId(jobId, attemptNumber),
      );
      if (!job) await this.requestDispatch(jobId, attemptNumber);
      else if (await job.isFailed()) await job.retry('failed');
      else if (notStarted && (await job.isCompleted())) {
        await job.retry('completed');
      }
    });
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
    this.tick = new RepeatingJob({
      redis,
      logger,
      prefix,
      name: 'training-tick',
      everyMs: tickEveryMs,
      run: () => handlers.tick(),
    });
    this.tick.start();
  }

  async close(): Promise<void> {
    // Workers finish their current job; without Redis there is nothing to finish.
    const force = this.producer.status !== 'ready';
    await Promise.allSettled([
      ...this.workers.map(w => boundedWait(w.close(force))),
      this.tick?.close(force),
    ]);
    await Promise.allSettled(
      [this.admissionQueue, this.dispatchQueue].map(q =>
        boundedWait(q.close()),
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
