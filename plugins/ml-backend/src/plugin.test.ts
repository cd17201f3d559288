import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import request from 'supertest';
import { mlPlugin } from './plugin';
import { createTestDatabases } from './__testUtils__/databases';
import { FakeComputeTarget } from './__testUtils__/FakeComputeTarget';
import { computeTargetsModule } from './__testUtils__/portal';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const targetsModule = (moduleId: string, ...ids: string[]) =>
  computeTargetsModule(
    moduleId,
    ids.map(id => new FakeComputeTarget(id)),
  );

const databases = createTestDatabases();

/** The knex client each database reports in the health check. */
const CLIENTS: Record<string, string> = {
  SQLITE_3: 'better-sqlite3',
  POSTGRES_15: 'pg',
};

/** The plugin's database and config, naming the Redis at `redisUrl`. */
function servicesOf(knex: Knex, redisUrl: string) {
  return [
    mockServices.database.factory({ knex }),
    mockServices.rootConfig.factory({
      data: {
        ml: {
          permissions: { allowDisabled: true },
          redis: { url: redisUrl },
          artifacts: {
            local: { directory: mkdtempSync(join(tmpdir(), 'ml-artifacts-')) },
          },
        },
      },
    }),
  ];
}

describe.each(databases.eachSupportedId())(
  'ml backend plugin on %p',
  databaseId => {
    // One database for the file's backends: they only start on it and read its health.
    let knex: Knex;
    beforeAll(async () => {
      knex = await databases.init(databaseId);
    });

    it('reports database and Redis health without authentication', async () => {
      const { server } = await startTestBackend({
        features: [
          mlPlugin,
          ...servicesOf(knex, REDIS_URL),
          mockServices.httpAuth.factory({
            defaultCredentials: mockCredentials.none(),
          }),
        ],
      });

      const response = await request(server).get('/api/ml/health');
      // Everything else stays behind authentication.
      const targets = await request(server).get('/api/ml/compute-targets');

      expect(targets.status).toBe(401);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        status: 'ok',
        database: { status: 'ok', client: CLIENTS[databaseId] },
        redis: { status: 'ok', source: 'config' },
      });
    });

    it('answers 503 and names Redis when Redis does not answer', async () => {
      // Port 1 on loopback refuses connections at once.
      const { server } = await startTestBackend({
        features: [mlPlugin, ...servicesOf(knex, 'redis://127.0.0.1:1')],
      });

      const response = await request(server).get('/api/ml/health');

      expect(response.status).toBe(503);
      expect(response.body.status).toBe('degraded');
      expect(response.body.database.status).toBe('ok');
      expect(response.body.redis.status).toBe('error');
      expect(response.body.redis.message).toEqual(expect.any(String));
    });

    it('lists the compute targets that modules registered', async () => {
      const { server } = await startTestBackend({
        features: [
          mlPlugin,
          ...servicesOf(knex, REDIS_URL),
          targetsModule('targets-a', 'sagemaker', 'kubernetes'),
        ],
      });

      const response = await request(server).get('/api/ml/compute-targets');

      expect(response.status).toBe(200);
      expect(response.body.items).toEqual([
        { id: 'kubernetes' },
        { id: 'sagemaker' },
      ]);
    });

    it('refuses two targets with one id', async () => {
      await expect(
        startTestBackend({
          features: [
            mlPlugin,
            ...servicesOf(knex, REDIS_URL),
            targetsModule('targets-a', 'kubernetes'),
            targetsModule('targets-b', 'kubernetes'),
          ],
        }),
      ).rejects.toThrow("Compute target 'kubernetes' is registered twice");
    });
  },
);
