import { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';

export interface Config {
  catalog?: {
    providers?: {
      /**
       * The ML platform's entity provider (`@ml-portal/plugin-catalog-backend-module-ml`):
       * registered models, feature views and datasets as `Resource` entities.
       */
      mlPlatform?: {
        /** Publish ML assets into the catalog. Defaults to true. */
        enabled?: boolean;
        /**
         * How often the assets are read from the ml backend. Defaults to every 30 seconds
         * with a 2 minute timeout.
         */
        schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
      };
    };
  };
}
