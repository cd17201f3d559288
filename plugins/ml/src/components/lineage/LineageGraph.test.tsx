import { renderInTestApp } from '@backstage/frontend-test-utils';
import { ResponseError } from '@backstage/errors';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { useLocation } from 'react-router-dom';
import { MlApi, mlApiRef } from '../../api/MlApi';
import { rootRouteRef } from '../../routes';
import { LineageGraph } from './LineageGraph';
import { mockReactFlowDom } from './reactFlowTestEnv';
import { versionGraph } from './testData';

function Location() {
  return <div data-testid="location">{useLocation().pathname}</div>;
}

function renderGraph(getLineage: MlApi['getLineage']) {
  return renderInTestApp(
    <>
      <LineageGraph node={{ kind: 'model_version', id: 'mv-3' }} />
      <Location />
    </>,
    {
      mountedRoutes: { '/ml': rootRouteRef },
      initialRouteEntries: ['/ml/models/churn/versions/3'],
      apis: [[mlApiRef, { getLineage }]],
    },
  );
}

async function choose(label: string, option: string) {
  fireEvent.mouseDown(screen.getByLabelText(label));
  fireEvent.click(within(await screen.findByRole('listbox')).getByText(option));
}

function notFound(): Promise<ResponseError> {
  return ResponseError.fromResponse({
    ok: false,
    status: 404,
    statusText: 'Not Found',
    url: 'http://localhost:7007/api/ml/lineage',
    headers: new Headers({ 'content-type': 'application/json' }),
    redirected: false,
    type: 'basic',
    text: async () =>
      JSON.stringify({
        error: { name: 'NotFoundError', message: 'No lineage' },
        request: { method: 'GET', url: '/api/ml/lineage' },
        response: { statusCode: 404 },
      }),
  } as Response);
}

describe('LineageGraph', () => {
  beforeAll(mockReactFlowDom);

  it('draws every node with its kind, links known ones to their pages, and the root as plain text', async () => {
    const getLineage = jest.fn(async () => versionGraph);
    await renderGraph(getLineage);

    const figure = await screen.findByRole('figure', { name: 'lineage graph' });
    expect(getLineage).toHaveBeenCalledWith({
      kind: 'model_version',
      id: 'mv-3',
      direction: 'both',
      depth: 3,
    });
    const links = within(figure)
      .getAllByRole('link')
      .map(link => [link.textContent, link.getAttribute('href')]);
    expect(links).toEqual(
      expect.arrayContaining([
        ['bold-owl', '/ml/experiments/7/runs/r1'],
        ['churn-holdout', '/ml/datasets/ds-2'],
        ['usage', '/ml/features/views/growth/usage'],
        ['churn-train', '/ml/training/jobs/job-1'],
      ]),
    );
    // The root is this page; the deployment has no record to open.
    expect(within(figure).queryByRole('link', { name: 'churn v3' })).toBeNull();
    expect(
      within(figure).queryByRole('link', { name: 'churn-prod' }),
    ).toBeNull();
    const unknown = screen.getByTestId('lineage-node-deployment:dep-1');
    expect(unknown).toHaveTextContent('Deployment');
    expect(unknown).toHaveTextContent('no record');
    expect(screen.getByTestId('lineage-node-dataset:ds-1')).toHaveTextContent(
      'a1b2c3 · growth',
    );
  });

  it('opens a node’s page when its box is clicked, but not an unknown node’s', async () => {
    await renderGraph(async () => versionGraph);
    const run = await screen.findByTestId('lineage-node-run:r1');

    fireEvent.click(screen.getByTestId('lineage-node-deployment:dep-1'));
    expect(screen.getByTestId('location')).toHaveTextContent(
      '/ml/models/churn/versions/3',
    );

    fireEvent.click(run);
    await waitFor(() =>
      expect(screen.getByTestId('location')).toHaveTextContent(
        '/ml/experiments/7/runs/r1',
      ),
    );
  });

  it('asks again with the chosen depth and direction, and says when the graph was cut', async () => {
    const getLineage = jest.fn(async () => ({
      ...versionGraph,
      truncated: true,
    }));
    await renderGraph(getLineage);
    expect(
      await screen.findByText(/The graph is cut at 3 hops/),
    ).toBeInTheDocument();

    await choose('Depth', '5');
    await choose('Direction', 'Upstream (made from)');

    await waitFor(() =>
      expect(getLineage).toHaveBeenLastCalledWith({
        kind: 'model_version',
        id: 'mv-3',
        direction: 'upstream',
        depth: 5,
      }),
    );
    expect(
      await screen.findByText(/The graph is cut at 5 hops/),
    ).toBeInTheDocument();
  });

  it('explains how lineage gets recorded when there is none', async () => {
    await renderGraph(() => notFound().then(e => Promise.reject(e)));
    expect(
      await screen.findByText('No lineage recorded yet'),
    ).toBeInTheDocument();
  });

  it('shows other failures', async () => {
    await renderGraph(async () => {
      throw new Error('backend down');
    });
    expect(
      await screen.findByText(/Could not load the lineage/),
    ).toBeInTheDocument();
  });
});
