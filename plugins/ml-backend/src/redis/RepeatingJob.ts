import { LoggerService } from '@backstage/backend-plugin-api';
import { Queue, Worker } from 'bullmq';
import { RedisConnection } from './RedisConnection';

/**
 * A BullMQ job that runs every `everyMs` on one worker at a time across all replicas: a
 * queue with a job scheduler and a worker of concurrency 1. The scheduler lives in
 * Redis, so a flush or a failover loses it: it is upserted again and again (idempotent),
 * never blocking start-up on Redis. The work itself must be idempotent: its truth is in
 * the database.
 *
 * @internal
 */
export class RepeatingJob {
  private readonly queue: Queue;
  private worker?: Worker;
  private scheduleTimer?: NodeJS.Timeout;

  constructor(
    private readonly options: {
      redis: RedisConnection;
      logger: LoggerService;
      prefix?: string;
      /** Queue and scheduler name, e.g. `training-tick`. */
      name: string;
      everyMs: number;
      run: () => Promise<void>;
    },
  ) {
    this.queue = new Queue(options.name, {
      connection: options.redis.createClient('producer'),
      prefix: options.prefix ?? 'ml',
      defaultJobOptions: {
        removeOnComplete: { count: 100 },
        removeOnFail: { count: 1000 },
      },
    });
    this.queue.on('error', error =>
      options.logger.debug(`${options.name} queue: ${error.message}`),
    );
  }

  start(): void {
    const { redis, logger, prefix = 'ml', name, everyMs } = this.options;
    this.worker = new Worker(name, () => this.options.run(), {
      connection: redis.createClient('worker'),
      prefix,
      concurrency: 1,
    });
    this.worker.on('error', error =>
      logger.error(`${name} worker error`, error),
    );
    let unscheduled = false;
    const schedule = () =>
      this.queue.upsertJobScheduler(name, { every: everyMs }, { name }).then(
        () => {
          unscheduled = false;
        },
        error => {
          if (!unscheduled)
            logger.warn(
              `Could not schedule ${name}, retrying: ${error.message}`,
            );
          unscheduled = true;
        },
      );
    void schedule();
    this.scheduleTimer = setInterval(schedule, Math.max(everyMs * 5, 1000));
    this.scheduleTimer.unref();
  }

  /** Stops the worker after its current run; `force` when Redis is gone. */
  async close(force: boolean): Promise<void> {
    clearInterval(this.scheduleTimer);
    await Promise.allSettled([
      boundedWait(this.worker?.close(force)),
      boundedWait(this.queue.close()),
    ]);
  }
}

/** Without Redis, BullMQ's close() would wait for a connection forever. @internal */
export function boundedWait(p: Promise<unknown> | undefined): Promise<unknown> {
  return Promise.race([
    p,
    new Promise(resolve => setTimeout(resolve, 2000).unref()),
  ]);
}
