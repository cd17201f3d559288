/**
 * Topics of the ML platform's Backstage notifications: the backend sends under them and
 * the portal's Overview lists the signed-in user's unread ones.
 *
 * @public
 */
export const ML_NOTIFICATION_TOPICS = {
  /** An endpoint's rollbacks, failed starts, drift and SLO breaches, to its owner group. */
  endpoints: 'ml-endpoints',
  /** A team's spend crossing a budget threshold, to the team's group. */
  budgets: 'ml-budgets',
  /** Promotion requests to their approvers; decisions to the requester. */
  promotions: 'ml-promotions',
} as const;

/** @public */
export type MlNotificationTopic =
  (typeof ML_NOTIFICATION_TOPICS)[keyof typeof ML_NOTIFICATION_TOPICS];
