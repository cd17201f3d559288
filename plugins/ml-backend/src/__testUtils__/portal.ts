import { mkdtempSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBackendModule } from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { ConfigReader, JsonObject } from '@backstage/config';
import {
  ComputeTarget,
  mlComputeTargetsExtensionPoint,
} from '@ml-portal/plugin-ml-node';
import { Knex } from 'knex';
import mlPlugin, {
  mlModuleLocalComputeTarget,
  mlModuleLocalServingTarget,
} from '..';
import { createMlflowClient } from './mlflowClient';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

type TestFeatures = NonNullable<
  Parameters<typeof startTestBackend>[0]['features']
>;

/**
 * The ml plugin and its local compute target in a test backend, with a local artifact
 * folder and a one-node local pool whose jobs are only submitted (no workers), plus the
 * npm MLflow client pointed at it.
 *
 * - `ml` is layered over those settings as app-config files are: objects merge, lists
 *   and values replace (`ml: { training: { workers: true } }` keeps the pool).
 * - `database` is the plugin's database, a connection from `createTestDatabases()`
 *   (`await databases.init(id)`); portals given one connection act as replicas of one
 *   backend. Without it, in-memory SQLite of the portal's own.
 * - `targets` are registered as a compute-target module would register them.
 * - `config` adds other top-level sections; `features` adds services or plugins.
 */
export async function startPortal(
  options: {
    ml?: Record<string, unknown>;
    config?: Record<string, unknown>;
    features?: TestFeatures;
    database?: Knex;
    targets?: ComputeTarget[];
  } = {},
) {
  const defaults = {
    // Tests of other behaviour run open; tenancy tests turn permissions on.
    permissions: { allowDisabled: true },
    redis: { url: REDIS_URL },
    artifacts: {
      local: { directory: mkdtempSync(join(tmpdir(), 'ml-artifacts-')) },
    },
    // The analysis and reconciler run where a test turns them on.
    deployments: {
      workers: false,
      modelCacheDirectory: mkdtempSync(join(tmpdir(), 'ml-models-')),
    },
    training: {
      workers: false,
      // Each portal's queues in the shared Redis are its own.
      queuePrefix: `ml-test-${Math.random().toString(36).slice(2)}`,
      local: {
        enabled: true,
        // What tests submit as a user of no group is the default owner's.
        allowedGroups: ['group:default/ml-platform'],
        logDirectory: mkdtempSync(join(tmpdir(), 'ml-job-logs-')),
      },
      pools: [
        {
          name: 'local-cpu',
          target: 'local',
          gpuType: 'cpu',
          gpusPerNode: 1,
          nodes: 1,
        },
      ],
    },
  };
  const ml = ConfigReader.fromConfigs([
    { context: 'test portal', data: { ml: defaults } },
    { context: 'test', data: { ml: (options.ml ?? {}) as JsonObject } },
  ]).get('ml');
  const backend = await startTestBackend({
    features: [
      mlPlugin,
      mlModuleLocalComputeTarget,
      // Registers only with `ml.serving.targets.local` set.
      mlModuleLocalServingTarget,
      ...(options.database
        ? [mockServices.database.factory({ knex: options.database })]
        : []),
      ...(options.targets
        ? [computeTargetsModule('test-portal-targets', options.targets)]
        : []),
      ...(options.features ?? []),
      mockServices.rootConfig.factory({ data: { ...options.config, ml } }),
    ],
  });
  const { server } = backend;
  const { port } = server.address() as AddressInfo;
  return {
    server,
    /** Stops the backend as a shutdown would: workers, queues, local processes. */
    stop: () => backend.stop(),
    mlflow: createMlflowClient(`http://127.0.0.1:${port}/api/ml/mlflow`),
  };
}

/** A module adding `targets` to the ml plugin through its extension point. */
export function computeTargetsModule(
  moduleId: string,
  targets: ComputeTarget[],
) {
  return createBackendModule({
    pluginId: 'ml',
    moduleId,
    register(env) {
      env.registerInit({
        deps: { extension: mlComputeTargetsExtensionPoint },
        async init({ extension }) {
          extension.addComputeTarget(...targets);
        },
      });
    },
  });
}
