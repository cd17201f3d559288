import { mkdtempSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { mlPlugin } from '../plugin';
import { createMlflowClient } from './mlflowClient';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

type TestFeatures = NonNullable<
  Parameters<typeof startTestBackend>[0]['features']
>;

/**
 * The ml plugin in a test backend on SQLite with a local artifact folder and a one-node
 * local pool whose jobs are only submitted (no workers), plus the npm MLflow client
 * pointed at it. `ml` settings are added to (and override) those; `config` adds other
 * top-level sections; `features` adds services or plugins.
 */
export async function startPortal(
  options: {
    ml?: Record<string, unknown>;
    config?: Record<string, unknown>;
    features?: TestFeatures;
  } = {},
) {
  const { server } = await startTestBackend({
    features: [
      mlPlugin,
      ...(options.features ?? []),
      mockServices.rootConfig.factory({
        data: {
          ...options.config,
          ml: {
            // Tests of other behaviour run open; tenancy tests turn permissions on.
            permissions: { allowDisabled: true },
            redis: { url: REDIS_URL },
            artifacts: {
              local: {
                directory: mkdtempSync(join(tmpdir(), 'ml-artifacts-')),
              },
            },
            training: {
              workers: false,
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
            ...options.ml,
          },
        },
      }),
    ],
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    mlflow: createMlflowClient(`http://127.0.0.1:${port}/api/ml/mlflow`),
  };
}
