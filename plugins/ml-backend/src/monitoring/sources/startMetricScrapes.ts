import { LoggerService } from '@backstage/backend-plugin-api';
import { ServingTarget } from '@ml-portal/plugin-ml-node';
import { Queue, Worker } from 'bullmq';
import { Knex } from 'knex';
import { RedisConnection } from '../../redis/RedisConnection';
import { boundedWait } from '../../redis/RepeatingJob';
import { MetricScraper, ScrapedDeployments } from './MetricScraper';
import { ScrapeBaselines } from './ScrapeBaselines';

/** The payload of a scrape job: ids only, the worker reads the rest. @internal */
export type ScrapeJob = { endpointId: string; intervalStart: number };

/** @internal */
export const SCRAPE_QUEUE = 'metric-scrapes';

/** Baselines not written for this long belong to deployments no longer scraped. */
const BASELINE_TTL_MS = 24 * 3600_000;

/** @internal */
export type MetricScrapesOptions = {
  store: ScrapedDeployments;
  knex: Knex;
  targets: ReadonlyMap<string, ServingTarget>;
  redis: RedisConnection;
  logger: LoggerService;
  /** A whole number of minutes, in seconds. */
  intervalSeconds: number;
  prefix?: string;
  /** How many endpoints one replica scrapes at once. */
  concurrency?: number;
};

/**
 * The scrapes of remote endpoints' metrics on BullMQ: every replica, at each interval's
 * start, adds one job per scraped endpoint with the id `scrape-<endpoint>-<interval
 * start>`, so the replicas' adds and any retry of an add make one job; workers on all
 * replicas share the jobs. Completed jobs are kept for an hour so a replica adding late
 * still finds the id taken; a job that runs twice anyway writes the same minutes
 * (see {@link MetricScraper}).
 *
 * @internal
 */
export class MetricScrapes {
  readonly queue: Queue<ScrapeJob>;
  readonly scraper: MetricScraper;
  private readonly baselines: ScrapeBaselines;
  private readonly intervalMs: number;
  private worker?: Worker<ScrapeJob>;
  private timer?: NodeJS.Timeout;

  constructor(private readonly options: MetricScrapesOptions) {
    this.intervalMs = options.intervalSeconds * 1000;
    this.baselines = new ScrapeBaselines(options.knex);
    this.scraper = new MetricScraper({
      store: options.store,
      targets: options.targets,
      baselines: this.baselines,
      logger: options.logger,
      intervalMs: this.intervalMs,
    });
    this.queue = new Queue<ScrapeJob>(SCRAPE_QUEUE, {
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
      options.logger.debug(`${SCRAPE_QUEUE} queue: ${error.message}`),
    );
  }

  /** The start of the interval `now` falls in. */
  intervalStart(now: number): number {
    return now - (now % this.intervalMs);
  }

  /** Adds the jobs of the interval `now` falls in; replicas adding the same interval add nothing. */
  async schedule(now: number): Promise<void> {
    const intervalStart = this.intervalStart(now);
    const endpointIds = await this.scraper.endpointIds();
    if (endpointIds.length === 0) return;
    await this.queue.addBulk(
      endpointIds.map(endpointId => ({
        name: 'scrape',
        data: { endpointId, intervalStart },
        opts: { jobId: `scrape-${endpointId}-${intervalStart}` },
      })),
    );
  }

  /** Starts this replica's worker, which runs the jobs any replica added. */
  startWorker(): void {
    const { redis, logger, prefix = 'ml', concurrency = 4 } = this.options;
    this.worker = new Worker<ScrapeJob>(
      SCRAPE_QUEUE,
      job => this.scraper.scrape(job.data.endpointId, job.data.intervalStart),
      { connection: redis.createClient('worker'), prefix, concurrency },
    );
    this.worker.on('error', error =>
      logger.error(`${SCRAPE_QUEUE} worker error`, error),
    );
  }

  /** Starts the worker, and a timer adding each interval's jobs at its start. */
  start(): void {
    const { logger } = this.options;
    this.startWorker();
    const tick = () => {
      const now = Date.now();
      this.schedule(now)
        .then(() => this.baselines.prune(now - BASELINE_TTL_MS))
        .catch(error =>
          logger.warn(`Could not schedule metric scrapes: ${error.message}`),
        );
      // At the next interval's start, wherever this one's timer drifted to.
      this.timer = setTimeout(tick, this.intervalMs - (now % this.intervalMs));
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

/**
 * Scrapes the metrics of endpoints served by remote targets (Prometheus expositions of
 * their model servers, CloudWatch for SageMaker) into the serving minutes, every
 * `intervalSeconds` (a whole number of minutes), on a BullMQ queue of its own.
 *
 * @internal
 */
export function startMetricScrapes(options: MetricScrapesOptions): {
  stop(): Promise<void>;
} {
  const scrapes = new MetricScrapes(options);
  scrapes.start();
  return { stop: () => scrapes.stop() };
}
