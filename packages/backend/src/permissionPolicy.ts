import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import {
  MlTenancyPolicy,
  readTenancySettings,
} from '@ml-portal/plugin-ml-backend';

/**
 * Installs the portal's policy in the permission backend: the ML tenancy rules
 * (`MlTenancyPolicy`, configured under `ml.permissions`) for signed-in users; other
 * plugins' permissions are allowed. The ml plugin applies the same rules to service
 * tokens and anonymous MLflow clients, which never reach a policy.
 */
export const permissionModuleMlPlatformPolicy = createBackendModule({
  pluginId: 'permission',
  moduleId: 'ml-platform-policy',
  register(reg) {
    reg.registerInit({
      deps: { policy: policyExtensionPoint, config: coreServices.rootConfig },
      async init({ policy, config }) {
        policy.setPolicy(new MlTenancyPolicy(readTenancySettings(config)));
      },
    });
  },
});
