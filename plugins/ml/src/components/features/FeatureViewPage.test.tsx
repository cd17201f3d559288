import { renderInTestApp } from '@backstage/frontend-test-utils';
import { screen, within } from '@testing-library/react';
import { FeatureViewDetails } from '@ml-portal/plugin-ml-common';
import { MlApi, mlApiRef } from '../../api/MlApi';
import { rootRouteRef } from '../../routes';
import { FeaturesTab } from './FeaturesTab';
import {
  customerProfile,
  driverStatsDetails,
  entities,
  sources,
} from './testData';

function viewApi(details: FeatureViewDetails | Error) {
  return {
    getFeatureView: jest.fn(async () => {
      if (details instanceof Error) throw details;
      return details;
    }),
    listFeatureEntities: jest.fn(async () => entities),
    listFeatureSources: jest.fn(async () => sources),
    getLineage: jest.fn(async () => ({
      root: 'feature_view:driver_ranking/driver_hourly_stats',
      nodes: [],
      edges: [],
      truncated: false,
    })),
  } satisfies Partial<MlApi>;
}

function renderView(
  api: Partial<MlApi>,
  url = '/ml/features/views/driver_ranking/driver_hourly_stats',
) {
  return renderInTestApp(<FeaturesTab />, {
    mountPath: '/ml/features',
    initialRouteEntries: [url],
    mountedRoutes: { '/ml': rootRouteRef },
    apis: [[mlApiRef, api]],
  });
}

describe('FeatureViewPage', () => {
  it('shows the header, freshness and schema of the view', async () => {
    const api = viewApi(driverStatsDetails);
    await renderView(api);

    expect(
      await screen.findByText('Hourly trip statistics per driver'),
    ).toBeInTheDocument();
    expect(api.getFeatureView).toHaveBeenCalledWith(
      'driver_ranking',
      'driver_hourly_stats',
    );
    expect(screen.getByText('mobility')).toBeInTheDocument();
    expect(screen.getByText('team=mobility')).toBeInTheDocument();
    expect(screen.getByText('online, offline')).toBeInTheDocument();
    expect(
      await screen.findByText('s3://features/driver_stats.parquet'),
    ).toBeInTheDocument();
    expect(
      screen.getByText('(BATCH_FILE,', { exact: false }),
    ).toBeInTheDocument();
    expect(screen.getByText('driver_stats_push')).toBeInTheDocument();
    expect(
      screen.getByLabelText('freshness: fresh, 3h 00m old, SLO 1d 00h'),
    ).toBeInTheDocument();
    expect(screen.getByText('1d 00h (its TTL)')).toBeInTheDocument();
    expect(screen.queryByText(/Stale:/)).not.toBeInTheDocument();

    const schema = screen.getByRole('table', { name: 'schema' });
    const convRate = within(schema).getByText('conv_rate').closest('tr')!;
    expect(convRate).toHaveTextContent('FLOAT');
    expect(convRate).toHaveTextContent('Share of offers accepted');
    expect(
      within(schema).getByText('avg_daily_trips').closest('tr'),
    ).toHaveTextContent('INT64pii=false');
    expect(within(schema).getAllByRole('row')).toHaveLength(6);
  });

  it('shows the join keys of its entities, its services and its version history', async () => {
    await renderView(viewApi(driverStatsDetails));

    const entityTable = await screen.findByRole('table', { name: 'entities' });
    expect(
      await within(entityTable).findByText('driver_id'),
    ).toBeInTheDocument();
    expect(
      within(screen.getByRole('list', { name: 'feature services' })).getByText(
        'driver_activity_v1',
      ),
    ).toBeInTheDocument();

    const versions = screen.getByRole('table', { name: 'version history' });
    const rows = within(versions).getAllByRole('row').slice(1);
    expect(
      rows.map(row => (row as HTMLTableRowElement).cells[0].textContent),
    ).toEqual(['v3', 'v2', 'v1']);
    expect(rows[0]).toHaveTextContent('ttl 12h → 1d; feature rating added');
  });

  it('links the runs, jobs and model versions that used it, and draws its lineage', async () => {
    const api = viewApi(driverStatsDetails);
    await renderView(api);

    const usedBy = await screen.findByRole('table', { name: 'used by' });
    expect(
      within(usedBy).getByRole('link', { name: 'eager-owl-42' }),
    ).toHaveAttribute('href', '/ml/experiments/7/runs/run-abc');
    expect(
      within(usedBy).getByRole('link', { name: 'train-ranker' }),
    ).toHaveAttribute('href', '/ml/training/jobs/job-1');
    const modelVersion = within(usedBy).getByRole('link', {
      name: 'driver-ranker v4',
    });
    expect(modelVersion).toHaveAttribute(
      'href',
      '/ml/models/driver-ranker/versions/4',
    );
    expect(modelVersion.closest('tr')).toHaveTextContent('Model version');
    expect(api.getLineage).toHaveBeenCalledWith(
      expect.objectContaining({
        kind: 'feature_view',
        id: 'driver_ranking/driver_hourly_stats',
      }),
    );
    // A node without a page is named, not linked.
    expect(within(usedBy).getByText('deleted-run')).toBeInTheDocument();
    expect(
      within(usedBy).queryByRole('link', { name: 'deleted-run' }),
    ).not.toBeInTheDocument();
  });

  it('warns when the view is stale', async () => {
    await renderView(
      viewApi({ ...customerProfile, versions: [], services: [], usedBy: [] }),
      '/ml/features/views/fraud/customer_profile',
    );

    const warning = await screen.findByText(/Stale:/);
    expect(warning.closest('[role="alert"]')).toHaveTextContent(
      'Stale: its data is 1d 03h old, beyond the allowed 6h 00m',
    );
    expect(
      screen.getByLabelText('freshness: stale, 1d 03h old, SLO 6h 00m'),
    ).toBeInTheDocument();
    expect(
      screen.getByText('No feature service includes it.'),
    ).toBeInTheDocument();
    expect(
      screen.getByText('Nothing recorded as reading it yet.'),
    ).toBeInTheDocument();
  });

  it('decodes the project and name from the URL, and shows a missing view as an error', async () => {
    const api = viewApi(new Error('feature view a b/x not found'));
    await renderView(api, '/ml/features/views/a%20b/x');

    expect(
      await screen.findByText('Error: Could not load the feature view'),
    ).toBeInTheDocument();
    expect(api.getFeatureView).toHaveBeenCalledWith('a b', 'x');
    expect(screen.getByRole('link', { name: 'Features' })).toHaveAttribute(
      'href',
      '/ml/features',
    );
    expect(screen.getByRole('link', { name: 'a b' })).toHaveAttribute(
      'href',
      '/ml/features?project=a%20b',
    );
  });
});
