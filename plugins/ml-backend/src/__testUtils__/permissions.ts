import {
  BackstageUserPrincipal,
  coreServices,
  createBackendModule,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import permissionPlugin from '@backstage/plugin-permission-backend';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { MlTenancyPolicy, readTenancySettings } from '../shared/tenancy';

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
 * The portal's own policy ({@link MlTenancyPolicy}) in the permission backend, with the
 * tenancy settings from `ml.permissions` of the test's config.
 */
const tenancyPolicy = createBackendModule({
  pluginId: 'permission',
  moduleId: 'ml-test-tenancy-policy',
  register(reg) {
    reg.registerInit({
      deps: { policy: policyExtensionPoint, config: coreServices.rootConfig },
      async init({ policy, config }) {
        policy.setPolicy(new MlTenancyPolicy(readTenancySettings(config)));
      },
    });
  },
});

/**
 * The real permission backend with the portal's policy, for tests whose backend config
 * sets `permission.enabled: true` and whose userInfo resolves teams.
 */
export const tenancyPermissionFeatures = [
  permissionPlugin,
  tenancyPolicy,
  authWithActors,
];

/** userInfo as the catalog would resolve it: each user owns through the groups listed for them. */
export const userInfoByTeam = (groups: Record<string, string[]>) =>
  createServiceFactory({
    service: coreServices.userInfo,
    deps: {},
    factory: () => ({
      async getUserInfo(credentials) {
        const { userEntityRef } =
          credentials.principal as BackstageUserPrincipal;
        return {
          userEntityRef,
          ownershipEntityRefs: [
            userEntityRef,
            ...(groups[userEntityRef] ?? []),
          ],
        };
      },
    }),
  });
