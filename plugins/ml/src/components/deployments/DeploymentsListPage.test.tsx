import { renderInTestApp } from '@backstage/frontend-test-utils';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { MlApi, mlApiRef } from '../../api/MlApi';
import { rootRouteRef } from '../../routes';
import { DeploymentsTab } from './DeploymentsTab';
import { makeDeployment, makeEndpoint } from './testData';

function renderList(listEndpoints: MlApi['listEndpoints']) {
  return renderInTestApp(<DeploymentsTab />, {
    mountPath: '/ml/deployments',
    initialRouteEntries: ['/ml/deployments'],
    mountedRoutes: { '/ml': rootRouteRef },
    apis: [[mlApiRef, { listEndpoints }]],
  });
}

const pinnedBatch = makeEndpoint({
  name: 'fraud-scoring',
  owner: 'group:default/risk',
  modelName: 'fraud',
  followsAlias: undefined,
  kind: 'batch',
  target: 'kubernetes',
  status: 'FAILED',
  statusReason: 'model server did not start',
  deployments: [makeDeployment({ version: '7', state: 'failed' })],
  canary: undefined,
  stats: { requestsPerMinute: 0, errorRate: 0 },
});

describe('DeploymentsListPage', () => {
  it('lists endpoints with what they serve, their traffic, status and the last minutes', async () => {
    await renderList(async () => [makeEndpoint(), pinnedBatch]);

    const table = await screen.findByRole('table', { name: 'endpoints' });
    const [churn, fraud] = within(table).getAllByRole('row').slice(1);
    expect(
      within(churn).getByRole('link', { name: 'churn-prod' }),
    ).toHaveAttribute('href', '/ml/deployments/churn-prod');
    expect(within(churn).getByRole('link', { name: 'churn' })).toHaveAttribute(
      'href',
      '/ml/models/churn',
    );
    const cells = (row: HTMLElement) =>
      [...(row as HTMLTableRowElement).cells].map(cell => cell.textContent);
    expect(cells(churn)).toEqual([
      'churn-prod',
      'growth',
      'churnfollows production',
      'real-time',
      'local',
      'v2 90% · v3 10% canary',
      'ready',
      '42.5/min',
      '1.2%',
      '104 ms',
    ]);
    expect(cells(fraud)).toEqual([
      'fraud-scoring',
      'risk',
      'fraudpinned to v7',
      'batch',
      'kubernetes',
      'v7 100%',
      'failed',
      '0/min',
      '0.0%',
      '—',
    ]);
  });

  it("asks for one team's endpoints, completing the group ref", async () => {
    const listEndpoints = jest.fn(async (request?: { owner?: string }) =>
      request?.owner ? [pinnedBatch] : [makeEndpoint(), pinnedBatch],
    );
    await renderList(listEndpoints);
    await screen.findByRole('link', { name: 'churn-prod' });

    fireEvent.change(screen.getByLabelText('Owner'), {
      target: { value: 'risk' },
    });
    await waitFor(() =>
      expect(screen.queryByRole('link', { name: 'churn-prod' })).toBeNull(),
    );
    expect(listEndpoints).toHaveBeenLastCalledWith({
      owner: 'group:default/risk',
    });
    expect(
      screen.getByRole('link', { name: 'fraud-scoring' }),
    ).toBeInTheDocument();
  });

  it('says how to deploy when there is no endpoint', async () => {
    await renderList(async () => []);

    expect(await screen.findByText('No endpoints yet')).toBeInTheDocument();
    expect(
      screen.getByText(/Deploy a model version from its page/),
    ).toBeInTheDocument();
    await waitFor(() =>
      expect(document.body.textContent).toContain(
        '/api/ml/deployments/endpoints',
      ),
    );
  });
});
