import {
  BackendFeature,
  coreServices,
  createServiceFactory,
  ExtensionPoint,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { JsonObject } from '@backstage/types';
import {
  ComputeTarget,
  DispatchRequest,
  GpuPool,
  mlComputeTargetsExtensionPoint,
} from './computeTargets';
import {
  EndpointSpec,
  mlServingTargetsExtensionPoint,
  ServingDeployment,
  ServingModel,
  ServingTarget,
} from './servingTargets';

/**
 * Starts a test backend with one target module, the given root config and the
 * extension point it adds to, whose implementation `capture` builds around the list
 * the targets go in. Returns those targets, the module's log lines and a stop.
 */
async function startTargetModule<TTarget, TExtensionPoint>(
  module: BackendFeature,
  config: JsonObject,
  extensionPoint: ExtensionPoint<TExtensionPoint>,
  capture: (targets: TTarget[]) => TExtensionPoint,
) {
  const targets: TTarget[] = [];
  const logger = mockServices.logger.mock();
  const backend = await startTestBackend({
    extensionPoints: [[extensionPoint, capture(targets)]],
    features: [
      module,
      logger.factory,
      mockServices.rootConfig.factory({ data: config }),
    ],
  });
  return { targets, logger, stop: () => backend.stop() };
}

/**
 * Starts a test backend with one compute-target module and the given root config,
 * capturing the targets it adds and its log lines. The caller stops the backend.
 *
 * @public
 */
export async function startComputeTargetModule(
  module: BackendFeature,
  config: JsonObject,
) {
  return startTargetModule(
    module,
    config,
    mlComputeTargetsExtensionPoint,
    (targets: ComputeTarget[]) => ({
      addComputeTarget: (...added) => targets.push(...added),
    }),
  );
}

/**
 * Starts a test backend with one serving-target module and the given root config,
 * capturing the targets it adds and its log lines. The caller stops the backend.
 *
 * @public
 */
export async function startServingTargetModule(
  module: BackendFeature,
  config: JsonObject,
) {
  return startTargetModule(
    module,
    config,
    mlServingTargetsExtensionPoint,
    (targets: ServingTarget[]) => ({
      addServingTarget: (...added) => targets.push(...added),
    }),
  );
}

/**
 * Waits for a target module to start, stops it, and returns the targets it added and
 * the messages it logged at info level: what a test of an unconfigured module checks.
 *
 * @public
 */
export async function stoppedTargetModule(
  starting: ReturnType<typeof startTargetModule<unknown, unknown>>,
) {
  const { targets, logger, stop } = await starting;
  await stop();
  return { targets, info: logger.info.mock.calls.map(([message]) => message) };
}

/**
 * A one-GPU dispatch request for attempt `attempt-1` of `job-1` on a pool of the given
 * target; tests override what they check.
 *
 * @public
 */
export function sampleDispatchRequest(
  pool: Partial<GpuPool> & Pick<GpuPool, 'target'>,
  overrides: Partial<DispatchRequest> = {},
): DispatchRequest {
  return {
    externalName: 'attempt-1',
    jobId: 'job-1',
    attemptId: 'attempt-1',
    pool: {
      name: 'gpu',
      region: 'us-east-1',
      gpuType: 'A10G',
      gpusPerNode: 1,
      spot: false,
      labels: {},
      taints: [],
      compliance: [],
      ...pool,
    },
    image: 'registry.example/train:1',
    command: ['train'],
    env: {},
    secretEnv: [],
    resources: { gpus: 1 },
    ...overrides,
  };
}

/**
 * Version `version` of the `python_function` model `fraud` deployed as
 * `fraud-scorer-v<version>` with the given share of the traffic, its files under
 * `s3://ml-models/fraud/<version>`; tests override the model fields their target reads.
 *
 * @public
 */
export function sampleServingDeployment(
  version: string,
  weight: number,
  model: Partial<ServingModel> = {},
): ServingDeployment {
  return {
    name: `fraud-scorer-v${version}`,
    weight,
    model: {
      name: 'fraud',
      version,
      artifactUri: `s3://ml-models/fraud/${version}`,
      flavor: 'python_function',
      ...model,
    },
  };
}

/**
 * A real-time CPU endpoint `fraud-scorer` of `group:default/risk` that sends all its
 * traffic to version 1 of `fraud`; tests override what they check.
 *
 * @public
 */
export function sampleEndpointSpec(
  overrides: Partial<EndpointSpec> = {},
): EndpointSpec {
  return {
    name: 'fraud-scorer',
    kind: 'real-time',
    owner: 'group:default/risk',
    gpus: 0,
    scaling: { minReplicas: 2, maxReplicas: 4, targetConcurrency: 8 },
    deployments: [sampleServingDeployment('1', 100)],
    ...overrides,
  };
}

/**
 * Backstage's mock auth with the actor real auth adds to on-behalf-of tokens: the mock
 * issues them without one, and the permissions registry refuses those on
 * apply-conditions (403). With this factory, conditional decisions run end to end in a
 * test backend: policy → permission backend → the plugin's apply-conditions.
 *
 * @public
 */
export const mockAuthWithActors = createServiceFactory({
  service: coreServices.auth,
  deps: { plugin: coreServices.pluginMetadata },
  factory({ plugin }) {
    const auth = mockServices.auth({ pluginId: plugin.getId() });
    const getPluginRequestToken = auth.getPluginRequestToken.bind(auth);
    auth.getPluginRequestToken = async options => {
      const { principal } = options.onBehalfOf as any;
      if (principal.type !== 'user') return getPluginRequestToken(options);
      return {
        token: mockCredentials.user.token(principal.userEntityRef, {
          actor: { subject: `plugin:${plugin.getId()}` },
        }),
      };
    };
    return auth;
  },
});

export { startFakeS3Server } from './fakeS3Server';
