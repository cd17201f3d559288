import { LoggerService } from '@backstage/backend-plugin-api';
import { NotificationService } from '@backstage/plugin-notifications-node';
import { ML_NOTIFICATION_TOPICS } from '@ml-portal/plugin-ml-common';
import { mlNotifier } from '../shared/notify';
import { DeploymentAlerts } from './ports';

/**
 * Alerts to an endpoint's owner group as Backstage notifications (the group's members
 * see them in the portal), each linked to the endpoint's page, and as a warning in the
 * backend's log. A notification that cannot be sent (no notifications backend) is logged
 * and dropped: the endpoint's timeline always has the event.
 *
 * @internal
 */
export function endpointAlerts(options: {
  notifications: NotificationService;
  logger: LoggerService;
}): DeploymentAlerts {
  const { logger } = options;
  const notifier = mlNotifier(options);
  return {
    async notify(alert) {
      logger.warn(`${alert.title}: ${alert.description}`, {
        owner: alert.owner,
        endpoint: alert.endpoint,
      });
      await notifier.send({
        to: [alert.owner],
        payload: {
          title: alert.title,
          description: alert.description,
          link: `/ml/deployments/${encodeURIComponent(alert.endpoint)}`,
          severity: alert.severity,
          topic: ML_NOTIFICATION_TOPICS.endpoints,
          scope: `ml-endpoint:${alert.endpoint}`,
        },
      });
    },
  };
}
