import { DriftSample } from './MonitoringStore';
import { Columns, sampleColumns } from './scoringRows';

/** What the sampler needs to know of an endpoint whose drift is watched. @internal */
export type SamplingSettings = { sampleRate: number; windowMinutes: number };

type Row = Record<string, number | string | null>;
type Reservoir = {
  endpointId: string;
  deploymentId: string;
  windowStart: number;
  windowEnd: number;
  rows: Row[];
  /** Rows offered so far: each is kept with probability capacity / seen. */
  seen: number;
};

/**
 * Live data for drift: samples the requests the serving router forwards and their
 * responses into a fixed-size reservoir per deployment and window (algorithm R over rows,
 * so a window's sample is uniform however busy it was), and writes each window once it
 * ended. Only `sampleRate` of requests are parsed at all; bodies are never kept, only the
 * rows of the window's sample, and the drift job deletes those once it judged them.
 *
 * @internal
 */
export class RequestSampler {
  private settings = new Map<string, SamplingSettings>();
  private readonly reservoirs = new Map<string, Reservoir>();

  constructor(
    private readonly options: {
      /** Rows kept per deployment and window (per backend replica). */
      capacity: number;
      write: (samples: DriftSample[]) => Promise<void>;
      random?: () => number;
    },
  ) {}

  /** The endpoints to sample and how; others are not sampled. */
  setSettings(settings: Map<string, SamplingSettings>) {
    this.settings = settings;
  }

  /** Whether to capture this request's bodies: a coin flip at the endpoint's rate. */
  wants(endpointId: string): boolean {
    const settings = this.settings.get(endpointId);
    return Boolean(settings && this.random() < settings.sampleRate);
  }

  /** Adds a request's rows (and their predictions) to its window's sample. */
  offer(
    endpointId: string,
    deploymentId: string,
    bodies: { request: unknown; response: unknown },
    at = Date.now(),
  ): number {
    const settings = this.settings.get(endpointId);
    if (!settings) return 0;
    const sample = sampleColumns(
      bodies.request,
      bodies.response,
      this.options.capacity,
    );
    if (!sample) return 0;
    const windowMs = settings.windowMinutes * 60_000;
    const windowStart = Math.floor(at / windowMs) * windowMs;
    const key = `${deploymentId}/${windowStart}`;
    let reservoir = this.reservoirs.get(key);
    if (!reservoir) {
      reservoir = {
        endpointId,
        deploymentId,
        windowStart,
        windowEnd: windowStart + windowMs,
        rows: [],
        seen: 0,
      };
      this.reservoirs.set(key, reservoir);
    }
    const { capacity } = this.options;
    const names = Object.keys(sample.columns);
    for (let i = 0; i < sample.rows; i++) {
      reservoir.seen++;
      const slot =
        reservoir.rows.length < capacity
          ? reservoir.rows.length
          : Math.floor(this.random() * reservoir.seen);
      if (slot < capacity) {
        reservoir.rows[slot] = Object.fromEntries(
          names.map(name => [name, sample.columns[name][i] ?? null]),
        );
      }
    }
    return sample.rows;
  }

  /** Writes the windows that ended by `now` (all of them with `everything`). */
  async flush(now = Date.now(), everything = false): Promise<void> {
    const done = [...this.reservoirs.entries()].filter(
      ([, r]) => everything || r.windowEnd <= now,
    );
    if (done.length === 0) return;
    for (const [key] of done) this.reservoirs.delete(key);
    await this.options.write(
      done
        .filter(([, r]) => r.rows.length > 0)
        .map(([, r]) => ({
          endpointId: r.endpointId,
          deploymentId: r.deploymentId,
          windowStart: r.windowStart,
          rows: r.rows.length,
          columns: toColumns(r.rows),
        })),
    );
  }

  private random() {
    return (this.options.random ?? Math.random)();
  }
}

function toColumns(rows: Row[]): Columns {
  const names = new Set(rows.flatMap(row => Object.keys(row)));
  const columns: Columns = {};
  for (const name of names) columns[name] = rows.map(row => row[name] ?? null);
  return columns;
}
