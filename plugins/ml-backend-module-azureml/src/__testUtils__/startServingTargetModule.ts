import { BackendFeature } from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import {
  mlServingTargetsExtensionPoint,
  ServingTarget,
} from '@ml-portal/plugin-ml-node';

/**
 * Starts a test backend with one serving-target module and the given root config,
 * capturing the targets it adds and its log lines, as ml-node's
 * `startComputeTargetModule` does for compute targets. The caller stops the backend.
 */
export async function startServingTargetModule(
  module: BackendFeature,
  config: Record<string, unknown>,
) {
  const targets: ServingTarget[] = [];
  const logger = mockServices.logger.mock();
  const backend = await startTestBackend({
    extensionPoints: [
      [
        mlServingTargetsExtensionPoint,
        { addServingTarget: (...added) => targets.push(...added) },
      ],
    ],
    features: [
      module,
      logger.factory,
      mockServices.rootConfig.factory({ data: config as any }),
    ],
  });
  return { targets, logger, stop: () => backend.stop() };
}
