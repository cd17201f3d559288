import { Redis } from 'ioredis';
import { Knex } from 'knex';
import {
  MlDependencyHealth,
  MlHealthResponse,
} from '@ml-portal/plugin-ml-common';
import { RedisConnection, waitForReady } from '../redis/RedisConnection';

const PROBE_TIMEOUT_MS = 2000;

/**
 * Probes the plugin's database and Redis for `GET /health`.
 *
 * @internal
 */
export class HealthService {
  private readonly redisClient: Redis;

  constructor(
    private readonly options: { knex: Knex; redis: RedisConnection },
  ) {
    this.redisClient = options.redis.createClient('producer');
  }

  async check(): Promise<MlHealthResponse> {
    const { knex, redis } = this.options;
    const [database, redisHealth] = await Promise.all([
      probe(() => knex.raw('select 1')),
      probe(async () => {
        await waitForReady(this.redisClient, PROBE_TIMEOUT_MS);
        return this.redisClient.ping();
      }),
    ]);
    const ok = database.status === 'ok' && redisHealth.status === 'ok';
    return {
      status: ok ? 'ok' : 'degraded',
      database: { ...database, client: String(knex.client.config.client) },
      redis: { ...redisHealth, source: redis.source },
    };
  }
}

async function probe(fn: () => Promise<unknown>): Promise<MlDependencyHealth> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)),
          PROBE_TIMEOUT_MS,
        );
      }),
    ]);
    return { status: 'ok', latencyMs: elapsed(started) };
  } catch (error) {
    return {
      status: 'error',
      latencyMs: elapsed(started),
      message: error instanceof Error ? error.message : String(error),
    };
  } finally {
    clearTimeout(timer);
  }
}

function elapsed(started: number) {
  return Math.round((performance.now() - started) * 100) / 100;
}
