import { renderInTestApp } from '@backstage/frontend-test-utils';
import { fireEvent, screen, within } from '@testing-library/react';
import { MlApi, mlApiRef } from '../../api/MlApi';
import { rootRouteRef } from '../../routes';
import { ReadinessPage } from './ReadinessPage';
import { churnReadiness, draftReadiness } from './testData';

function renderPage(api: Partial<MlApi>) {
  return renderInTestApp(<ReadinessPage />, {
    mountedRoutes: { '/ml': rootRouteRef },
    apis: [[mlApiRef, api]],
  });
}

const rowsOf = (name: string) =>
  within(screen.getByRole('table', { name }))
    .getAllByRole('row')
    .slice(1)
    .map(r => r.textContent);

describe('ReadinessPage', () => {
  it('lists models in production with their score and failing checks, and all models on request', async () => {
    await renderPage({
      getReadinessOverview: async () => [churnReadiness, draftReadiness],
    });

    await screen.findByRole('table', { name: "models' readiness" });
    expect(rowsOf("models' readiness")).toEqual([
      'churngrowth3yes1/4Deployed with monitoring and drift thresholds; Cost within budget',
    ]);
    expect(screen.getByRole('link', { name: 'churn' })).toHaveAttribute(
      'href',
      '/ml/models/churn',
    );
    expect(rowsOf('failing checks')).toEqual([
      'Deployed with monitoring and drift thresholds1churn',
      'Cost within budget1churn',
    ]);

    fireEvent.click(
      screen.getByRole('checkbox', { name: 'Only models in production' }),
    );
    expect(rowsOf("models' readiness")).toEqual([
      'churngrowth3yes1/4Deployed with monitoring and drift thresholds; Cost within budget',
      'draftgrowthno0/1Cost within budget',
    ]);
    expect(rowsOf('failing checks')).toEqual([
      'Cost within budget2churn, draft',
      'Deployed with monitoring and drift thresholds1churn',
    ]);
  });

  it('says when no model fails a check', async () => {
    await renderPage({
      getReadinessOverview: async () => [
        { ...churnReadiness, checks: [churnReadiness.checks[0]] },
      ],
    });
    expect(
      await screen.findByText('No model fails a check.'),
    ).toBeInTheDocument();
  });
});
