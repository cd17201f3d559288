import { LoggerService } from '@backstage/backend-plugin-api';
import { ServingTarget } from '@ml-portal/plugin-ml-node';
import { Knex } from 'knex';
import { RedisConnection } from '../../redis/RedisConnection';
import { EndpointIntervalJobs } from './EndpointIntervalJobs';
import { MetricScraper, ScrapedDeployments } from './MetricScraper';
import { ScrapeBaselines } from './ScrapeBaselines';

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
 * The scrapes of remote endpoints' metrics on BullMQ: one job per scraped endpoint per
 * interval, `scrape-<endpoint>-<interval start>`, however many replicas add it (see
 * {@link EndpointIntervalJobs}); a job that runs twice anyway writes the same minutes
 * (see {@link MetricScraper}).
 *
 * @internal
 */
export class MetricScrapes {
  readonly scraper: MetricScraper;
  private readonly jobs: EndpointIntervalJobs;

  constructor(options: MetricScrapesOptions) {
    const intervalMs = options.intervalSeconds * 1000;
    const baselines = new ScrapeBaselines(options.knex);
    this.scraper = new MetricScraper({
      store: options.store,
      targets: options.targets,
      baselines,
      logger: options.logger,
      intervalMs,
    });
    this.jobs = new EndpointIntervalJobs({
      queueName: SCRAPE_QUEUE,
      jobName: 'scrape',
      redis: options.redis,
      logger: options.logger,
      intervalMs,
      prefix: options.prefix,
      concurrency: options.concurrency,
      endpointIds: () => this.scraper.endpointIds(),
      run: (endpointId, intervalStart) =>
        this.scraper.scrape(endpointId, intervalStart),
      afterSchedule: now => baselines.prune(now - BASELINE_TTL_MS),
    });
  }

  get queue() {
    return this.jobs.queue;
  }

  /** The start of the interval `now` falls in. */
  intervalStart(now: number): number {
    return this.jobs.intervalStart(now);
  }

  /** Adds the jobs of the interval `now` falls in; replicas adding the same interval add nothing. */
  schedule(now: number): Promise<void> {
    return this.jobs.schedule(now);
  }

  /** Starts this replica's worker, which runs the jobs any replica added. */
  startWorker(): void {
    this.jobs.startWorker();
  }

  /** Starts the worker, and a timer adding each interval's jobs at its start. */
  start(): void {
    this.jobs.start();
  }

  stop(): Promise<void> {
    return this.jobs.stop();
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
