import { BackendFeature, ExtensionPoint } from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { JsonObject } from '@backstage/types';
import {
  ComputeTarget,
  DispatchRequest,
  GpuPool,
  mlComputeTargetsExtensionPoint,
} from './computeTargets';
import {
  mlServingTargetsExtensionPoint,
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
