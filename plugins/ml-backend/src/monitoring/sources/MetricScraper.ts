import { LoggerService } from '@backstage/backend-plugin-api';
import {
  PrometheusConvention,
  ServingMetricsSource,
  ServingTarget,
} from '@ml-portal/plugin-ml-node';
import {
  DeploymentStore,
  ServingMinute,
  StoredDeployment,
  StoredEndpoint,
} from '../../deployments/DeploymentStore';
import { DEFAULT_CONVENTIONS } from './conventions';
import { counterDeltas, percentileLatencies, scrapedCounts } from './deltas';
import {
  Counters,
  describeUrl,
  fetchExposition,
  parseCounterKey,
  readCounters,
} from './prometheus';
import { ScrapeBaselines } from './ScrapeBaselines';

/** What the scraper reads of the deployments domain. @internal */
export type ScrapedDeployments = Pick<
  DeploymentStore,
  'listEndpoints' | 'getEndpointById' | 'liveDeployments' | 'putServingMinutes'
>;

/** @internal */
export type MetricScraperOptions = {
  store: ScrapedDeployments;
  /** Serving targets by id. */
  targets: ReadonlyMap<string, ServingTarget>;
  baselines: ScrapeBaselines;
  logger: LoggerService;
  /** A whole number of minutes: each interval's counts replace whole minutes. */
  intervalMs: number;
  /** Per metrics URL; 10 s and 5 MB when absent. */
  timeoutMs?: number;
  maxBytes?: number;
  /**
   * Minutes before an interval that per-minute sources read again: CloudWatch publishes a
   * minute a few minutes late, and reading it again replaces what was written early.
   */
  lookbackMinutes?: number;
};

const ZERO = { bytesIn: 0, coldStarts: 0, coldStartMs: 0 };

/**
 * Reads the numbers of endpoints the portal's router does not see (their targets serve
 * them and offer `metricsSource`) into the serving minutes, whole minutes replaced, so a
 * scrape repeated for the same interval counts once.
 *
 * - Prometheus: counters are cumulative. Each interval's counters are kept
 *   ({@link ScrapeBaselines}); the interval's scrape writes its growth since the previous
 *   interval's into the minute the interval before it started (the one that just ended).
 *   The first scrape of a deployment only sets the baseline. A retry of an interval reads
 *   against the same baseline and replaces its minute; a late job for an interval older
 *   than the last one scraped writes nothing.
 * - Per-minute sources (CloudWatch): the interval's minutes and `lookbackMinutes` before
 *   them are read and replaced.
 *
 * @internal
 */
export class MetricScraper {
  private readonly options: Required<MetricScraperOptions>;

  constructor(options: MetricScraperOptions) {
    if (options.intervalMs % 60_000 !== 0 || options.intervalMs <= 0) {
      throw new Error(
        `The scrape interval must be a whole number of minutes, got ${options.intervalMs} ms`,
      );
    }
    this.options = {
      timeoutMs: 10_000,
      maxBytes: 5 * 1024 * 1024,
      lookbackMinutes: 5,
      ...options,
    };
  }

  /** The target of an endpoint when its numbers are scraped: routed ones are metered by the router. */
  private scrapedTarget(endpoint: StoredEndpoint): ServingTarget | undefined {
    if (endpoint.kind === 'batch') return undefined;
    const target = this.options.targets.get(endpoint.target);
    return target?.metricsSource && !target.route ? target : undefined;
  }

  /** The endpoints to scrape in an interval. */
  async endpointIds(): Promise<string[]> {
    const endpoints = await this.options.store.listEndpoints({});
    return endpoints.filter(e => this.scrapedTarget(e)).map(e => e.id);
  }

  /**
   * Scrapes the live deployments of one endpoint for the interval starting at
   * `intervalStart` (epoch ms, a multiple of the interval). A source that fails is
   * logged and skipped: its counters carry over, so the next interval counts what this
   * one missed.
   */
  async scrape(endpointId: string, intervalStart: number): Promise<void> {
    const { store, logger } = this.options;
    const endpoint = await store.getEndpointById(endpointId);
    const target = endpoint && this.scrapedTarget(endpoint);
    if (!endpoint || !target) return;
    const deployments = await store.liveDeployments([endpoint.id]);
    const minutes: ServingMinute[] = [];
    for (const deployment of deployments) {
      try {
        const source = await target.metricsSource!(
          endpoint.name,
          deployment.name,
        );
        if (!source) continue;
        minutes.push(
          ...(await this.read(source, endpoint, deployment, intervalStart)),
        );
      } catch (error) {
        logger.warn(
          `Could not read the metrics of ${endpoint.name} version ${
            deployment.version
          }: ${(error as Error).message}`,
        );
      }
    }
    if (minutes.length > 0) await store.putServingMinutes(minutes);
  }

  private read(
    source: ServingMetricsSource,
    endpoint: StoredEndpoint,
    deployment: StoredDeployment,
    intervalStart: number,
  ): Promise<ServingMinute[]> {
    return source.kind === 'prometheus'
      ? this.readPrometheus(source, endpoint, deployment, intervalStart)
      : this.readMinutes(source, deployment, intervalStart);
  }

  private async readMinutes(
    source: Extract<ServingMetricsSource, { kind: 'minutes' }>,
    deployment: StoredDeployment,
    intervalStart: number,
  ): Promise<ServingMinute[]> {
    const toMinute = Math.floor(intervalStart / 60_000);
    const fromMinute =
      toMinute -
      this.options.intervalMs / 60_000 -
      this.options.lookbackMinutes;
    const reported = await source.read({ fromMinute, toMinute });
    return reported
      .filter(m => m.minute >= fromMinute && m.minute < toMinute)
      .map(m => ({
        endpointId: deployment.endpointId,
        deploymentId: deployment.id,
        minute: m.minute,
        requests: nonNegative(m.requests),
        errors: nonNegative(m.errors),
        clientErrors: nonNegative(m.clientErrors),
        latency: percentileLatencies(m),
        ...ZERO,
        gpuUtilization: m.gpuUtilizationPercent,
      }));
  }

  private async readPrometheus(
    source: Extract<ServingMetricsSource, { kind: 'prometheus' }>,
    endpoint: StoredEndpoint,
    deployment: StoredDeployment,
    intervalStart: number,
  ): Promise<ServingMinute[]> {
    const { baselines, logger } = this.options;
    const baseline = await baselines.before(deployment.id, intervalStart);
    if (baseline.superseded) return [];
    const conventions = source.conventions ?? DEFAULT_CONVENTIONS;

    const current: Counters = {};
    const gpuUtilizations: number[] = [];
    const failed = new Set<string>();
    let convention: PrometheusConvention | undefined;
    await Promise.all(
      source.urls.map(async url => {
        try {
          const text = await fetchExposition(url, this.options);
          const read = readCounters(text, url, conventions);
          if (!read) {
            throw new Error(
              `no request counter of ${conventions
                .map(c => c.name)
                .join(', ')}`,
            );
          }
          convention ??= conventions.find(c => c.name === read.convention);
          Object.assign(current, read.counters);
          if (read.gpuUtilization !== undefined) {
            gpuUtilizations.push(read.gpuUtilization);
          }
        } catch (error) {
          failed.add(url);
          logger.warn(
            `Could not scrape ${describeUrl(url)} (${endpoint.name} version ${
              deployment.version
            }): ${(error as Error).message}`,
          );
        }
      }),
    );
    // A replica that did not answer keeps its counters: its growth lands next time.
    for (const [key, value] of Object.entries(baseline.counters ?? {})) {
      if (failed.has(parseCounterKey(key).url)) current[key] ??= value;
    }
    if (failed.size === source.urls.length && source.urls.length > 0) {
      throw new Error('no replica answered');
    }
    await baselines.save(deployment.id, intervalStart, current, baseline.from);
    if (!baseline.counters || !convention) return [];

    const counts = scrapedCounts(counterDeltas(baseline.counters, current), {
      buckets: convention.latencyBuckets?.unitMicros,
      total: convention.latencyTotal?.unitMicros,
    });
    return [
      {
        endpointId: deployment.endpointId,
        deploymentId: deployment.id,
        minute: Math.floor((intervalStart - this.options.intervalMs) / 60_000),
        ...counts,
        ...ZERO,
        gpuUtilization: gpuUtilizations.length
          ? gpuUtilizations.reduce((a, b) => a + b, 0) / gpuUtilizations.length
          : undefined,
      },
    ];
  }
}

function nonNegative(value: number): number {
  return Number.isFinite(value) && value > 0 ? Math.round(value) : 0;
}
