import { renderInTestApp } from '@backstage/frontend-test-utils';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { EndpointDetails } from '@ml-portal/plugin-ml-common';
import { MlApi, mlApiRef } from '../../api/MlApi';
import { rootRouteRef } from '../../routes';
import { badRequest } from '../common/testData';
import { makeMonitoring } from '../monitoring/testData';
import { churnDetails } from '../registry/testData';
import { DeploymentsTab } from './DeploymentsTab';
import {
  endpointMetrics,
  makeDeployment,
  makeEndpointDetails,
  runningCanary,
} from './testData';

/** The endpoint's API; `after` is what the endpoint is once an action succeeded. */
function endpointApi(
  details: EndpointDetails = makeEndpointDetails(),
  after: EndpointDetails = details,
) {
  let current = details;
  const acted = async () => {
    current = after;
    return after;
  };
  return {
    getEndpoint: jest.fn(async (_name: string) => current),
    getEndpointMetrics: jest.fn(async () => endpointMetrics),
    getEndpointMonitoring: jest.fn(async () => makeMonitoring()),
    promoteCanary: jest.fn(acted),
    abortCanary: jest.fn(acted),
    rollbackEndpoint: jest.fn(acted),
    deployVersion: jest.fn(acted),
    deleteEndpoint: jest.fn(async () => {}),
    listEndpoints: jest.fn(async () => []),
    getModel: jest.fn(async () => churnDetails()),
  } satisfies Partial<MlApi>;
}

function renderEndpoint(api: Partial<MlApi>) {
  return renderInTestApp(<DeploymentsTab />, {
    mountPath: '/ml/deployments',
    initialRouteEntries: ['/ml/deployments/churn-prod'],
    mountedRoutes: { '/ml': rootRouteRef },
    apis: [[mlApiRef, api]],
  });
}

const cellsOf = (row: HTMLElement) =>
  [...(row as HTMLTableRowElement).cells].map(cell => cell.textContent);

/** Clicks `button`, then the dialog's `confirm`. */
async function confirm(button: string, confirmLabel: string) {
  fireEvent.click(await screen.findByRole('button', { name: button }));
  const dialog = await screen.findByRole('dialog');
  fireEvent.click(within(dialog).getByRole('button', { name: confirmLabel }));
  return dialog;
}

const settled = makeEndpointDetails({
  canary: undefined,
  canaries: [
    {
      ...runningCanary,
      status: 'PROMOTED',
      decidedAt: runningCanary.startedAt + 1_800_000,
    },
  ],
  deployments: [makeDeployment({ version: '3' })],
});

describe('EndpointPage', () => {
  it('shows the traffic split, the canary with its verdict and numbers, deployments, events and how to score', async () => {
    const api = endpointApi();
    await renderEndpoint(api);

    const stable = await screen.findByRole('progressbar', {
      name: 'v2 stable traffic',
    });
    expect(stable).toHaveAttribute('aria-valuenow', '90');
    expect(
      screen.getByRole('progressbar', { name: 'v3 canary traffic' }),
    ).toHaveAttribute('aria-valuenow', '10');

    const canary = screen.getByRole('region', { name: 'canary' });
    expect(canary).toHaveTextContent(
      'Version 3 at 10% beside version 2: running',
    );
    expect(canary).toHaveTextContent('Waiting: canary has 120 of 200 requests');
    expect(canary).toHaveTextContent(
      '120 canary and 1080 stable requests of 200 needed each',
    );
    // 120 of 200 requests by the version with fewer.
    expect(
      within(canary).getByRole('progressbar', { name: 'canary requests' }),
    ).toHaveAttribute('aria-valuenow', '60');
    const analysis = within(canary).getByRole('table', {
      name: 'canary analysis',
    });
    const rows = within(analysis).getAllByRole('row');
    expect(cellsOf(rows[0])).toEqual([
      'Measure',
      'Canary v3',
      'Stable v2',
      'Threshold',
    ]);
    expect(cellsOf(rows[1])).toEqual([
      'Requests',
      '120',
      '1080',
      'at least 200 each',
    ]);
    expect(cellsOf(rows[2])).toEqual([
      'Error rate',
      '2.5%',
      '1.0%',
      'at most stable + 2.0 pts (3.0%)',
    ]);
    expect(cellsOf(rows[3])).toEqual([
      'p95 latency',
      '130 ms',
      '100 ms',
      'at most stable × 1.5 (150 ms)',
    ]);

    const deployments = screen.getByRole('table', { name: 'deployments' });
    // v1 started cold once: the column is there.
    expect(
      within(deployments).getByRole('columnheader', {
        name: 'Last cold start',
      }),
    ).toBeInTheDocument();
    const deploymentRows = within(deployments).getAllByRole('row').slice(1);
    expect(deploymentRows.map(row => cellsOf(row).slice(0, 6))).toEqual([
      ['v2', 'stable', '90%', 'ready', '—', '—'],
      ['v3', 'canary', '10%', 'ready', '—', '—'],
      ['v1', 'retired', '—', 'retired', 'replaced by version 2', '8s'],
    ]);
    expect(
      within(deploymentRows[2]).getByRole('link', { name: 'v1' }),
    ).toHaveAttribute('href', '/ml/models/churn/versions/1');

    // Newest first.
    const events = within(
      screen.getByRole('table', { name: 'events' }),
    ).getAllByRole('row');
    expect(events[1]).toHaveTextContent('Canary of version 3 at 10%');
    expect(events[2]).toHaveTextContent('Created following production');

    expect(screen.getByRole('link', { name: 'its pipeline' })).toHaveAttribute(
      'href',
      '/ml/deployments/pipelines/churn',
    );
    expect(document.body.textContent).toContain(
      'churn (follows production, its pipeline)',
    );
    // The router's last five minutes, all versions together.
    expect(
      screen.getByText('42.5/min, 1.2% errors, p95 104 ms (last 5 minutes)'),
    ).toBeInTheDocument();

    const url = 'http://localhost:7007/api/ml/serving/churn-prod/invocations';
    expect(screen.getByText(url)).toBeInTheDocument();
    // The snippet's highlighter loads lazily.
    await waitFor(() =>
      expect(document.body.textContent).toContain(`curl -X POST "${url}"`),
    );
    // One row over the served version's features, from its feature profile.
    await waitFor(() =>
      expect(document.body.textContent).toContain(
        '{"dataframe_split":{"columns":["age","plan","tenure"],"data":[[0,0,0]]}}',
      ),
    );

    expect(
      await screen.findByRole('figure', { name: 'Latency per version' }),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('figure', { name: 'Error rate per version' }),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('figure', { name: 'GPU utilisation per version' }),
    ).toBeInTheDocument();
    expect(api.getEndpoint).toHaveBeenCalledWith('churn-prod');
    expect(api.getEndpointMetrics).toHaveBeenCalledWith({
      endpoint: 'churn-prod',
      minutes: 60,
    });
  });

  it('leaves out the cold-start column where no version started cold', async () => {
    await renderEndpoint(endpointApi(makeEndpointDetails({ history: [] })));

    const deployments = await screen.findByRole('table', {
      name: 'deployments',
    });
    expect(
      within(deployments).getByRole('columnheader', { name: 'Retired' }),
    ).toBeInTheDocument();
    expect(
      within(deployments).queryByRole('columnheader', {
        name: 'Last cold start',
      }),
    ).not.toBeInTheDocument();
  });

  it('promotes the canary after a confirmation and shows the endpoint as it is then', async () => {
    const api = endpointApi(makeEndpointDetails(), settled);
    await renderEndpoint(api);

    await confirm('Promote', 'Promote');
    await waitFor(() =>
      expect(screen.getByRole('region', { name: 'canary' })).toHaveTextContent(
        'Version 3 at 10% beside version 2: promoted',
      ),
    );
    expect(api.promoteCanary).toHaveBeenCalledWith('churn-prod');
    expect(screen.queryByRole('button', { name: 'Promote' })).toBeNull();
  });

  it('aborts the canary, and rolls back to the previous version', async () => {
    const api = endpointApi();
    await renderEndpoint(api);

    await confirm('Abort', 'Abort canary');
    await waitFor(() =>
      expect(api.abortCanary).toHaveBeenCalledWith('churn-prod'),
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());

    await confirm('Roll back to v1', 'Roll back');
    await waitFor(() =>
      expect(api.rollbackEndpoint).toHaveBeenCalledWith('churn-prod'),
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });

  it("shows the server's refusal in the dialog", async () => {
    const api = {
      ...endpointApi(),
      promoteCanary: jest.fn(async () => {
        throw await badRequest('No canary runs on churn-prod');
      }),
    };
    await renderEndpoint(api);

    const dialog = await confirm('Promote', 'Promote');
    expect(
      await within(dialog).findByText('No canary runs on churn-prod'),
    ).toBeInTheDocument();
  });

  it('deploys another version as a canary at the chosen share', async () => {
    const stableOnly = makeEndpointDetails({
      canary: undefined,
      deployments: [makeDeployment({ version: '2' })],
    });
    const api = endpointApi(stableOnly);
    await renderEndpoint(api);

    fireEvent.click(
      await screen.findByRole('button', { name: 'Deploy version' }),
    );
    const dialog = await screen.findByRole('dialog');
    // The newest version the endpoint does not serve yet.
    await waitFor(() =>
      expect(within(dialog).getByLabelText('Version')).toHaveTextContent(
        'Version 3',
      ),
    );
    fireEvent.change(within(dialog).getByLabelText(/Canary traffic/), {
      target: { value: '25' },
    });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Deploy' }));

    await waitFor(() =>
      expect(api.deployVersion).toHaveBeenCalledWith({
        endpoint: 'churn-prod',
        version: '3',
        strategy: 'canary',
        canary: { percent: 25 },
      }),
    );
    expect(api.getModel).toHaveBeenCalledWith('churn');
  });

  it('deletes the endpoint after a confirmation and returns to the list', async () => {
    const api = endpointApi(settled);
    await renderEndpoint(api);

    await confirm('Delete', 'Delete endpoint');
    expect(await screen.findByText('No endpoints yet')).toBeInTheDocument();
    expect(api.deleteEndpoint).toHaveBeenCalledWith('churn-prod');
  });

  it('disables every change for a caller who may not update the endpoint', async () => {
    await renderEndpoint(
      endpointApi(makeEndpointDetails({ canUpdate: false })),
    );

    for (const name of [
      'Promote',
      'Abort',
      'Roll back to v1',
      'Deploy version',
      'Delete',
    ]) {
      expect(await screen.findByRole('button', { name })).toBeDisabled();
    }
  });

  it('scores a dataset with a batch endpoint as a job', async () => {
    const api = {
      ...endpointApi(
        makeEndpointDetails({
          kind: 'batch',
          url: undefined,
          canary: undefined,
          deployments: [makeDeployment({ version: '2' })],
        }),
      ),
      startBatchRun: jest.fn(async () => ({ jobId: 'job-9' })),
    };
    await renderEndpoint(api);

    fireEvent.click(
      await screen.findByRole('button', { name: 'Score a dataset' }),
    );
    const dialog = await screen.findByRole('dialog');
    const start = within(dialog).getByRole('button', { name: 'Start' });
    expect(start).toBeDisabled();
    fireEvent.change(within(dialog).getByLabelText('Input dataset'), {
      target: { value: 'customers-2026-12' },
    });
    fireEvent.change(within(dialog).getByLabelText('Output location'), {
      target: { value: 's3://out/scores.parquet ' },
    });
    fireEvent.click(start);

    await waitFor(() =>
      expect(api.startBatchRun).toHaveBeenCalledWith({
        endpoint: 'churn-prod',
        input: 'customers-2026-12',
        output: 's3://out/scores.parquet',
      }),
    );
  });
});
