import { renderInTestApp } from '@backstage/frontend-test-utils';
import {
  GetNotificationsOptions,
  NotificationsApi,
  notificationsApiRef,
} from '@backstage/plugin-notifications';
import { Notification } from '@backstage/plugin-notifications-common';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import {
  MlHealthResponse,
  PromotionRequest,
} from '@ml-portal/plugin-ml-common';
import { MlApi, mlApiRef } from '../api/MlApi';
import { rootRouteRef } from '../routes';
import { OverviewPage } from './OverviewPage';

function apiReturning(
  health: MlHealthResponse,
  targets: string[] = [],
  promotions: PromotionRequest[] = [],
): Partial<MlApi> & { listPromotions: jest.Mock } {
  return {
    getHealth: async () => health,
    listComputeTargets: async () => targets.map(id => ({ id })),
    listPromotions: jest.fn(async () => promotions),
    getMonitoringOverview: async () => [],
  };
}

/** The notifications backend as the user sees it: their notifications, filtered as it filters. */
function notificationsOf(notifications: Notification[]) {
  const matches = (n: Notification, o: GetNotificationsOptions = {}) =>
    (o.topic === undefined || n.payload.topic === o.topic) &&
    (o.read === undefined || Boolean(n.read) === o.read);
  return {
    getNotifications: jest.fn(async (options?: GetNotificationsOptions) => {
      const found = notifications.filter(n => matches(n, options));
      return {
        notifications: found.slice(0, options?.limit),
        totalCount: found.length,
      };
    }),
    updateNotifications: jest.fn(async ({ ids, read }) => {
      for (const n of notifications)
        if (ids.includes(n.id)) n.read = read ? new Date() : undefined;
      return notifications.filter(n => ids.includes(n.id));
    }),
  } satisfies Partial<NotificationsApi>;
}

const notification = (
  id: string,
  minutesAgo: number,
  payload: Partial<Notification['payload']>,
  read?: Date,
): Notification => ({
  id,
  user: 'user:default/mei.chen',
  origin: 'plugin:ml',
  created: new Date(Date.UTC(2026, 11, 4, 12) - minutesAgo * 60_000),
  read,
  payload: { title: id, severity: 'normal', ...payload },
});

const healthy: MlHealthResponse = {
  status: 'ok',
  database: { status: 'ok', latencyMs: 1.5, client: 'pg' },
  redis: { status: 'ok', latencyMs: 0.7, source: 'embedded' },
};

describe('OverviewPage', () => {
  it('shows each dependency with its latency and the registered targets', async () => {
    await renderInTestApp(<OverviewPage />, {
      apis: [[mlApiRef, apiReturning(healthy, ['local', 'kubernetes'])]],
    });

    expect(await screen.findByText('pg, 1.5 ms')).toBeInTheDocument();
    expect(
      screen.getByText('embedded redis-server, 0.7 ms'),
    ).toBeInTheDocument();
    expect(await screen.findByText('kubernetes')).toBeInTheDocument();
  });

  it('names the failing dependency and its error when degraded', async () => {
    await renderInTestApp(<OverviewPage />, {
      apis: [
        [
          mlApiRef,
          apiReturning({
            ...healthy,
            status: 'degraded',
            redis: {
              status: 'error',
              latencyMs: 2,
              source: 'config',
              message: 'connect ECONNREFUSED',
            },
          }),
        ],
      ],
    });

    expect(await screen.findByText('degraded')).toBeInTheDocument();
    expect(
      screen.getByText('configured URL: connect ECONNREFUSED'),
    ).toBeInTheDocument();
    expect(
      await screen.findByText(/No compute target is registered/),
    ).toBeInTheDocument();
  });

  it('lists the promotion requests the user may decide, linking to the model', async () => {
    const request: PromotionRequest = {
      id: 'p1',
      modelName: 'churn classifier',
      version: '3',
      alias: 'production',
      action: 'set',
      status: 'PENDING',
      requestedBy: 'user:default/mei.chen',
      requestedAt: Date.UTC(2026, 10, 23, 9),
      reason: 'Best AUC of the sweep',
      approverGroups: ['group:default/ml-platform'],
      metrics: { val_auc: 0.98 },
      gates: [
        {
          gate: { type: 'metric', metric: 'val_auc', op: '>=', threshold: 0.7 },
          passed: true,
          detail: 'val_auc 0.98 >= 0.7',
        },
        {
          gate: { type: 'metric', metric: 'val_loss', op: '<', threshold: 0.1 },
          passed: false,
          detail: 'val_loss 0.15 < 0.1',
        },
      ],
    };
    const api = apiReturning(healthy, [], [request]);
    await renderInTestApp(<OverviewPage />, {
      apis: [[mlApiRef, api]],
      mountedRoutes: { '/ml': rootRouteRef },
    });

    const table = await screen.findByRole('table', {
      name: 'promotions awaiting approval',
    });
    expect(api.listPromotions).toHaveBeenCalledWith({
      status: 'PENDING',
      mine: true,
    });
    expect(
      within(table).getByRole('link', { name: 'churn classifier' }),
    ).toHaveAttribute('href', '/ml/models/churn%20classifier');
    expect(within(table).getByText('1 failing')).toBeInTheDocument();
    expect(
      within(table).getByText('Best AUC of the sweep'),
    ).toBeInTheDocument();
  });

  it('says when nothing waits for the user', async () => {
    await renderInTestApp(<OverviewPage />, {
      apis: [[mlApiRef, apiReturning(healthy)]],
    });
    expect(
      await screen.findByText(/Nothing waits for you/),
    ).toBeInTheDocument();
  });

  it('lists the user’s unread ML alerts newest first, linked to their pages, and marks one read', async () => {
    const notifications = notificationsOf([
      notification('budget', 30, {
        title: 'group:default/recsys reached 100% of its 2026-12 GPU budget',
        description: 'group:default/recsys has spent $144.00',
        link: '/ml/cost?month=2026-12&team=group%3Adefault%2Frecsys',
        severity: 'critical',
        topic: 'ml-budgets',
      }),
      notification('request', 5, {
        title: "Approval requested: churn v3 → 'production'",
        link: '/ml/models/churn/versions/3',
        topic: 'ml-promotions',
      }),
      notification('rollback', 10, {
        title: 'Canary of churn v3 rolled back',
        link: '/ml/deployments/churn',
        severity: 'high',
        topic: 'ml-endpoints',
      }),
      notification(
        'seen',
        1,
        { title: 'Already read', topic: 'ml-endpoints' },
        new Date(),
      ),
      notification('catalog', 1, { title: 'Not ours', topic: 'catalog' }),
    ]);
    await renderInTestApp(<OverviewPage />, {
      apis: [
        [mlApiRef, apiReturning(healthy)],
        [notificationsApiRef, notifications],
      ],
    });

    const table = await screen.findByRole('table', {
      name: 'unread ML notifications',
    });
    expect(
      notifications.getNotifications.mock.calls.map(([o]) => o?.topic).sort(),
    ).toEqual(['ml-budgets', 'ml-endpoints', 'ml-promotions']);
    expect(
      notifications.getNotifications.mock.calls.every(([o]) => !o?.read),
    ).toBe(true);
    const rows = within(table).getAllByRole('row').slice(1);
    expect(
      rows.map(r => within(r).getAllByRole('cell')[1].textContent),
    ).toEqual(['Promotion', 'Endpoint', 'Budget']);
    expect(within(table).getByText('Alert (3 unread)')).toBeInTheDocument();
    expect(
      within(rows[0]).getByRole('link', {
        name: "Approval requested: churn v3 → 'production'",
      }),
    ).toHaveAttribute('href', '/ml/models/churn/versions/3');
    expect(within(rows[2]).getByText('critical')).toBeInTheDocument();
    expect(screen.queryByText('Already read')).not.toBeInTheDocument();
    expect(screen.queryByText('Not ours')).not.toBeInTheDocument();

    fireEvent.click(
      within(rows[1]).getByRole('button', {
        name: "mark 'Canary of churn v3 rolled back' read",
      }),
    );
    expect(notifications.updateNotifications).toHaveBeenCalledWith({
      ids: ['rollback'],
      read: true,
    });
    await waitFor(() =>
      expect(
        screen.queryByText('Canary of churn v3 rolled back'),
      ).not.toBeInTheDocument(),
    );
    expect(screen.getByText('Alert (2 unread)')).toBeInTheDocument();
  });

  it('says when nothing is unread, and leaves the card out where the app has no notifications', async () => {
    const { unmount } = await renderInTestApp(<OverviewPage />, {
      apis: [
        [mlApiRef, apiReturning(healthy)],
        [notificationsApiRef, notificationsOf([])],
      ],
    });
    expect(await screen.findByText(/Nothing unread/)).toBeInTheDocument();
    unmount();

    await renderInTestApp(<OverviewPage />, {
      apis: [[mlApiRef, apiReturning(healthy)]],
    });
    expect(await screen.findByText('Platform status')).toBeInTheDocument();
    expect(screen.queryByText('Your alerts')).not.toBeInTheDocument();
  });
});
