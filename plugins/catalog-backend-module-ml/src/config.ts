import {
  RootConfigService,
  SchedulerServiceTaskScheduleDefinition,
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
} from '@backstage/backend-plugin-api';

/** @internal */
export type MlProviderConfig = {
  enabled: boolean;
  schedule: SchedulerServiceTaskScheduleDefinition;
  /** `app.baseUrl`: the entities link to the ML pages of the frontend. */
  appBaseUrl: string;
};

const DEFAULT_SCHEDULE: SchedulerServiceTaskScheduleDefinition = {
  frequency: { seconds: 30 },
  timeout: { minutes: 2 },
};

/**
 * Reads `catalog.providers.mlPlatform` (see config.d.ts).
 *
 * @internal
 */
export function readMlProviderConfig(
  config: RootConfigService,
): MlProviderConfig {
  const section = config.getOptionalConfig('catalog.providers.mlPlatform');
  const scheduleConfig = section?.getOptionalConfig('schedule');
  return {
    enabled: section?.getOptionalBoolean('enabled') ?? true,
    schedule: scheduleConfig
      ? readSchedulerServiceTaskScheduleDefinitionFromConfig(scheduleConfig)
      : DEFAULT_SCHEDULE,
    appBaseUrl: config.getString('app.baseUrl'),
  };
}
