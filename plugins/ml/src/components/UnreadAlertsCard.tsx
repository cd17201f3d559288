import { InfoCard, Link, ResponseErrorPanel } from '@backstage/core-components';
import { useApiHolder } from '@backstage/frontend-plugin-api';
import {
  NotificationsApi,
  notificationsApiRef,
} from '@backstage/plugin-notifications';
import {
  Notification,
  NotificationSeverity,
} from '@backstage/plugin-notifications-common';
import {
  ML_NOTIFICATION_TOPICS,
  MlNotificationTopic,
} from '@ml-portal/plugin-ml-common';
import Button from '@mui/material/Button';
import Chip, { ChipProps } from '@mui/material/Chip';
import { useState } from 'react';
import { DataTable } from './common/DataTable';
import { formatTime } from './common/format';
import { Loaded } from './common/Loaded';
import { useLiveAsync } from './common/usePolledAsync';

/** The most the card lists; the notifications page has the rest. */
const SHOWN = 20;

const topicLabel: Record<MlNotificationTopic, string> = {
  [ML_NOTIFICATION_TOPICS.endpoints]: 'Endpoint',
  [ML_NOTIFICATION_TOPICS.budgets]: 'Budget',
  [ML_NOTIFICATION_TOPICS.promotions]: 'Promotion',
};

const severityColor: Record<NotificationSeverity, ChipProps['color']> = {
  critical: 'error',
  high: 'warning',
  normal: 'info',
  low: 'default',
};

/** The user's unread ML notifications, newest first, and how many there are. */
async function unreadAlerts(api: NotificationsApi) {
  // One topic per query is all the API filters on; the platform has three.
  const pages = await Promise.all(
    Object.values(ML_NOTIFICATION_TOPICS).map(topic =>
      api.getNotifications({
        topic,
        read: false,
        limit: SHOWN,
        sort: 'created',
        sortOrder: 'desc',
      }),
    ),
  );
  const created = (n: Notification) => new Date(n.created).getTime();
  return {
    total: pages.reduce((sum, page) => sum + page.totalCount, 0),
    alerts: pages
      .flatMap(page => page.notifications)
      .sort((a, b) => created(b) - created(a))
      .slice(0, SHOWN),
  };
}

function AlertsTable(props: { api: NotificationsApi }) {
  const { api } = props;
  const state = useLiveAsync(() => unreadAlerts(api), [api]);
  const [marking, setMarking] = useState<string>();
  const [markError, setMarkError] = useState<Error>();
  const markRead = async (id: string) => {
    setMarking(id);
    setMarkError(undefined);
    try {
      await api.updateNotifications({ ids: [id], read: true });
      state.retry();
    } catch (error) {
      setMarkError(error as Error);
    } finally {
      setMarking(undefined);
    }
  };
  return (
    <Loaded state={state} errorTitle="Could not read your notifications">
      {({ total, alerts }) => (
        <>
          {markError && (
            <ResponseErrorPanel
              error={markError}
              title="Could not mark the notification read"
            />
          )}
          <DataTable<Notification>
            label="unread ML notifications"
            rows={alerts}
            rowKey={n => n.id}
            empty="Nothing unread: alerts about your teams' endpoints and budgets, and promotion requests and decisions, appear here."
            emptyAs="text"
            columns={[
              {
                title: 'Severity',
                render: n => (
                  <Chip
                    size="small"
                    variant="outlined"
                    color={severityColor[n.payload.severity ?? 'normal']}
                    label={n.payload.severity ?? 'normal'}
                  />
                ),
              },
              {
                title: 'About',
                render: n =>
                  topicLabel[n.payload.topic as MlNotificationTopic] ??
                  n.payload.topic,
              },
              {
                title: `Alert (${total} unread)`,
                render: n =>
                  n.payload.link ? (
                    <Link to={n.payload.link}>{n.payload.title}</Link>
                  ) : (
                    n.payload.title
                  ),
                wrap: true,
              },
              {
                title: 'Detail',
                render: n => n.payload.description ?? '',
                wrap: true,
              },
              {
                title: 'When',
                render: n => formatTime(new Date(n.created).getTime()),
              },
              {
                title: '',
                render: n => (
                  <Button
                    size="small"
                    disabled={marking !== undefined}
                    onClick={() => markRead(n.id)}
                    aria-label={`mark '${n.payload.title}' read`}
                  >
                    Mark read
                  </Button>
                ),
              },
            ]}
          />
        </>
      )}
    </Loaded>
  );
}

/**
 * What is open for the signed-in user: their unread ML notifications (endpoint and
 * budget alerts to their teams, promotion requests they may decide and decisions on
 * theirs), each linking to its page. Left out where the app has no notifications
 * plugin.
 *
 * @internal
 */
export function UnreadAlertsCard() {
  const api = useApiHolder().get(notificationsApiRef);
  if (!api) return null;
  return (
    <InfoCard
      title="Your alerts"
      subheader="Unread notifications of the ML platform"
      deepLink={{ title: 'All notifications', link: '/notifications' }}
    >
      <AlertsTable api={api} />
    </InfoCard>
  );
}
