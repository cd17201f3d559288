import { LoggerService } from '@backstage/backend-plugin-api';
import { Queue, Worker } from 'bullmq';
import { RedisConnection } from '../../redis/RedisConnection';
import { boundedWait } from '../../redis/RepeatingJob';

/** The payload of an interval's job: ids only, the worker reads the rest. @internal */
export type EndpointIntervalJob = { endpointId: string; intervalStart: number };

/** @internal */
export type EndpointIntervalJobsOptions = {
  /** The queue, e.g. `metric-scrapes`. */
  queueName: string;
  /** The jobs' name and the start of their ids, e.g. `scrape`. */
  jobName: string;
  redis: RedisConnection;
  logger: LoggerService;
  intervalMs: number;
  prefix?: string;
  /** How many endpoints one replica works on at once. */
  concurrency?: number;
  /** The endpoints that get a job in an interval. */
  endpointIds(): Promise<string[]>;
  run(endpointId: string, intervalStart: number): Promise<void>;
  /** Runs after each interval's jobs are added (housekeeping); its failure is logged. */
  afterSchedule?(now: number): Promise<unknown>;
};

/**
 * One BullMQ job per endpoint per interval, shared by every replica: each replica, at
 * each interval's start, adds the interval's jobs with the id `<jobName>-<endpoint>-
 * <interval start>`, so the replicas' adds and any retry of an add make one job; workers
 * on all replicas share the jobs. Completed jobs are kept for an hour so a replica adding
 * late still finds the id taken. The work must tolerate running twice anyway.
 *
 * @internal
 */
export class EndpointIntervalJobs {
  readonly queue: Queue<EndpointIntervalJob>;
  private worker?: Worker<EndpointIntervalJob>;
  private timer?: NodeJS.Timeout;

  constructor(private readonly options: EndpointIntervalJobsOptions) {
    this.queue = new Queue<EndpointIntervalJob>(options.queueName, {
      connection: options.redis.createClient('producer'),
      prefix: options.prefix ?? 'ml',
      defaultJobOptions: {
        attempts: 3,
        backoff: { type: 'exponential', delay: 5000 },
        // Long enough for every replica's add of an interval to find the id taken.
        removeOnComplete: { age: 3600, count: 100_000 },
        removeOnFail: { age: 7 * 24 * 3600, count: 5000 },
      },
    });
    this.queue.on('error', error =>
      options.logger.debug(`${options.queueName} queue: ${error.message}`),
    );
  }

  /** The start of the interval `now` falls in. */
  intervalStart(now: number): number {
    return now - (now % this.options.intervalMs);
  }

  /** Adds the jobs of the interval `now` falls in; replicas adding the same interval add nothing. */
  async schedule(now: number): Promise<void> {
    const { jobName } = this.options;
    const intervalStart = this.intervalStart(now);
    const endpointIds = await this.options.endpointIds();
    if (endpointIds.length === 0) return;
    await this.queue.addBulk(
      endpointIds.map(endpointId => ({
        name: jobName,
        data: { endpointId, intervalStart },
        opts: { jobId: `${jobName}-${endpointId}-${intervalStart}` },
      })),
    );
  }

  /** Starts this replica's worker, which runs the jobs any replica added. */
  startWorker(): void {
    const { queueName, redis, logger, prefix = 'ml' } = this.options;
    this.worker = new Worker<EndpointIntervalJob>(
      queueName,
      job => this.options.run(job.data.endpointId, job.data.intervalStart),
      {
        connection: redis.createClient('worker'),
        prefix,
        concurrency: this.options.concurrency ?? 4,
      },
    );
    this.worker.on('error', error =>
      logger.error(`${queueName} worker error`, error),
    );
  }

  /** Starts the worker, and a timer adding each interval's jobs at its start. */
  start(): void {
    const { logger, queueName, intervalMs } = this.options;
    this.startWorker();
    const tick = () => {
      const now = Date.now();
      this.schedule(now)
        .then(() => this.options.afterSchedule?.(now))
        .catch(error =>
          logger.warn(`Could not schedule ${queueName}: ${error.message}`),
        );
      // At the next interval's start, wherever this one's timer drifted to.
      this.timer = setTimeout(tick, intervalMs - (now % intervalMs));
      this.timer.unref();
    };
    tick();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    await Promise.allSettled([
      boundedWait(this.worker?.close()),
      boundedWait(this.queue.close()),
    ]);
  }
}
