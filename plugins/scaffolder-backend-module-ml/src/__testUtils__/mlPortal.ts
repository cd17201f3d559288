import { mkdtempSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  BackstageUserPrincipal,
  UserInfoService,
  coreServices,
  createBackendModule,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { ConfigReader, JsonObject } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { notificationService } from '@backstage/plugin-notifications-node';
import permissionPlugin from '@backstage/plugin-permission-backend';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
// Tests run the actions against the real ml plugin, not a fake of its API.
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import mlPlugin, {
  MlTenancyPolicy,
  mlModuleLocalComputeTarget,
  mlModuleLocalServingTarget,
  readTenancySettings,
} from '@ml-portal/plugin-ml-backend';
import { mockAuthWithActors } from '@ml-portal/plugin-ml-node/testUtils';
import request from 'supertest';
import { MlPortalClient } from '../MlPortalClient';

/** The team most tests act for, its scientist, and a member of another team. */
export const TEAM = 'group:default/recsys';
export const OTHER_TEAM = 'group:default/vision';
export const SCIENTIST = 'user:default/mei.chen';
export const OUTSIDER = 'user:default/outsider';
/** The platform team (`ml.permissions.platformGroups`) and one of its engineers. */
export const PLATFORM = 'group:default/ml-platform';
export const PLATFORM_ENGINEER = 'user:default/pat';
export const APP_BASE_URL = 'http://localhost:3000';
export const REPO_ROOT = resolve(__dirname, '../../../..');

const MEMBERSHIPS: Record<string, string[]> = {
  [SCIENTIST]: [TEAM],
  [OUTSIDER]: [OTHER_TEAM],
  [PLATFORM_ENGINEER]: [PLATFORM],
};

/** userInfo as the catalog resolves it: each user owns through the groups listed above. */
export const userInfo: UserInfoService = {
  async getUserInfo(credentials) {
    const { userEntityRef } = credentials.principal as BackstageUserPrincipal;
    return {
      userEntityRef,
      ownershipEntityRefs: [
        userEntityRef,
        ...(MEMBERSHIPS[userEntityRef] ?? []),
      ],
    };
  },
};

/** The catalog's groups of the tests' teams. */
export const groupEntities: Entity[] = [TEAM, OTHER_TEAM].map(ref => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Group',
  metadata: { name: ref.split('/')[1], namespace: 'default' },
  spec: { type: 'team', children: [] },
}));

/** The portal's own policy in the real permission backend, so tenancy is enforced. */
const tenancyPolicy = createBackendModule({
  pluginId: 'permission',
  moduleId: 'scaffolder-ml-test-tenancy',
  register(reg) {
    reg.registerInit({
      deps: { policy: policyExtensionPoint, config: coreServices.rootConfig },
      async init({ policy, config }) {
        policy.setPolicy(new MlTenancyPolicy(readTenancySettings(config)));
      },
    });
  },
});

type Features = NonNullable<Parameters<typeof startTestBackend>[0]['features']>;

/**
 * The real ml plugin (tracking, training with a local pool and profile, registry,
 * deployments with the local serving target) behind the real permission backend with
 * the portal's tenancy policy, plus `features` (the Scaffolder, this module).
 * No workers run: jobs stay submitted and endpoints CREATING, which is all the actions
 * promise.
 */
export async function startMlPortal(
  options: { features?: Features; catalog?: Entity[]; config?: object } = {},
) {
  const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));
  // Layered as app-config files are: `options.config` merges into these settings.
  const config = ConfigReader.fromConfigs([
    {
      context: 'scaffolder-ml test',
      data: {
        app: { baseUrl: APP_BASE_URL },
        permission: { enabled: true },
        ml: {
          permissions: { readAcrossTeams: true, platformGroups: [PLATFORM] },
          redis: { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
          artifacts: { local: { directory: tmp('ml-artifacts-') } },
          training: {
            workers: false,
            queuePrefix: `scaffolder-test-${Math.random()
              .toString(36)
              .slice(2)}`,
            local: {
              enabled: true,
              allowedGroups: [TEAM],
              logDirectory: tmp('ml-job-logs-'),
            },
            pools: [
              {
                name: 'local-cpu',
                target: 'local',
                gpuType: 'cpu',
                gpusPerNode: 2,
                nodes: 1,
              },
            ],
            profiles: [
              {
                name: 'local-small',
                pools: ['local-cpu'],
                defaults: { gpus: 1 },
              },
            ],
          },
          deployments: {
            workers: false,
            modelCacheDirectory: tmp('ml-models-'),
          },
          serving: {
            targets: {
              local: {
                workingDirectory: REPO_ROOT,
                flavors: [
                  {
                    flavor: 'portal_logistic',
                    command: ['node', 'examples/serving/model_server.ts'],
                  },
                ],
              },
            },
          },
        },
      },
    },
    { context: 'test', data: (options.config ?? {}) as JsonObject },
  ]).get() as JsonObject;
  const backend = await startTestBackend({
    features: [
      mlPlugin,
      mlModuleLocalComputeTarget,
      mlModuleLocalServingTarget,
      permissionPlugin,
      tenancyPolicy,
      mockAuthWithActors,
      createServiceFactory({
        service: coreServices.userInfo,
        deps: {},
        factory: () => userInfo,
      }),
      createServiceFactory({
        service: notificationService,
        deps: {},
        factory: () => ({ send: async () => {} }),
      }),
      catalogServiceMock.factory({
        entities: [...groupEntities, ...(options.catalog ?? [])],
      }),
      ...(options.features ?? []),
      mockServices.rootConfig.factory({ data: config }),
    ],
  });
  const { server } = backend;
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  /** The ml API as `user`, as the portal's pages call it. */
  const as = (user: string) => {
    const auth = mockCredentials.user.header(user);
    return {
      get: (path: string) =>
        request(server).get(`/api/ml${path}`).set('Authorization', auth),
      post: (path: string, body: object = {}) =>
        request(server)
          .post(`/api/ml${path}`)
          .set('Authorization', auth)
          .send(body),
      put: (path: string, body: object) =>
        request(server)
          .put(`/api/ml${path}`)
          .set('Authorization', auth)
          .send(body),
    };
  };
  return {
    server,
    baseUrl,
    as,
    stop: () => backend.stop(),
    /** A client like the module's, reaching this backend's ml plugin. */
    client: new MlPortalClient({
      discovery: {
        getBaseUrl: async pluginId => `${baseUrl}/api/${pluginId}`,
        getExternalBaseUrl: async pluginId => `${baseUrl}/api/${pluginId}`,
      },
      auth: mockServices.auth({ pluginId: 'scaffolder' }),
    }),
  };
}

/** A registered version of `model` from a fresh run of the scientist's, under `alias`. */
export async function registerVersion(
  portal: Awaited<ReturnType<typeof startMlPortal>>,
  model: string,
  alias: string,
) {
  const scientist = portal.as(SCIENTIST);
  const name = `registry-${Math.random().toString(36).slice(2)}`;
  const experiment = await scientist.post(
    '/mlflow/api/2.0/mlflow/experiments/create',
    { name },
  );
  const run = await scientist.post('/mlflow/api/2.0/mlflow/runs/create', {
    experiment_id: experiment.body.experiment_id,
  });
  const version = await scientist.post(`/models/${model}/versions`, {
    runId: run.body.run.info.run_id,
  });
  if (version.status !== 201) {
    throw new Error(`register answered ${version.status}: ${version.text}`);
  }
  const aliased = await scientist.post(
    '/mlflow/api/2.0/mlflow/registered-models/alias',
    { name: model, alias, version: version.body.version },
  );
  if (aliased.status !== 200) {
    throw new Error(`alias answered ${aliased.status}: ${aliased.text}`);
  }
  return version.body.version as string;
}
