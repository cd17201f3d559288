import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import {
  AuthorizeResult,
  isResourcePermission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import {
  createExperimentConditionalDecision,
  experimentConditions,
} from '@ml-portal/plugin-ml-backend';
import { ML_EXPERIMENT_RESOURCE_TYPE } from '@ml-portal/plugin-ml-common';

/**
 * The portal's policy: a team writes only what it owns (experiments and their runs);
 * reading other teams' experiments is allowed unless `ml.permissions.readAcrossTeams`
 * is false. Everything else is allowed. Only consulted when `permission.enabled` is true.
 */
export class MlPlatformPermissionPolicy implements PermissionPolicy {
  constructor(private readonly options: { readAcrossTeams: boolean }) {}

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    if (isResourcePermission(request.permission, ML_EXPERIMENT_RESOURCE_TYPE)) {
      if (
        request.permission.attributes.action === 'read' &&
        this.options.readAcrossTeams
      ) {
        return { result: AuthorizeResult.ALLOW };
      }
      return createExperimentConditionalDecision(
        request.permission,
        experimentConditions.isExperimentOwner({
          owners: user?.info.ownershipEntityRefs ?? [],
        }),
      );
    }
    return { result: AuthorizeResult.ALLOW };
  }
}

/** Installs {@link MlPlatformPermissionPolicy} in the permission backend. */
export const permissionModuleMlPlatformPolicy = createBackendModule({
  pluginId: 'permission',
  moduleId: 'ml-platform-policy',
  register(reg) {
    reg.registerInit({
      deps: { policy: policyExtensionPoint, config: coreServices.rootConfig },
      async init({ policy, config }) {
        policy.setPolicy(
          new MlPlatformPermissionPolicy({
            readAcrossTeams:
              config.getOptionalBoolean('ml.permissions.readAcrossTeams') ??
              true,
          }),
        );
      },
    });
  },
});
