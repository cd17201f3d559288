import { renderInTestApp } from '@backstage/frontend-test-utils';
import { fireEvent, screen, within } from '@testing-library/react';
import { MlApi, mlApiRef } from '../../api/MlApi';
import { ExperimentsTab } from './ExperimentsTab';
import { experiment, makeHistory, makeRun } from './testData';

const runs = [
  makeRun({
    runId: 'r1',
    runName: 'bold-owl',
    metrics: { auc: 0.91, loss: 0.3 },
    params: { lr: '0.01', epochs: '10' },
  }),
  makeRun({
    runId: 'r2',
    runName: 'calm-fox',
    metrics: { auc: 0.85, loss: 0.4 },
    params: { lr: '0.1', epochs: '10' },
  }),
];

function renderCompare(query: string) {
  const api: Partial<MlApi> = {
    getExperiment: async () => experiment,
    getRun: async runId => runs.find(run => run.info.runId === runId)!,
    getMetricHistory: jest.fn(async ({ runId, key }) =>
      makeHistory(runId, key, [0.5, NaN, 0.7, Infinity, 0.8]),
    ),
    // The cost of a model the user may not read shows as a dash.
    getLoggedModelCost: async () => {
      throw new Error('forbidden');
    },
    listRunLoggedModels: async runId =>
      runId === 'r1'
        ? [
            {
              modelId: `m-${'b'.repeat(32)}`,
              experimentId: '7',
              name: 'owl-model',
              artifactUri: 'mlflow-artifacts:/7/models/m/artifacts',
              status: 'LOGGED_MODEL_UPLOAD_FAILED',
              creationTimestamp: 1,
              lastUpdatedTimestamp: 1,
              tags: [],
              params: [],
              metrics: [],
            },
          ]
        : [],
  };
  return {
    api,
    ...renderInTestApp(<ExperimentsTab />, {
      mountPath: '/ml/experiments',
      initialRouteEntries: [`/ml/experiments/7/compare?runs=${query}`],
      apis: [[mlApiRef, api]],
    }),
  };
}

describe('ComparePage', () => {
  it('draws one chart per metric with a line per run', async () => {
    const { api } = renderCompare('r1,r2');

    const auc = await screen.findByRole('figure', { name: 'chart of auc' });
    expect(
      screen.getByRole('figure', { name: 'chart of loss' }),
    ).toBeInTheDocument();
    expect(await within(auc).findByText('bold-owl')).toBeInTheDocument();
    expect(within(auc).getByText('calm-fox')).toBeInTheDocument();
    expect(auc.querySelectorAll('.recharts-line')).toHaveLength(2);
    for (const runId of ['r1', 'r2']) {
      for (const key of ['auc', 'loss']) {
        expect(api.getMetricHistory).toHaveBeenCalledWith({
          runId,
          key,
          maxPoints: 1000,
        });
      }
    }
  });

  it("lists each run's logged models", async () => {
    renderCompare('r1,r2');
    // Only bold-owl logged one: calm-fox's part says so instead of a table.
    const tables = await screen.findAllByRole('table', {
      name: 'logged models',
    });
    expect(tables).toHaveLength(1);
    expect(within(tables[0]).getByText('owl-model')).toBeInTheDocument();
    expect(within(tables[0]).getByText('Upload failed')).toBeInTheDocument();
    expect(
      await screen.findByText('This run logged no MLflow 3 models.'),
    ).toBeInTheDocument();
  });

  it('offers the x axis, smoothing and log scale for the charts', async () => {
    renderCompare('r1,r2');

    const step = await screen.findByRole('button', { name: 'Step' });
    const relative = screen.getByRole('button', { name: 'Relative time' });
    expect(step).toHaveAttribute('aria-pressed', 'true');
    fireEvent.click(relative);
    expect(relative).toHaveAttribute('aria-pressed', 'true');
    expect(step).toHaveAttribute('aria-pressed', 'false');

    expect(screen.getByText('Smoothing 0.00')).toBeInTheDocument();
    expect(
      screen.getByRole('slider', { name: 'Smoothing 0.00' }),
    ).toHaveAttribute('aria-valuemax', '0.99');

    const logScale = screen.getByLabelText('Log scale');
    expect(logScale).not.toBeChecked();
    fireEvent.click(logScale);
    expect(logScale).toBeChecked();
  });

  it('highlights the params that differ and can show only those', async () => {
    renderCompare('r1,r2');

    const params = await screen.findByRole('table', {
      name: 'parameter differences',
    });
    const row = (key: string) => within(params).getByText(key).closest('tr')!;
    expect(row('lr')).toHaveAttribute('data-differs', 'true');
    expect(row('epochs')).toHaveAttribute('data-differs', 'false');
    expect(within(row('lr')).getByText('0.1')).toBeInTheDocument();

    fireEvent.click(screen.getByLabelText('Only differences (1 of 2)'));
    expect(within(params).queryByText('epochs')).not.toBeInTheDocument();
    expect(within(params).getByText('lr')).toBeInTheDocument();

    const metrics = screen.getByRole('table', { name: 'metric differences' });
    expect(within(metrics).getByText('0.91')).toBeInTheDocument();
  });

  it('asks for two to thirty runs', async () => {
    renderCompare('r1');
    expect(
      await screen.findByText('Choose 2 to 30 runs to compare'),
    ).toBeInTheDocument();
  });
});
