import { LoggerService } from '@backstage/backend-plugin-api';
import { MlNotificationTopic } from '@ml-portal/plugin-ml-common';
import {
  NotificationSendOptions,
  NotificationService,
} from '@backstage/plugin-notifications-node';

/** One notification of the platform: to entities (a group reaches its members). @internal */
export type MlNotification = {
  /** Group or user entity refs. */
  to: string[];
  /** Who caused it (a requester, an approver): left out of the recipients, they know. */
  except?: string;
  payload: NotificationSendOptions['payload'] & { topic: MlNotificationTopic };
};

/**
 * Sends the platform's notifications through Backstage's notifications backend. Never
 * throws: a notification that cannot be sent (no notifications backend, a catalog that
 * does not know the group) is logged and dropped, as the change it tells of has
 * happened and stays on its page.
 *
 * @internal
 */
export interface MlNotifier {
  send(notification: MlNotification): Promise<void>;
}

/** @internal */
export function mlNotifier(options: {
  notifications: NotificationService;
  logger: LoggerService;
}): MlNotifier {
  const { notifications, logger } = options;
  return {
    async send({ to, except, payload }) {
      const refs = [...new Set(to)];
      if (refs.length === 0) return;
      await notifications
        .send({
          recipients: {
            type: 'entity',
            entityRef: refs.length === 1 ? refs[0] : refs,
            ...(except && { excludeEntityRef: except }),
          },
          payload,
        })
        .catch(error =>
          logger.warn(
            `Could not notify ${refs.join(', ')} of '${payload.title}': ${
              error?.message ?? error
            }`,
          ),
        );
    },
  };
}

/** Sends nothing: for services built without notifications (tests, tools). @internal */
export const NO_NOTIFICATIONS: MlNotifier = { send: async () => {} };
