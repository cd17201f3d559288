import { renderInTestApp } from '@backstage/frontend-test-utils';
import { screen, within } from '@testing-library/react';
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
  };
}

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
});
