import { renderInTestApp } from '@backstage/frontend-test-utils';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { CatalogDataset } from '@ml-portal/plugin-ml-common';
import { MlApi, mlApiRef } from '../../api/MlApi';
import { rootRouteRef } from '../../routes';
import { DatasetsTab } from './DatasetsTab';
import { mockReactFlowDom } from './reactFlowTestEnv';
import { versionGraph } from './testData';

const trips: CatalogDataset = {
  id: 'ds 1/eu',
  name: 'trips',
  digest: 'a1b2c3',
  sourceType: 's3',
  source: 's3://data/trips.parquet',
  schema: '{"mlflow_colspec":[{"name":"fare","type":"double"}]}',
  owner: 'group:default/growth',
  residency: 'eu',
  createdAt: Date.UTC(2026, 10, 1),
};

function renderDatasets(api: Partial<MlApi>, url = '/ml/datasets') {
  return renderInTestApp(<DatasetsTab />, {
    mountPath: '/ml/datasets',
    initialRouteEntries: [url],
    mountedRoutes: { '/ml': rootRouteRef },
    apis: [[mlApiRef, api]],
  });
}

describe('DatasetsTab', () => {
  beforeAll(mockReactFlowDom);

  it('lists datasets linking to their pages, and searches on the server', async () => {
    const listDatasets = jest.fn(async (request?: { q?: string }) =>
      request?.q ? [] : [trips],
    );
    await renderDatasets({ listDatasets });

    const table = await screen.findByRole('table', { name: 'datasets' });
    expect(within(table).getByRole('link', { name: 'trips' })).toHaveAttribute(
      'href',
      '/ml/datasets/ds%201%2Feu',
    );
    expect(table).toHaveTextContent('s3: s3://data/trips.parquet');
    expect(table).toHaveTextContent('eu');

    fireEvent.change(screen.getByLabelText('Search'), {
      target: { value: ' rides ' },
    });
    expect(await screen.findByText('No dataset matches.')).toBeInTheDocument();
    expect(listDatasets).toHaveBeenLastCalledWith({ q: 'rides' });
  });

  it('explains how datasets get recorded when there is none', async () => {
    await renderDatasets({ listDatasets: async () => [] });
    expect(await screen.findByText('No datasets yet')).toBeInTheDocument();
    await waitFor(() =>
      expect(document.body.textContent).toContain('mlflow.log_input(dataset'),
    );
  });

  it('shows a dataset with its schema and lineage', async () => {
    const api = {
      getDataset: jest.fn(async () => trips),
      getLineage: jest.fn(async () => ({
        ...versionGraph,
        root: 'dataset:ds-1',
      })),
    } satisfies Partial<MlApi>;
    await renderDatasets(api, '/ml/datasets/ds%201%2Feu');

    expect(await screen.findByLabelText('schema')).toHaveTextContent(
      '"name": "fare"',
    );
    expect(api.getDataset).toHaveBeenCalledWith('ds 1/eu');
    expect(screen.getByRole('link', { name: 'Datasets' })).toHaveAttribute(
      'href',
      '/ml/datasets',
    );
    await screen.findByRole('figure', { name: 'lineage graph' });
    expect(api.getLineage).toHaveBeenCalledWith({
      kind: 'dataset',
      id: 'ds 1/eu',
      direction: 'both',
      depth: 3,
    });
  });
});
