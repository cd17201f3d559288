import {
  BackstageUserPrincipal,
  coreServices,
  createBackendModule,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import permissionPlugin from '@backstage/plugin-permission-backend';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { mockAuthWithActors } from '@ml-portal/plugin-ml-node/testUtils';
import { MlTenancyPolicy, readTenancySettings } from '../shared/tenancy';

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
  mockAuthWithActors,
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

/** The teams and people tenancy tests use, as the catalog names them. */
export const PLATFORM = 'group:default/ml-platform';
export const RECSYS = 'group:default/recsys';
export const VISION = 'group:default/vision';
/** A platform-team member. */
export const PAT = 'user:default/pat';
/** A member of recsys. */
export const BOB = 'user:default/bob';
