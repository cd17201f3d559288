import { ConfigReader } from '@backstage/config';
import { mockServices } from '@backstage/backend-test-utils';
import { RedisConnection, answersPing } from './RedisConnection';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
// Nothing listens on port 1 of loopback: stands in for "no Redis on the default port".
const SILENT_URL = 'redis://127.0.0.1:1';
const logger = mockServices.logger.mock();

describe('RedisConnection.resolve', () => {
  it('uses the configured URL as given', async () => {
    const connection = await RedisConnection.resolve({
      config: new ConfigReader({ ml: { redis: { url: REDIS_URL } } }),
      logger,
      defaultUrl: SILENT_URL,
    });
    expect(connection.source).toBe('config');
    expect(connection.url).toBe(REDIS_URL);
    await connection.close();
  });

  it('uses a Redis that answers on the default address', async () => {
    const connection = await RedisConnection.resolve({
      config: new ConfigReader({}),
      logger,
      defaultUrl: REDIS_URL,
    });
    expect(connection.source).toBe('default-port');
    await connection.close();
  });

  it('starts a private redis-server when nothing answers, and stops it on close', async () => {
    const connection = await RedisConnection.resolve({
      config: new ConfigReader({}),
      logger,
      defaultUrl: SILENT_URL,
    });
    expect(connection.source).toBe('embedded');
    expect(connection.url).not.toBe(REDIS_URL);

    const client = connection.createClient('worker');
    await client.set('ml:test', 'value');
    expect(await client.get('ml:test')).toBe('value');

    await connection.close();
    expect(await answersPing(connection.url, 300)).toBe(false);
  });

  it('fails with one clear line when embedding is off and nothing answers', async () => {
    await expect(
      RedisConnection.resolve({
        config: new ConfigReader({ ml: { redis: { embedded: false } } }),
        logger,
        defaultUrl: SILENT_URL,
      }),
    ).rejects.toThrow(
      /^No Redis: nothing answers at redis:\/\/127\.0\.0\.1:1 .*set ml\.redis\.url/,
    );
  });

  it('tells how to install Redis when redis-server is not on PATH', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(
        RedisConnection.resolve({
          config: new ConfigReader({}),
          logger,
          defaultUrl: SILENT_URL,
        }),
      ).rejects.toThrow(
        /redis-server is not on PATH; install it .* or set ml\.redis\.url/,
      );
    } finally {
      process.env.PATH = path;
    }
  });
});
