import {
  coreServices,
  createBackendModule,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import permissionPlugin from '@backstage/plugin-permission-backend';
import {
  AuthorizeResult,
  isResourcePermission,
} from '@backstage/plugin-permission-common';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { ML_MODEL_RESOURCE_TYPE } from '@ml-portal/plugin-ml-common';
import {
  createModelConditionalDecision,
  modelConditions,
} from '../registry/permissionRules';

/**
 * Backstage's mock auth issues on-behalf-of tokens without the actor that real auth
 * adds, and the permissions registry refuses those on apply-conditions (403). This
 * factory adds the actor, as the real auth service does, so conditional decisions run
 * end to end: policy → permission backend → the ml plugin's apply-conditions.
 */
const authWithActors = createServiceFactory({
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

/**
 * A policy with the portal's rule for models (the portal's own policy lives in
 * packages/backend, which depends on this plugin): changes to a registered model are
 * conditional on owning it, everything else is allowed.
 */
const modelOwnersWritePolicy = createBackendModule({
  pluginId: 'permission',
  moduleId: 'ml-test-model-owners',
  register(reg) {
    reg.registerInit({
      deps: { policy: policyExtensionPoint },
      async init({ policy }) {
        policy.setPolicy({
          async handle(request, user) {
            const { permission } = request;
            if (
              isResourcePermission(permission, ML_MODEL_RESOURCE_TYPE) &&
              permission.attributes.action !== 'read'
            ) {
              return createModelConditionalDecision(
                permission,
                modelConditions.isModelOwner({
                  owners: user?.info.ownershipEntityRefs ?? [],
                }),
              );
            }
            return { result: AuthorizeResult.ALLOW };
          },
        });
      },
    });
  },
});

/**
 * The real permission backend with {@link modelOwnersWritePolicy}, for tests whose
 * backend config sets `permission.enabled: true` and whose userInfo resolves teams.
 */
export const modelOwnerPermissionFeatures = [
  permissionPlugin,
  modelOwnersWritePolicy,
  authWithActors,
];
