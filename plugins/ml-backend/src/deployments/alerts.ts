import { LoggerService } from '@backstage/backend-plugin-api';
import { DeploymentAlerts } from './ports';

/**
 * Alerts as warnings in the backend's log, for installs without the notifications
 * backend; the endpoint's timeline always has the event.
 *
 * @internal
 */
export function loggedAlerts(logger: LoggerService): DeploymentAlerts {
  return {
    async notify(alert) {
      logger.warn(`${alert.title}: ${alert.description}`, {
        owner: alert.owner,
        endpoint: alert.endpoint,
      });
    },
  };
}
