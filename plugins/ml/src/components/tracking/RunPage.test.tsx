import { renderInTestApp } from '@backstage/frontend-test-utils';
import { fireEvent, screen, within } from '@testing-library/react';
import { MlApi, mlApiRef } from '../../api/MlApi';
import { ExperimentsTab } from './ExperimentsTab';
import { experiment, makeHistory, makeRun } from './testData';

const run = makeRun({
  runId: 'r1',
  runName: 'bold-owl',
  metrics: { auc: 0.91, loss: -Infinity },
  params: { lr: '0.01', epochs: '10' },
  tags: { team: 'growth', 'mlflow.source.name': 'train.py' },
  datasetInputs: [
    {
      dataset: {
        name: 'churn-train',
        digest: 'a1b2c3',
        sourceType: 's3',
        source: 's3://data/churn.parquet',
      },
      tags: [{ key: 'mlflow.data.context', value: 'training' }],
    },
  ],
});

const artifacts: Record<
  string,
  Array<{ path: string; isDir: boolean; fileSize?: number }>
> = {
  '': [
    { path: 'notes.txt', isDir: false, fileSize: 11 },
    { path: 'model', isDir: true },
  ],
  model: [{ path: 'model/MLmodel', isDir: false, fileSize: 20 }],
};
const contents: Record<string, string> = {
  'notes.txt': 'hello world',
  'model/MLmodel': 'flavors:\n  sklearn: {}',
};

const loggedModel = {
  modelId: `m-${'a'.repeat(32)}`,
  experimentId: '7',
  name: 'classifier',
  artifactUri: `mlflow-artifacts:/7/models/m-${'a'.repeat(32)}/artifacts`,
  status: 'LOGGED_MODEL_READY' as const,
  modelType: 'sklearn',
  sourceRunId: 'r1',
  creationTimestamp: 1,
  lastUpdatedTimestamp: 2,
  step: 9,
  tags: [],
  params: [],
  metrics: [
    { key: 'auc', value: 0.5, timestamp: 1, step: 0, runId: 'r1' },
    {
      key: 'auc',
      value: 0.93,
      timestamp: 2,
      step: 9,
      runId: 'r1',
      datasetName: 'holdout',
    },
  ],
};

function renderRun(overrides: Partial<MlApi> = {}) {
  const api: Partial<MlApi> = {
    getExperiment: async () => experiment,
    getRun: async () => run,
    getMetricHistory: jest.fn(async ({ runId, key }) =>
      makeHistory(runId, key),
    ),
    listArtifacts: jest.fn(async ({ path }) => artifacts[path ?? '']),
    getArtifact: async ({ path }) => new Blob([contents[path]]),
    listRunLoggedModels: async () => [loggedModel],
    ...overrides,
  };
  return {
    api,
    ...renderInTestApp(<ExperimentsTab />, {
      mountPath: '/ml/experiments',
      initialRouteEntries: ['/ml/experiments/7/runs/r1'],
      apis: [[mlApiRef, api]],
    }),
  };
}

describe('RunPage', () => {
  beforeAll(() => {
    URL.createObjectURL = jest.fn(() => 'blob:preview');
    URL.revokeObjectURL = jest.fn();
  });

  it('shows the params, latest metrics with sparklines, tags and inputs', async () => {
    const { api } = renderRun();

    const params = await screen.findByRole('table', { name: 'parameters' });
    expect(within(params).getByText('lr')).toBeInTheDocument();
    expect(within(params).getByText('0.01')).toBeInTheDocument();

    const metrics = screen.getByRole('table', { name: 'metrics' });
    expect(within(metrics).getByText('0.91')).toBeInTheDocument();
    expect(within(metrics).getByText('−∞')).toBeInTheDocument();
    expect(api.getMetricHistory).toHaveBeenCalledWith({
      runId: 'r1',
      key: 'auc',
      maxPoints: 50,
    });
    expect(await screen.findByLabelText('auc history')).toBeInTheDocument();

    const tags = screen.getByRole('table', { name: 'tags' });
    expect(within(tags).getByText('growth')).toBeInTheDocument();
    expect(
      within(tags).queryByText('mlflow.source.name'),
    ).not.toBeInTheDocument();
    fireEvent.click(screen.getByLabelText('System tags (1)'));
    expect(within(tags).getByText('mlflow.source.name')).toBeInTheDocument();

    const inputs = screen.getByRole('table', { name: 'dataset inputs' });
    expect(within(inputs).getByText('churn-train')).toBeInTheDocument();
    expect(within(inputs).getByText('training')).toBeInTheDocument();
    expect(
      within(inputs).getByText('s3: s3://data/churn.parquet'),
    ).toBeInTheDocument();

    expect(screen.getByText('3m 12s')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'churn-model' })).toHaveAttribute(
      'href',
      '/ml/experiments/7',
    );
  });

  it("lists the run's MLflow 3 logged models with their latest metrics and cost", async () => {
    const getLoggedModelCost = jest.fn(async (modelId: string) => ({
      modelId,
      name: 'classifier',
      trainingMicros: 4_250_000,
      runs: [{ runId: 'r1', costMicros: 4_250_000 }],
    }));
    renderRun({ getLoggedModelCost });
    const models = await screen.findByRole('table', { name: 'logged models' });
    expect(within(models).getByText('classifier')).toBeInTheDocument();
    expect(within(models).getByText('Ready')).toBeInTheDocument();
    expect(
      within(models).getByText('auc=0.5, auc@holdout=0.93'),
    ).toBeInTheDocument();
    expect(await within(models).findByText('$4.25')).toBeInTheDocument();
    expect(getLoggedModelCost).toHaveBeenCalledWith(loggedModel.modelId);
  });

  it('browses the artifacts and previews text files', async () => {
    const { api } = renderRun();
    const list = await screen.findByRole('list', { name: 'artifacts' });

    fireEvent.click(within(list).getByText('notes.txt'));
    expect(
      await screen.findByLabelText('content of notes.txt'),
    ).toHaveTextContent('hello world');

    fireEvent.click(within(list).getByText('model'));
    const folder = await screen.findByRole('list', { name: 'artifacts' });
    expect(api.listArtifacts).toHaveBeenLastCalledWith({
      runId: 'r1',
      path: 'model',
    });
    fireEvent.click(await within(folder).findByText('MLmodel'));
    expect(
      await screen.findByLabelText('content of MLmodel'),
    ).toHaveTextContent('sklearn');
  });
});
