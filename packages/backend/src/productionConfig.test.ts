import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { ConfigReader, JsonObject } from '@backstage/config';
import mlPlugin from '@ml-portal/plugin-ml-backend';
import { parse } from 'yaml';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const root = resolve(__dirname, '../../..');
const read = (file: string) =>
  parse(readFileSync(join(root, file), 'utf8')) as JsonObject;

/** The configs as `--config app-config.yaml --config app-config.production.yaml` layers them. */
const local = read('app-config.yaml');
const production = ConfigReader.fromConfigs([
  { context: 'app-config.yaml', data: local },
  {
    context: 'app-config.production.yaml',
    data: read('app-config.production.yaml'),
  },
]);

/** Starts the ml plugin on the production config with `overrides` on top (test database and Redis). */
function startOnProduction(overrides: Record<string, unknown>) {
  const data = ConfigReader.fromConfigs([
    { context: 'production', data: production.get() as any },
    {
      context: 'test',
      data: {
        backend: {
          database: { client: 'better-sqlite3', connection: ':memory:' },
        },
        ml: {
          redis: { url: REDIS_URL },
          artifacts: {
            local: { directory: mkdtempSync(join(tmpdir(), 'ml-artifacts-')) },
          },
        },
        ...overrides,
      },
    },
  ]).get() as any;
  return startTestBackend({
    features: [mlPlugin, mockServices.rootConfig.factory({ data })],
  });
}

describe('production config', () => {
  it('turns permissions on and every local-only setting off', () => {
    expect(production.getBoolean('permission.enabled')).toBe(true);
    expect(production.getBoolean('ml.permissions.allowDisabled')).toBe(false);
    expect(production.getBoolean('ml.mlflow.allowUnauthenticated')).toBe(false);
    expect(production.getBoolean('ml.training.local.enabled')).toBe(false);
    expect(production.getBoolean('ml.serving.targets.local.enabled')).toBe(
      false,
    );
    expect(production.getNumber('ml.deployments.canary.durationMinutes')).toBe(
      10,
    );
    expect(production.getBoolean('ml.registry.allowSelfApproval')).toBe(false);
    expect(production.getString('backend.listen.host')).toBe('0.0.0.0');
    // The demo's token, pools, budgets, bills, Feast registry and owners stay local.
    for (const key of [
      'backend.auth.externalAccess',
      'ml.permissions.servicePrincipals',
      'ml.permissions.platformGroups',
      'ml.permissions.managers',
      'ml.training.pools',
      'ml.training.profiles',
      'ml.training.local.allowedGroups',
      'ml.training.local.envAllowlist',
      'ml.serving.targets.local.flavors',
      'ml.cost.budgets',
      'ml.cost.imports',
      'ml.features.imports',
      'ml.features.owners',
      'catalog.locations',
    ]) {
      expect([key, production.getOptional(key)]).toEqual([key, []]);
    }
  });

  it('keeps the local config local: bound to this machine, permissions on', () => {
    const config = new ConfigReader(local);
    expect(config.getString('backend.listen.host')).toBe('127.0.0.1');
    expect(config.getBoolean('permission.enabled')).toBe(true);
    expect(
      config.getOptionalBoolean('ml.permissions.allowDisabled'),
    ).toBeUndefined();
  });

  it('refuses to start with permissions off', async () => {
    await expect(
      startOnProduction({ permission: { enabled: false } }),
    ).rejects.toThrow(/Permissions are off/);
  });

  it('starts open only when told so explicitly', async () => {
    const { server } = await startOnProduction({
      permission: { enabled: false },
      ml: {
        redis: { url: REDIS_URL },
        permissions: { allowDisabled: true },
        artifacts: {
          local: { directory: mkdtempSync(join(tmpdir(), 'ml-artifacts-')) },
        },
      },
    });
    expect(server.listening).toBe(true);
  });
});
