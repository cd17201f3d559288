import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { createMlActions } from './actions';
import { MlPortalClient } from './MlPortalClient';

/** Where `ml:publish:local` writes; undefined (the action refuses) unless turned on. */
export function readLocalPublishDirectory(config: Config): string | undefined {
  const settings = config.getOptionalConfig('ml.scaffolder.localPublish');
  if (!settings?.getOptionalBoolean('enabled')) return undefined;
  return settings.getString('directory');
}

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
            localPublishDirectory: readLocalPublishDirectory(config),
          }),
        );
      },
    });
  },
});
