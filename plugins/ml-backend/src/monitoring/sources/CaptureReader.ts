import { LoggerService } from '@backstage/backend-plugin-api';
import { MonitoringSettings } from '@ml-portal/plugin-ml-common';
import { ServingCaptureSource, ServingTarget } from '@ml-portal/plugin-ml-node';
import {
  DeploymentStore,
  StoredDeployment,
  StoredEndpoint,
} from '../../deployments/DeploymentStore';
import { MonitoringStore } from '../MonitoringStore';
import { RequestSampler } from '../RequestSampler';
import { CaptureCursors } from './CaptureCursors';

/** What the capture reader reads of the deployments domain. @internal */
export type CapturedDeployments = Pick<
  DeploymentStore,
  'listEndpoints' | 'getEndpointById' | 'liveDeployments'
>;

/** @internal */
export type CaptureReaderOptions = {
  endpoints: CapturedDeployments;
  /** Serving targets by id. */
  targets: ReadonlyMap<string, ServingTarget>;
  samples: Pick<MonitoringStore, 'addDriftSamples' | 'driftSamples'>;
  /** What an endpoint is monitored with (its own settings or the defaults). */
  settings(endpointId: string): Promise<MonitoringSettings>;
  cursors: CaptureCursors;
  logger: LoggerService;
  /** Rows kept per deployment and drift window, as the router's sampler keeps. */
  capacity: number;
  /** How often each endpoint is read: a window's rows are shared among its passes. */
  intervalMs: number;
  /** Per deployment and pass; 100 files and 16 MiB when absent. */
  maxFiles?: number;
  maxBytes?: number;
  random?: () => number;
};

/**
 * Live data for drift from the requests a platform captured (SageMaker's data capture
 * files), for endpoints the portal's router does not see: their targets offer
 * `captureSource`. Each pass reads a deployment's captures after its cursor, bounded in
 * files and bytes, and adds their rows to the drift window the pass runs in.
 *
 * Rows go to the window they are read in, as posted samples do, not the one they were
 * served in: the monitoring tick judges a window as soon as it ends, and captures arrive
 * minutes late, so rows of an ended window would have it judged again on them alone. A
 * deployment's first read starts at the current window's start.
 *
 * A window keeps at most `capacity` rows: each pass samples its rows uniformly (a
 * reservoir) down to its share of what the window still has room for, shared evenly among
 * the window's passes to come, so a busy start does not crowd out the rest of the window.
 *
 * The cursor moves before the rows are written: a pass that fails in between loses its
 * rows rather than writing them twice, and of two passes reading from the same cursor
 * (a retried job and the next interval's) only the first to move it writes.
 *
 * @internal
 */
export class CaptureReader {
  private readonly options: Required<Omit<CaptureReaderOptions, 'random'>> &
    Pick<CaptureReaderOptions, 'random'>;

  constructor(options: CaptureReaderOptions) {
    this.options = { maxFiles: 100, maxBytes: 16 * 1024 * 1024, ...options };
  }

  /** The target of an endpoint when its captures are read: the router samples routed ones. */
  private capturedTarget(endpoint: StoredEndpoint): ServingTarget | undefined {
    if (endpoint.kind === 'batch') return undefined;
    const target = this.options.targets.get(endpoint.target);
    return target?.captureSource && !target.route ? target : undefined;
  }

  /** The endpoints whose captures are read in an interval. */
  async endpointIds(): Promise<string[]> {
    const endpoints = await this.options.endpoints.listEndpoints({});
    return endpoints.filter(e => this.capturedTarget(e)).map(e => e.id);
  }

  /**
   * Reads the captures of one endpoint's live deployments into drift samples. A
   * deployment whose source fails is logged and skipped: its cursor stays, so the next
   * pass reads what this one missed.
   */
  async read(endpointId: string, now = Date.now()): Promise<void> {
    const { endpoints, logger } = this.options;
    const endpoint = await endpoints.getEndpointById(endpointId);
    const target = endpoint && this.capturedTarget(endpoint);
    if (!endpoint || !target) return;
    const { drift } = await this.options.settings(endpoint.id);
    if (!drift.enabled) return;
    for (const deployment of await endpoints.liveDeployments([endpoint.id])) {
      try {
        const source = await target.captureSource!(
          endpoint.name,
          deployment.name,
        );
        if (source) {
          await this.readDeployment(source, deployment, drift, now);
        }
      } catch (error) {
        logger.warn(
          `Could not read the captured requests of ${endpoint.name} version ${
            deployment.version
          }: ${(error as Error).message}`,
        );
      }
    }
  }

  private async readDeployment(
    source: ServingCaptureSource,
    deployment: StoredDeployment,
    drift: MonitoringSettings['drift'],
    now: number,
  ): Promise<void> {
    const { cursors, samples, capacity, intervalMs, logger } = this.options;
    const windowMs = drift.windowMinutes * 60_000;
    const windowStart = Math.floor(now / windowMs) * windowMs;
    const from = await cursors.get(deployment.id);
    const read = await source.read({
      cursor: from,
      since: windowStart,
      maxFiles: this.options.maxFiles,
      maxBytes: this.options.maxBytes,
    });
    if (read.skipped > 0) {
      logger.info(
        `Skipped ${read.skipped} unreadable captured requests or files of ${source.description}`,
      );
    }
    if (!(await cursors.advance(deployment.id, from, read.cursor, now))) return;
    if (read.records.length === 0) return;

    const stored = (
      await samples.driftSamples(
        deployment.endpointId,
        deployment.id,
        windowStart,
      )
    ).reduce((rows, sample) => rows + sample.rows, 0);
    const passesLeft = Math.max(
      1,
      Math.ceil((windowStart + windowMs - now) / intervalMs),
    );
    const share = Math.ceil((capacity - stored) / passesLeft);
    if (share <= 0) return;
    const sampler = new RequestSampler({
      capacity: share,
      write: rows => samples.addDriftSamples(rows),
      random: this.options.random,
    });
    sampler.setSettings(
      new Map([
        [
          deployment.endpointId,
          { sampleRate: 1, windowMinutes: drift.windowMinutes },
        ],
      ]),
    );
    for (const { request, response } of read.records) {
      sampler.offer(
        deployment.endpointId,
        deployment.id,
        { request, response },
        now,
      );
    }
    await sampler.flush(now, true);
  }
}
