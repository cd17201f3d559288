import { Histogram } from 'hdr-histogram-js';
import { ServingMinute } from './DeploymentStore';
import { encodeLatencies, newLatencyHistogram } from '../shared/latency';

type Bucket = Omit<ServingMinute, 'latency'> & { latency: Histogram };

/**
 * The serving router's counts, kept in memory per deployment and minute and added to
 * the database every `flushMs` (and on `flush()`): recording a request costs a map
 * lookup and a histogram increment, never a query. A flush that fails keeps its counts
 * for the next one.
 *
 * @internal
 */
export class ServingMeter {
  private buckets = new Map<string, Bucket>();
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly options: {
      write: (minutes: ServingMinute[]) => Promise<void>;
      flushMs: number;
      onError: (error: Error) => void;
      now?: () => number;
    },
  ) {}

  start() {
    this.timer = setInterval(() => {
      this.flush().catch(this.options.onError);
    }, this.options.flushMs);
    this.timer.unref();
  }

  record(
    endpointId: string,
    deploymentId: string,
    request: {
      latencyMicros: number;
      status: number;
      bytesIn: number;
      coldStartMs?: number;
    },
  ) {
    const bucket = this.bucket(endpointId, deploymentId);
    bucket.requests += 1;
    if (request.status >= 500) bucket.errors += 1;
    else if (request.status >= 400) bucket.clientErrors += 1;
    bucket.bytesIn += request.bytesIn;
    if (request.coldStartMs !== undefined) {
      bucket.coldStarts += 1;
      bucket.coldStartMs += Math.round(request.coldStartMs);
    }
    bucket.latency.recordValue(Math.max(1, Math.round(request.latencyMicros)));
  }

  /** Writes what was counted so far; flushes run one at a time. */
  flush(): Promise<void> {
    this.flushing = this.flushing
      .catch(() => undefined)
      .then(() => this.writeBuckets());
    return this.flushing;
  }

  async close() {
    clearInterval(this.timer);
    await this.flush();
  }

  private async writeBuckets() {
    if (this.buckets.size === 0) return;
    const taken = this.buckets;
    this.buckets = new Map();
    const minutes = [...taken.values()].map(b => ({
      ...b,
      latency: encodeLatencies(b.latency),
    }));
    try {
      await this.options.write(minutes);
      for (const b of taken.values()) b.latency.destroy();
    } catch (error) {
      // Put the counts back, merged with what came meanwhile.
      for (const [key, b] of taken) {
        const current = this.buckets.get(key);
        if (!current) {
          this.buckets.set(key, b);
          continue;
        }
        current.requests += b.requests;
        current.errors += b.errors;
        current.clientErrors += b.clientErrors;
        current.bytesIn += b.bytesIn;
        current.coldStarts += b.coldStarts;
        current.coldStartMs += b.coldStartMs;
        current.latency.add(b.latency);
        b.latency.destroy();
      }
      throw error;
    }
  }

  private bucket(endpointId: string, deploymentId: string): Bucket {
    const minute = Math.floor((this.options.now ?? Date.now)() / 60_000);
    const key = `${deploymentId}/${minute}`;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = {
        endpointId,
        deploymentId,
        minute,
        requests: 0,
        errors: 0,
        clientErrors: 0,
        bytesIn: 0,
        coldStarts: 0,
        coldStartMs: 0,
        latency: newLatencyHistogram(),
      };
      this.buckets.set(key, bucket);
    }
    return bucket;
  }
}
