import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import {
  ComputeTarget,
  mlComputeTargetsExtensionPoint,
} from '@ml-portal/plugin-ml-node';
import request from 'supertest';
import { mlPlugin } from './plugin';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function target(id: string): ComputeTarget {
  return {
    id,
    dispatch: async () => ({ externalId: id }),
    status: async () => ({ state: 'not-found' }),
    cancel: async () => {},
  };
}

function targetsModule(moduleId: string, ...ids: string[]) {
  return createBackendModule({
    pluginId: 'ml',
    moduleId,
    register(env) {
      env.registerInit({
        deps: { targets: mlComputeTargetsExtensionPoint },
        async init({ targets }) {
          targets.addComputeTarget(...ids.map(target));
        },
      });
    },
  });
}

function configWithRedis(url: string) {
  return mockServices.rootConfig.factory({
    data: {
      ml: {
        permissions: { allowDisabled: true },
        redis: { url },
        artifacts: {
          local: { directory: mkdtempSync(join(tmpdir(), 'ml-artifacts-')) },
        },
      },
    },
  });
}

describe('ml backend plugin', () => {
  it('reports database and Redis health without authentication', async () => {
    const { server } = await startTestBackend({
      features: [
        mlPlugin,
        configWithRedis(REDIS_URL),
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
      database: { status: 'ok', client: expect.any(String) },
      redis: { status: 'ok', source: 'config' },
    });
  });

  it('answers 503 and names Redis when Redis does not answer', async () => {
    // Port 1 on loopback refuses connections at once.
    const { server } = await startTestBackend({
      features: [mlPlugin, configWithRedis('redis://127.0.0.1:1')],
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
        configWithRedis(REDIS_URL),
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
          configWithRedis(REDIS_URL),
          targetsModule('targets-a', 'kubernetes'),
          targetsModule('targets-b', 'kubernetes'),
        ],
      }),
    ).rejects.toThrow("Compute target 'kubernetes' is registered twice");
  });
});
