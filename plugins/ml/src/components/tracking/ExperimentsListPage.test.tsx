import { renderInTestApp } from '@backstage/frontend-test-utils';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { ExperimentSummary, Page } from '@ml-portal/plugin-ml-common';
import { MlApi, mlApiRef } from '../../api/MlApi';
import { ExperimentsTab } from './ExperimentsTab';
import { experiment } from './testData';

function summary(id: string, name: string, owner: string): ExperimentSummary {
  return {
    ...experiment,
    experimentId: id,
    name,
    owner,
    runCount: Number(id) * 10,
    lastRunStartTime: Date.UTC(2025, 0, 3),
  };
}

function renderList(listExperiments: MlApi['listExperiments']) {
  return renderInTestApp(<ExperimentsTab />, {
    mountPath: '/ml/experiments',
    initialRouteEntries: ['/ml/experiments'],
    apis: [[mlApiRef, { listExperiments }]],
  });
}

describe('ExperimentsListPage', () => {
  it('lists experiments with owner and run count, and pages by token', async () => {
    const pages: Record<string, Page<ExperimentSummary>> = {
      first: {
        items: [
          summary('1', 'churn-model', 'group:default/growth'),
          summary('2', 'fraud-detector', 'group:default/risk'),
        ],
        nextPageToken: 'page-2',
      },
      'page-2': { items: [summary('3', 'ranker', 'group:default/search')] },
    };
    const listExperiments = jest.fn(
      async (request: { pageToken?: string }) =>
        pages[request.pageToken ?? 'first'],
    );
    await renderList(listExperiments);

    const link = await screen.findByRole('link', { name: 'churn-model' });
    expect(link).toHaveAttribute('href', '/ml/experiments/1');
    expect(screen.getByText('group:default/risk')).toBeInTheDocument();
    expect(screen.getByText('20')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Previous' })).toBeDisabled();

    fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    expect(await screen.findByText('ranker')).toBeInTheDocument();
    expect(screen.queryByText('churn-model')).not.toBeInTheDocument();
    expect(listExperiments).toHaveBeenLastCalledWith(
      expect.objectContaining({ pageToken: 'page-2', maxResults: 25 }),
    );
    expect(screen.getByRole('button', { name: 'Next' })).toBeDisabled();

    fireEvent.click(screen.getByRole('button', { name: 'Previous' }));
    expect(await screen.findByText('churn-model')).toBeInTheDocument();
    expect(listExperiments).toHaveBeenLastCalledWith(
      expect.objectContaining({ pageToken: undefined }),
    );
  });

  it('starts a new search from the first page', async () => {
    const listExperiments = jest.fn(async () => ({
      items: [summary('1', 'churn-model', 'group:default/growth')],
      nextPageToken: 'page-2',
    }));
    await renderList(listExperiments);
    fireEvent.click(await screen.findByRole('button', { name: 'Next' }));
    await waitFor(() =>
      expect(listExperiments).toHaveBeenLastCalledWith(
        expect.objectContaining({ pageToken: 'page-2' }),
      ),
    );
    expect(await screen.findByText('Page 2')).toBeInTheDocument();

    fireEvent.change(screen.getByLabelText('Filter'), {
      target: { value: "name LIKE '%churn%'" },
    });
    fireEvent.keyDown(screen.getByLabelText('Filter'), { key: 'Enter' });
    await waitFor(() =>
      expect(listExperiments).toHaveBeenLastCalledWith(
        expect.objectContaining({
          filter: "name LIKE '%churn%'",
          pageToken: undefined,
        }),
      ),
    );
    // The stale page's token was never sent with the new filter.
    expect(listExperiments).not.toHaveBeenCalledWith(
      expect.objectContaining({
        filter: "name LIKE '%churn%'",
        pageToken: 'page-2',
      }),
    );
    expect(await screen.findByText('Page 1')).toBeInTheDocument();

    // A new page size starts from the first page too.
    fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    expect(await screen.findByText('Page 2')).toBeInTheDocument();
    fireEvent.mouseDown(screen.getByLabelText('Rows'));
    fireEvent.click(within(await screen.findByRole('listbox')).getByText('50'));
    await waitFor(() =>
      expect(listExperiments).toHaveBeenLastCalledWith(
        expect.objectContaining({ maxResults: 50, pageToken: undefined }),
      ),
    );
    expect(await screen.findByText('Page 1')).toBeInTheDocument();
  });

  it('passes the MLflow filter and the owner to the search', async () => {
    const listExperiments = jest.fn(async () => ({
      items: [summary('1', 'churn-model', 'group:default/growth')],
    }));
    await renderList(listExperiments);
    await screen.findByText('churn-model');

    fireEvent.change(screen.getByLabelText('Filter'), {
      target: { value: "name LIKE '%churn%'" },
    });
    fireEvent.keyDown(screen.getByLabelText('Filter'), { key: 'Enter' });
    await waitFor(() =>
      expect(listExperiments).toHaveBeenLastCalledWith(
        expect.objectContaining({ filter: "name LIKE '%churn%'" }),
      ),
    );

    const owner = await screen.findByLabelText('Owner');
    fireEvent.change(owner, { target: { value: 'group:default/growth' } });
    fireEvent.keyDown(owner, { key: 'Enter' });
    await waitFor(() =>
      expect(listExperiments).toHaveBeenLastCalledWith(
        expect.objectContaining({
          filter: "name LIKE '%churn%'",
          owner: 'group:default/growth',
        }),
      ),
    );
  });

  it('tells how to log from MLflow when there is no experiment', async () => {
    const { container } = await renderList(async () => ({ items: [] }));

    expect(await screen.findByText('No experiments yet')).toBeInTheDocument();
    await waitFor(() =>
      expect(container.textContent).toContain(
        'MLFLOW_TRACKING_URI=http://localhost:7007/api/ml/mlflow',
      ),
    );
    expect(container.textContent).toContain('mlflow.set_experiment("my-exp")');
  });
});
