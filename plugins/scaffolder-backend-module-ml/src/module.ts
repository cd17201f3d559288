import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { createMlActions } from './actions';
import { MlPortalClient } from './MlPortalClient';

/**
 * Scaffolder module with the ML platform's actions (`ml:*`). Each calls the ml plugin's
 * API with a token on behalf of the user who started the template, so the portal's
 * own tenancy and permission checks decide what a template may do.
 *
 * @public
 */
export const scaffolderModuleMl = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'ml',
  register(reg) {
    reg.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        config: coreServices.rootConfig,
        discovery: coreServices.discovery,
        auth: coreServices.auth,
        userInfo: coreServices.userInfo,
        catalog: catalogServiceRef,
      },
      async init({ scaffolder, config, discovery, auth, userInfo, catalog }) {
        scaffolder.addActions(
          ...createMlActions({
            client: new MlPortalClient({ discovery, auth }),
            userInfo,
            catalog,
            appBaseUrl: config.getString('app.baseUrl'),
            localPublishDirectory: config.getOptionalString(
              'ml.scaffolder.localPublishDirectory',
            ),
          }),
        );
      },
    });
  },
});
