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
  createModelConditionalDecision,
  experimentConditions,
  modelConditions,
} from '@ml-portal/plugin-ml-backend';
import {
  ML_EXPERIMENT_RESOURCE_TYPE,
  ML_MODEL_RESOURCE_TYPE,
  mlFeatureImportPermission,
} from '@ml-portal/plugin-ml-common';

/**
 * The portal's policy: a team writes only what it owns (experiments and their runs,
 * registered models and their versions); reading other teams' experiments and models is
 * allowed unless `ml.permissions.readAcrossTeams` is false; Feast registry uploads are
 * kept to `ml.permissions.featureImporters` when it lists groups. Who approves promotions
 * is the registry's own rule, not this policy's. Everything else is allowed. Only
 * consulted when `permission.enabled` is true.
 */
export class MlPlatformPermissionPolicy implements PermissionPolicy {
  constructor(
    private readonly options: {
      readAcrossTeams: boolean;
      /** Groups that may upload Feast registries; anyone when not configured. */
      featureImporters?: string[];
    },
  ) {}

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    const { permission } = request;
    const owners = user?.info.ownershipEntityRefs ?? [];
    const readsAcrossTeams =
      permission.attributes.action === 'read' && this.options.readAcrossTeams;
    if (isResourcePermission(permission, ML_EXPERIMENT_RESOURCE_TYPE)) {
      if (readsAcrossTeams) return { result: AuthorizeResult.ALLOW };
      return createExperimentConditionalDecision(
        permission,
        experimentConditions.isExperimentOwner({ owners }),
      );
    }
    if (isResourcePermission(permission, ML_MODEL_RESOURCE_TYPE)) {
      if (readsAcrossTeams) return { result: AuthorizeResult.ALLOW };
      return createModelConditionalDecision(
        permission,
        modelConditions.isModelOwner({ owners }),
      );
    }
    if (
      permission.name === mlFeatureImportPermission.name &&
      this.options.featureImporters
    ) {
      const importers = this.options.featureImporters;
      return {
        result: owners.some(ref => importers.includes(ref))
          ? AuthorizeResult.ALLOW
          : AuthorizeResult.DENY,
      };
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
            featureImporters: config.getOptionalStringArray(
              'ml.permissions.featureImporters',
            ),
          }),
        );
      },
    });
  },
});
