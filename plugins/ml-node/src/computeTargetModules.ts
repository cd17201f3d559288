import { createHash } from 'node:crypto';
import {
  BackendFeature,
  coreServices,
  createBackendModule,
  ExtensionPoint,
  LoggerService,
  RootConfigService,
} from '@backstage/backend-plugin-api';
import {
  ComputeTarget,
  mlComputeTargetsExtensionPoint,
} from './computeTargets';
import {
  mlServingTargetsExtensionPoint,
  ServingTarget,
} from './servingTargets';

type TargetModuleOptions<Settings, Target> = {
  /** The target's id, its config key and part of its module id. */
  id: string;
  readSettings: (config: RootConfigService) => Settings | undefined;
  create: (context: {
    settings: Settings;
    config: RootConfigService;
    logger: LoggerService;
  }) => Target & { destroy?(): void | Promise<void> };
  /** Where the target sends work, for the start-up log line, e.g. `region us-east-1`. */
  describe?: (settings: Settings) => string;
};

/**
 * A backend module that adds one compute target when `ml.targets.<id>` is configured,
 * says so in one log line when it is not, and stops the backend at startup when the
 * settings are invalid (`readSettings` throws). Its module id is `<id>-target`.
 *
 * @public
 */
export function createComputeTargetModule<Settings>(
  options: TargetModuleOptions<Settings, ComputeTarget>,
): BackendFeature {
  return createTargetModule(options, {
    kind: 'compute',
    configKey: `ml.targets.${options.id}`,
    moduleId: `${options.id}-target`,
    extensionPoint: mlComputeTargetsExtensionPoint,
    add: (point, target) => point.addComputeTarget(target),
  });
}

/**
 * A backend module that adds one serving target when `ml.serving.targets.<id>` is
 * configured, as `createComputeTargetModule` does for compute targets. Its module id is
 * `<id>-serving-target`.
 *
 * @public
 */
export function createServingTargetModule<Settings>(
  options: TargetModuleOptions<Settings, ServingTarget>,
): BackendFeature {
  return createTargetModule(options, {
    kind: 'serving',
    configKey: `ml.serving.targets.${options.id}`,
    moduleId: `${options.id}-serving-target`,
    extensionPoint: mlServingTargetsExtensionPoint,
    add: (point, target) => point.addServingTarget(target),
  });
}

function createTargetModule<Settings, Target, Point>(
  options: TargetModuleOptions<Settings, Target>,
  binding: {
    kind: 'compute' | 'serving';
    configKey: string;
    moduleId: string;
    extensionPoint: ExtensionPoint<Point>;
    add: (point: Point, target: Target) => void;
  },
): BackendFeature {
  const { id } = options;
  const { kind, configKey } = binding;
  return createBackendModule({
    pluginId: 'ml',
    moduleId: binding.moduleId,
    register(env) {
      env.registerInit({
        deps: {
          config: coreServices.rootConfig,
          logger: coreServices.logger,
          lifecycle: coreServices.lifecycle,
          targets: binding.extensionPoint,
        },
        async init({ config, logger, lifecycle, targets }) {
          const settings = options.readSettings(config);
          if (settings === undefined) {
            logger.info(
              `${configKey} is not configured; the ${id} ${kind} target is not registered`,
            );
            return;
          }
          const target = options.create({ settings, config, logger });
          binding.add(targets, target);
          if (target.destroy)
            lifecycle.addShutdownHook(() => target.destroy!());
          logger.info(
            `${id} ${kind} target registered${
              options.describe ? ` for ${options.describe(settings)}` : ''
            }`,
          );
        },
      });
    },
  });
}

/**
 * The external name as a platform accepts it. A name that already matches `valid` is
 * used unchanged; any other is normalised deterministically: runs of characters outside
 * `allowed` become `-`, the result is cut to fit, and a short hash of the original is
 * appended, so two external names never share a platform job and a replayed dispatch,
 * `status` and `cancel` all find the same one.
 *
 * @public
 */
export function toPlatformName(
  externalName: string,
  rule: { valid: RegExp; allowed: RegExp; maxLength: number },
): string {
  if (rule.valid.test(externalName)) return externalName;
  const hash = createHash('sha256')
    .update(externalName)
    .digest('hex')
    .slice(0, 8);
  const disallowed = new RegExp(`[^${rule.allowed.source}]+`, 'g');
  const base = externalName
    .replace(disallowed, '-')
    .replace(/^[^a-zA-Z0-9]+/, '')
    .slice(0, rule.maxLength - hash.length - 1)
    .replace(/[^a-zA-Z0-9]+$/, '');
  return base ? `${base}-${hash}` : hash;
}
