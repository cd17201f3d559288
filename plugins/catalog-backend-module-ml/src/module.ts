import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { readMlProviderConfig } from './config';
import { MlAssetEntityProvider } from './MlAssetEntityProvider';
import { MlModelRelationProcessor } from './MlModelRelationProcessor';

/**
 * Catalog module that publishes the ML platform's assets as catalog entities
 * (`catalog.providers.mlPlatform` in config) and relates entities annotated
 * `ml.platform/model` to their model's entity.
 *
 * @public
 */
export const catalogModuleMlAssets = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'ml-assets',
  register(reg) {
    reg.registerInit({
      deps: {
        catalog: catalogProcessingExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        discovery: coreServices.discovery,
        auth: coreServices.auth,
        scheduler: coreServices.scheduler,
      },
      async init({ catalog, config, logger, discovery, auth, scheduler }) {
        const { enabled, schedule, appBaseUrl } = readMlProviderConfig(config);
        if (!enabled) {
          logger.info(
            'ML assets are not published: catalog.providers.mlPlatform.enabled is false',
          );
          return;
        }
        catalog.addEntityProvider(
          new MlAssetEntityProvider({
            logger,
            discovery,
            auth,
            scheduler,
            schedule,
            appBaseUrl,
          }),
        );
        catalog.addProcessor(new MlModelRelationProcessor());
      },
    });
  },
});
