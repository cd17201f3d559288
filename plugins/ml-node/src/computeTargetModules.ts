import { createHash } from 'node:crypto';
import {
  BackendFeature,
  coreServices,
  createBackendModule,
  LoggerService,
  RootConfigService,
} from '@backstage/backend-plugin-api';
import {
  ComputeTarget,
  mlComputeTargetsExtensionPoint,
} from './computeTargets';

/**
 * A backend module that adds one compute target when `ml.targets.<id>` is configured,
 * says so in one log line when it is not, and stops the backend at startup when the
 * settings are invalid (`readSettings` throws).
 *
 * @public
 */
export function createComputeTargetModule<Settings>(options: {
  /** The target's id, its config key under `ml.targets` and its module id `<id>-target`. */
  id: string;
  readSettings: (config: RootConfigService) => Settings | undefined;
  create: (context: {
    settings: Settings;
    config: RootConfigService;
    logger: LoggerService;
  }) => ComputeTarget & { destroy?(): void | Promise<void> };
  /** Where the target sends jobs, for the start-up log line, e.g. `region us-east-1`. */
  describe?: (settings: Settings) => string;
}): BackendFeature {
  const { id } = options;
  return createBackendModule({
    pluginId: 'ml',
    moduleId: `${id}-target`,
    register(env) {
      env.registerInit({
        deps: {
          config: coreServices.rootConfig,
          logger: coreServices.logger,
          lifecycle: coreServices.lifecycle,
          targets: mlComputeTargetsExtensionPoint,
        },
        async init({ config, logger, lifecycle, targets }) {
          const settings = options.readSettings(config);
          if (settings === undefined) {
            logger.info(
              `ml.targets.${id} is not configured; the ${id} compute target is not registered`,
            );
            return;
          }
          const target = options.create({ settings, config, logger });
          targets.addComputeTarget(target);
          if (target.destroy)
            lifecycle.addShutdownHook(() => target.destroy!());
          logger.info(
            `${id} compute target registered${
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
