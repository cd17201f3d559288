import { renderInTestApp } from '@backstage/frontend-test-utils';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { SearchRunsRequest } from '@ml-portal/plugin-ml-common';
import { MlApi, mlApiRef } from '../../api/MlApi';
import { badRequest } from '../common/testData';
import { ExperimentsTab } from './ExperimentsTab';
import { experiment, makeHistory, makeRun } from './testData';

const runs = [
  makeRun({
    runId: 'r1',
    runName: 'bold-owl',
    metrics: { auc: 0.91234567, 'val-loss': NaN, f1: 0.8, recall: 0.7 },
    params: { lr: '0.01', epochs: '10', batch: '64', dropout: '0.1' },
  }),
  makeRun({
    runId: 'r2',
    runName: 'calm-fox',
    status: 'FAILED',
    metrics: { auc: 0.85, 'val-loss': Infinity },
    params: { lr: '0.1', epochs: '10' },
  }),
];

function renderExperiment(searchRuns: MlApi['searchRuns']) {
  const api: Partial<MlApi> = {
    getExperiment: async () => experiment,
    searchRuns,
    getRun: async runId => runs.find(run => run.info.runId === runId)!,
    getMetricHistory: async ({ runId, key }) => makeHistory(runId, key),
  };
  return renderInTestApp(<ExperimentsTab />, {
    mountPath: '/ml/experiments',
    initialRouteEntries: ['/ml/experiments/7'],
    apis: [[mlApiRef, api]],
  });
}

const columnHeaders = () =>
  within(screen.getByRole('table', { name: 'runs' }))
    .getAllByRole('columnheader')
    .map(cell => cell.textContent);

describe('ExperimentPage', () => {
  it('shows the metrics and params that differ between runs first, with their values', async () => {
    await renderExperiment(async () => ({ items: runs }));

    expect(
      await screen.findByRole('link', { name: 'bold-owl' }),
    ).toHaveAttribute('href', '/ml/experiments/7/runs/r1');
    // Differing keys first (auc, val-loss; lr), then the rest by name; epochs is 10 in
    // both runs, so it waits behind keys only one run has.
    expect(columnHeaders()).toEqual([
      '',
      'Run',
      'Status',
      'Start time',
      'Duration',
      'User',
      'auc',
      'val-loss',
      'f1',
      'lr',
      'batch',
      'dropout',
    ]);
    expect(screen.getByText('0.912346')).toBeInTheDocument();
    expect(screen.getByText('Failed')).toBeInTheDocument();
    expect(screen.getAllByText('3m 12s')).toHaveLength(2);
    expect(
      screen.getByText('churn-model', { selector: 'p' }),
    ).toBeInTheDocument();
  });

  it('orders the search by the clicked column, quoting special keys', async () => {
    const searchRuns = jest.fn(async (_request: SearchRunsRequest) => ({
      items: runs,
    }));
    await renderExperiment(searchRuns);
    await screen.findByRole('link', { name: 'bold-owl' });
    const lastOrder = () => searchRuns.mock.lastCall![0].orderBy;

    fireEvent.click(screen.getByRole('button', { name: 'auc' }));
    await waitFor(() => expect(lastOrder()).toEqual(['metrics.auc DESC']));
    await screen.findByRole('link', { name: 'bold-owl' });
    fireEvent.click(screen.getByRole('button', { name: 'auc' }));
    await waitFor(() => expect(lastOrder()).toEqual(['metrics.auc ASC']));
    await screen.findByRole('link', { name: 'bold-owl' });

    fireEvent.click(screen.getByRole('button', { name: 'lr' }));
    await waitFor(() => expect(lastOrder()).toEqual(['params.lr ASC']));
    await screen.findByRole('link', { name: 'bold-owl' });

    fireEvent.click(screen.getByRole('button', { name: 'Start time' }));
    await waitFor(() =>
      expect(lastOrder()).toEqual(['attributes.start_time DESC']),
    );
    await screen.findByRole('link', { name: 'bold-owl' });

    // Choose one more column.
    fireEvent.mouseDown(screen.getByLabelText(/Metric columns/));
    fireEvent.click(
      within(await screen.findByRole('listbox')).getByText('recall'),
    );
    fireEvent.keyDown(screen.getByRole('listbox'), { key: 'Escape' });
    expect(
      await screen.findByRole('button', { name: 'recall' }),
    ).toBeInTheDocument();
    // val-loss needs backticks in the grammar.
    expect(await screen.findByText('NaN')).toBeInTheDocument();
    expect(screen.getByText('∞')).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'val-loss' }));
    await waitFor(() =>
      expect(lastOrder()).toEqual(['metrics.`val-loss` DESC']),
    );
  });

  it("shows the server's filter error under the filter box", async () => {
    const searchRuns = jest.fn(async (request: SearchRunsRequest) => {
      if (request.filter) {
        throw await badRequest("Invalid comparator '=~' for metric auc");
      }
      return { items: runs };
    });
    await renderExperiment(searchRuns);
    await screen.findByRole('link', { name: 'bold-owl' });

    const box = screen.getByLabelText('Filter runs');
    fireEvent.change(box, { target: { value: 'metrics.auc =~ 1' } });
    fireEvent.keyDown(box, { key: 'Enter' });

    expect(
      await screen.findByText("Invalid comparator '=~' for metric auc"),
    ).toBeInTheDocument();
    expect(box).toHaveAttribute('aria-invalid', 'true');
    expect(box).toHaveValue('metrics.auc =~ 1');
    expect(searchRuns).toHaveBeenLastCalledWith(
      expect.objectContaining({
        experimentIds: ['7'],
        filter: 'metrics.auc =~ 1',
      }),
    );
    expect(screen.queryByText('Could not search runs')).not.toBeInTheDocument();
  });

  it('compares the selected runs', async () => {
    await renderExperiment(async () => ({ items: runs }));
    await screen.findByRole('link', { name: 'bold-owl' });
    const compare = screen.getByRole('button', { name: 'Compare (0)' });
    expect(compare).toBeDisabled();

    fireEvent.click(screen.getByRole('checkbox', { name: 'select bold-owl' }));
    expect(screen.getByRole('button', { name: 'Compare (1)' })).toBeDisabled();
    fireEvent.click(screen.getByRole('checkbox', { name: 'select calm-fox' }));
    fireEvent.click(screen.getByRole('button', { name: 'Compare (2)' }));

    expect(await screen.findByText('Compare 2 runs')).toBeInTheDocument();
  });
});
