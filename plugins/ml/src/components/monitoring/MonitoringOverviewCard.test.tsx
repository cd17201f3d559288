import { renderInTestApp } from '@backstage/frontend-test-utils';
import { screen, within } from '@testing-library/react';
import { MlApi, mlApiRef } from '../../api/MlApi';
import { rootRouteRef } from '../../routes';
import { MonitoringOverviewCard } from './MonitoringOverviewCard';
import { monitoredEndpoints } from './testData';

function renderCard(api: Partial<MlApi>) {
  return renderInTestApp(<MonitoringOverviewCard />, {
    mountedRoutes: { '/ml': rootRouteRef },
    apis: [[mlApiRef, api]],
  });
}

describe('MonitoringOverviewCard', () => {
  it('lists the endpoints in breach or drifting, each linking to its page', async () => {
    await renderCard({ getMonitoringOverview: async () => monitoredEndpoints });

    const table = await screen.findByRole('table', {
      name: 'endpoints needing attention',
    });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toHaveTextContent(
      /^churn-prodchurngrowthdriftingdrift of age since /,
    );
    expect(rows[1]).toHaveTextContent(
      /^fraud-rtfraudriskbreachSLO error rate since /,
    );
    expect(
      within(rows[1]).getByRole('link', { name: 'fraud-rt' }),
    ).toHaveAttribute('href', '/ml/deployments/fraud-rt');
  });

  it('says all is well when no endpoint needs attention', async () => {
    await renderCard({ getMonitoringOverview: async () => [] });

    expect(
      await screen.findByText('All endpoints within their SLOs, no drift.'),
    ).toBeInTheDocument();
  });

  it('says when the overview could not be loaded', async () => {
    await renderCard({
      getMonitoringOverview: async () => {
        throw new Error('backend unreachable');
      },
    });

    expect(
      await screen.findByText(/Could not load the monitoring/),
    ).toBeInTheDocument();
  });
});
