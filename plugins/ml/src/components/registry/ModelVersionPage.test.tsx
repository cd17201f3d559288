import { renderInTestApp } from '@backstage/frontend-test-utils';
import { screen, within } from '@testing-library/react';
import { MlApi, mlApiRef } from '../../api/MlApi';
import { rootRouteRef } from '../../routes';
import { mockReactFlowDom } from '../lineage/reactFlowTestEnv';
import { versionGraph } from '../lineage/testData';
import { ModelsTab } from './ModelsTab';
import { version3 } from './testData';

function renderVersion(api: Partial<MlApi>, url: string) {
  return renderInTestApp(<ModelsTab />, {
    mountPath: '/ml/models',
    initialRouteEntries: [url],
    mountedRoutes: { '/ml': rootRouteRef },
    apis: [[mlApiRef, api]],
  });
}

describe('ModelVersionPage', () => {
  beforeAll(mockReactFlowDom);

  it('shows where the version came from, its metrics, promotions, audit and lineage', async () => {
    const api = {
      getModelVersion: jest.fn(async () => version3),
      getLineage: jest.fn(async () => versionGraph),
    } satisfies Partial<MlApi>;
    await renderVersion(api, '/ml/models/churn/versions/3');

    const metrics = await screen.findByRole('table', { name: 'metrics' });
    expect(metrics).toHaveTextContent('recall0.62');
    expect(metrics).toHaveTextContent('val_auc0.91');
    expect(
      screen.getAllByRole('link', { name: 'bold-owl' })[0],
    ).toHaveAttribute('href', '/ml/experiments/7/runs/r3');
    expect(screen.getByText('staging')).toBeInTheDocument();
    expect(
      screen.getByText('mlflow-artifacts:/7/r3/artifacts/model'),
    ).toBeInTheDocument();

    // Requests are decided on the model's page, which the version page links to.
    const pending = screen.getByRole('region', {
      name: 'request production to version 3',
    });
    expect(within(pending).queryByRole('button')).toBeNull();
    expect(screen.getByRole('link', { name: "model's page" })).toHaveAttribute(
      'href',
      '/ml/models/churn',
    );
    expect(
      screen.getByRole('table', { name: 'audit trail' }),
    ).toHaveTextContent('From run r3');

    const graph = await screen.findByRole('figure', { name: 'lineage graph' });
    expect(within(graph).getByText('churn-holdout')).toBeInTheDocument();
    expect(api.getLineage).toHaveBeenCalledWith({
      kind: 'model_version',
      id: 'mv-3',
      direction: 'both',
      depth: 3,
    });
  });

  it('asks for a version of a model whose name holds a slash and a space', async () => {
    const api = {
      getModelVersion: jest.fn(async () => ({
        ...version3,
        name: 'team/fraud model',
      })),
      getLineage: jest.fn(async () => versionGraph),
    } satisfies Partial<MlApi>;
    await renderVersion(api, '/ml/models/team%2Ffraud%20model/versions/3');

    expect(
      await screen.findByRole('link', { name: 'team/fraud model' }),
    ).toHaveAttribute('href', '/ml/models/team%2Ffraud%20model');
    expect(screen.getByRole('link', { name: 'Models' })).toHaveAttribute(
      'href',
      '/ml/models',
    );
    expect(api.getModelVersion).toHaveBeenCalledWith({
      name: 'team/fraud model',
      version: '3',
    });
  });
});
