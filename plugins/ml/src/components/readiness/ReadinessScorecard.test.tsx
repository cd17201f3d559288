import { Entity } from '@backstage/catalog-model';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { screen, within } from '@testing-library/react';
import { MlApi, mlApiRef } from '../../api/MlApi';
import { rootRouteRef } from '../../routes';
import { ReadinessEntityCard } from './ReadinessEntityCard';
import { ReadinessScorecard } from './ReadinessScorecard';
import { churnReadiness } from './testData';

function render(element: JSX.Element, api: Partial<MlApi>) {
  return renderInTestApp(element, {
    mountedRoutes: { '/ml': rootRouteRef },
    apis: [[mlApiRef, api]],
  });
}

describe('ReadinessScorecard', () => {
  it('shows the score and each check with its fact, linking failing ones to their fix', async () => {
    const api = {
      getModelReadiness: jest.fn(async () => churnReadiness),
    } satisfies Partial<MlApi>;
    await render(<ReadinessScorecard name="churn" />, api);

    expect(
      await screen.findByText('1 of 4 checks pass for version 3'),
    ).toBeInTheDocument();
    expect(api.getModelReadiness).toHaveBeenCalledWith('churn');
    const table = screen.getByRole('table', { name: 'readiness checks' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map(r => r.textContent)).toEqual([
      'Tracked with params and metricsPassrun r3 logged 4 params and 2 metrics',
      'Artifact location and encryptionUnknownlies on an S3-compatible serviceFix artifact location and encryption',
      'Deployed with monitoring and drift thresholdsFailchurn-live samples no traffic for driftFix deployed with monitoring and drift thresholds',
      'Cost within budgetFailgroup:default/growth has no budgetFix cost within budget',
    ]);
    expect(
      within(rows[2]).getByRole('link', {
        name: 'Fix deployed with monitoring and drift thresholds',
      }),
    ).toHaveAttribute('href', '/ml/deployments/churn-live');
    expect(within(rows[3]).getByRole('link')).toHaveAttribute(
      'href',
      '/ml/cost?team=group%3Adefault%2Fgrowth',
    );
    // A fix without a page is plain text.
    expect(within(rows[1]).queryByRole('link')).toBeNull();
  });

  it('says when the scorecard could not be loaded', async () => {
    await render(<ReadinessScorecard name="churn" />, {
      getModelReadiness: async () => {
        throw new Error('backend unreachable');
      },
    });
    expect(
      await screen.findByText(/Could not load the readiness checks/),
    ).toBeInTheDocument();
  });
});

describe('ReadinessEntityCard', () => {
  it('shows the scorecard of the model its entity names', async () => {
    const entity: Entity = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Resource',
      metadata: {
        name: 'model-churn',
        annotations: { 'ml.platform/model': 'churn' },
      },
      spec: { type: 'ml-model', owner: 'group:default/growth' },
    };
    const api = {
      getModelReadiness: jest.fn(async () => churnReadiness),
    } satisfies Partial<MlApi>;
    await render(
      <EntityProvider entity={entity}>
        <ReadinessEntityCard />
      </EntityProvider>,
      api,
    );

    expect(
      await screen.findByText('1 of 4 checks pass for version 3'),
    ).toBeInTheDocument();
    expect(api.getModelReadiness).toHaveBeenCalledWith('churn');
    expect(screen.getByText('Production readiness')).toBeInTheDocument();
  });
});
