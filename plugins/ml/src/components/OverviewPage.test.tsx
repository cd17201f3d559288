import { renderInTestApp } from '@backstage/frontend-test-utils';
import { screen } from '@testing-library/react';
import { MlHealthResponse } from '@ml-portal/plugin-ml-common';
import { MlApi, mlApiRef } from '../api/MlApi';
import { OverviewPage } from './OverviewPage';

function apiReturning(
  health: MlHealthResponse,
  targets: string[] = [],
): Partial<MlApi> {
  return {
    getHealth: async () => health,
    listComputeTargets: async () => targets.map(id => ({ id })),
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
});
