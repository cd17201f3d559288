import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { Config } from '@backstage/config';
import { LoggerService } from '@backstage/backend-plugin-api';
import { Redis, RedisOptions } from 'ioredis';

/** Where the Redis URL came from. @internal */
export type RedisSource = 'config' | 'default-port' | 'embedded';

const DEFAULT_URL = 'redis://127.0.0.1:6379';

/**
 * The Redis connection of the ml plugin: resolves the URL once (config, else a server on
 * the default port, else a private `redis-server` child), hands out ioredis clients with
 * the options their role needs, and closes them all (and the child) on shutdown.
 *
 * @internal
 */
export class RedisConnection {
  private readonly clients = new Set<Redis>();

  private constructor(
    readonly url: string,
    readonly source: RedisSource,
    private readonly child?: ChildProcess,
  ) {}

  static async resolve(options: {
    config: Config;
    logger: LoggerService;
    /** The address probed when no URL is configured; tests point it at an unused port. */
    defaultUrl?: string;
  }): Promise<RedisConnection> {
    const { config, logger } = options;
    const configured = config.getOptionalString('ml.redis.url');
    if (configured) {
      return new RedisConnection(configured, 'config');
    }
    const defaultUrl = options.defaultUrl ?? DEFAULT_URL;
    if (await answersPing(defaultUrl, 500)) {
      logger.info(`Using the Redis answering at ${defaultUrl}`);
      return new RedisConnection(defaultUrl, 'default-port');
    }
    if (config.getOptionalBoolean('ml.redis.embedded') === false) {
      throw new Error(
        `No Redis: nothing answers at ${defaultUrl} and ml.redis.embedded is false; set ml.redis.url (or REDIS_URL)`,
      );
    }
    const { url, child } = await startRedisServer();
    logger.info(
      `Started an embedded redis-server (pid ${child.pid}) at ${url}; queues there are lost on exit and rebuilt from the database`,
    );
    return new RedisConnection(url, 'embedded', child);
  }

  /**
   * A new client. Producers (HTTP handlers) fail fast when Redis is down, so the API can
   * answer 503; workers wait for Redis to come back, as BullMQ requires.
   */
  createClient(role: 'producer' | 'worker'): Redis {
    const options: RedisOptions =
      role === 'producer'
        ? { enableOfflineQueue: false, maxRetriesPerRequest: 1 }
        : { maxRetriesPerRequest: null };
    const client = new Redis(this.url, options);
    // Without a listener ioredis reports connection errors as unhandled; health and
    // callers see them through failed commands instead.
    client.on('error', () => {});
    this.clients.add(client);
    client.once('end', () => this.clients.delete(client));
    return client;
  }

  async close(): Promise<void> {
    // quit() waits for a connection that may never come; a client that is not connected
    // is simply dropped, and a connected one gets a bounded chance to quit cleanly.
    await Promise.allSettled(
      [...this.clients].map(async client => {
        if (client.status === 'ready') {
          await Promise.race([
            client.quit().catch(() => {}),
            new Promise(resolve => setTimeout(resolve, 2000).unref()),
          ]);
        }
        client.disconnect();
      }),
    );
    this.clients.clear();
    if (this.child && this.child.exitCode === null) {
      const exited = once(this.child, 'exit');
      this.child.kill('SIGTERM');
      await exited;
    }
  }
}

/**
 * Resolves once the client is connected; rejects with the connection error, or after
 * `timeoutMs`. BullMQ itself waits for a connection forever, which an HTTP handler must
 * not do.
 *
 * @internal
 */
export function waitForReady(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') {
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    const undo: Array<() => void> = [];
    const done = (error?: Error) => {
      for (const step of undo) step();
      if (error) reject(error);
      else resolve();
    };
    const onReady = () => done();
    const onError = (error: Error) => done(error);
    const timer = setTimeout(
      () => done(new Error(`Redis did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    undo.push(
      () => clearTimeout(timer),
      () => client.off('ready', onReady),
      () => client.off('error', onError),
    );
    client.once('ready', onReady);
    client.once('error', onError);
  });
}

/** True when a Redis at `url` answers PING within `timeoutMs`. */
export async function answersPing(
  url: string,
  timeoutMs: number,
): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (!address || typeof address === 'string') {
    throw new Error('Could not find a free port for redis-server');
  }
  return address.port;
}

/** A redis-server child on a free port that keeps nothing on disk; killed when this process exits. @internal */
export async function startRedisServer(): Promise<{
  url: string;
  child: ChildProcess;
}> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      tmpdir(),
    ],
    { stdio: 'ignore', env: process.env },
  );
  // Never leave an orphan redis-server behind, whatever way the backend exits.
  const killChild = () => child.kill('SIGTERM');
  process.once('exit', killChild);
  child.once('exit', () => process.off('exit', killChild));

  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'ENOENT'
          ? new Error(
              'No Redis: nothing answers on 127.0.0.1:6379 and redis-server is not on PATH; install it (apt-get install redis-server, brew install redis) or set ml.redis.url (REDIS_URL)',
            )
          : error,
      ),
    ),
  );
  const url = `redis://127.0.0.1:${port}`;
  const ready = (async () => {
    for (let tries = 0; tries < 50; tries++) {
      if (await answersPing(url, 200)) {
        return;
      }
      await new Promise(resolve => setTimeout(resolve, 100));
    }
    child.kill('SIGKILL');
    throw new Error(
      `The embedded redis-server did not answer at ${url} within 5 s`,
    );
  })();
  await Promise.race([ready, spawnError]);
  return { url, child };
}
