import { Knex } from 'knex';
import { RedisConnection } from '../../redis/RedisConnection';
import { CaptureCursors } from './CaptureCursors';
import { CaptureReader, CaptureReaderOptions } from './CaptureReader';
import { EndpointIntervalJobs } from './EndpointIntervalJobs';

/** @internal */
export const CAPTURE_QUEUE = 'capture-reads';

/** Cursors not moved for this long belong to deployments no longer served. */
const CURSOR_TTL_MS = 7 * 24 * 3600_000;

/** @internal */
export type CaptureReadsOptions = Omit<CaptureReaderOptions, 'cursors'> & {
  knex: Knex;
  redis: RedisConnection;
  prefix?: string;
  /** How many endpoints one replica reads at once. */
  concurrency?: number;
};

/**
 * The reads of remote endpoints' captured requests into drift samples on BullMQ: one job
 * per endpoint whose target offers `captureSource` per interval,
 * `capture-<endpoint>-<interval start>`, however many replicas add it (see
 * {@link EndpointIntervalJobs} and {@link CaptureReader}).
 *
 * @internal
 */
export class CaptureReads {
  readonly reader: CaptureReader;
  private readonly jobs: EndpointIntervalJobs;

  constructor(options: CaptureReadsOptions) {
    const { knex, redis, prefix, concurrency, ...readerOptions } = options;
    const cursors = new CaptureCursors(knex);
    this.reader = new CaptureReader({ ...readerOptions, cursors });
    this.jobs = new EndpointIntervalJobs({
      queueName: CAPTURE_QUEUE,
      jobName: 'capture',
      redis,
      logger: options.logger,
      intervalMs: options.intervalMs,
      prefix,
      concurrency,
      endpointIds: () => this.reader.endpointIds(),
      run: endpointId => this.reader.read(endpointId),
      afterSchedule: now => cursors.prune(now - CURSOR_TTL_MS),
    });
  }

  get queue() {
    return this.jobs.queue;
  }

  /** Adds the jobs of the interval `now` falls in. */
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
