import { renderInTestApp } from '@backstage/frontend-test-utils';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { MlApi, mlApiRef } from '../../api/MlApi';
import { rootRouteRef } from '../../routes';
import { badRequest } from '../common/testData';
import { ModelsTab } from './ModelsTab';
import { churn, makeVersion } from './testData';

function renderList(listModels: MlApi['listModels']) {
  return renderInTestApp(<ModelsTab />, {
    mountPath: '/ml/models',
    initialRouteEntries: ['/ml/models'],
    mountedRoutes: { '/ml': rootRouteRef },
    apis: [[mlApiRef, { listModels }]],
  });
}

const spaced = {
  ...churn,
  name: 'team/fraud model',
  owner: 'group:risk/fraud',
  aliases: [],
  latestVersions: [makeVersion({ name: 'team/fraud model', version: '12' })],
};

describe('ModelsListPage', () => {
  it('lists models with owner, latest version, aliases and last update', async () => {
    await renderList(async () => ({ items: [churn, spaced] }));

    const table = await screen.findByRole('table', { name: 'models' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(
      within(rows[0]).getByRole('link', { name: 'churn' }),
    ).toHaveAttribute('href', '/ml/models/churn');
    // The newest of the latest versions, by number.
    expect(
      within(rows[0]).getByRole('link', { name: 'Version 3' }),
    ).toHaveAttribute('href', '/ml/models/churn/versions/3');
    expect(rows[0]).toHaveTextContent('growth');
    expect(within(rows[0]).getByText('production → v2')).toBeInTheDocument();
    expect(within(rows[0]).getByText('staging → v3')).toBeInTheDocument();

    // Names with slashes and spaces stay one path segment.
    expect(
      within(rows[1]).getByRole('link', { name: 'team/fraud model' }),
    ).toHaveAttribute('href', '/ml/models/team%2Ffraud%20model');
    expect(
      within(rows[1]).getByRole('link', { name: 'Version 12' }),
    ).toHaveAttribute('href', '/ml/models/team%2Ffraud%20model/versions/12');
    expect(rows[1]).toHaveTextContent('risk/fraud');
  });

  it('explains how to register a model when there is none', async () => {
    await renderList(async () => ({ items: [] }));

    expect(
      await screen.findByText('No registered models yet'),
    ).toBeInTheDocument();
    await waitFor(() =>
      expect(document.body.textContent).toContain(
        'mlflow.register_model("runs:/<run_id>/model", "churn-classifier")',
      ),
    );
    expect(screen.getByText(/press Register model/)).toBeInTheDocument();
  });

  it('searches names on the server and shows a bad filter under the box', async () => {
    const listModels = jest.fn(
      async (request: { filter?: string }): ReturnType<MlApi['listModels']> => {
        if (request.filter?.startsWith('tags.')) {
          throw await badRequest("Invalid clause 'tags.team ='");
        }
        return { items: request.filter ? [] : [churn] };
      },
    );
    await renderList(listModels);
    await screen.findByRole('link', { name: 'churn' });

    fireEvent.change(screen.getByLabelText('Search'), {
      target: { value: 'fraud' },
    });
    expect(await screen.findByText('No model matches.')).toBeInTheDocument();
    expect(listModels).toHaveBeenLastCalledWith({
      filter: "name LIKE '%fraud%'",
      maxResults: 25,
      pageToken: undefined,
    });

    fireEvent.change(screen.getByLabelText('Search'), {
      target: { value: 'tags.team = ' },
    });
    expect(
      await screen.findByText("Invalid clause 'tags.team ='"),
    ).toBeInTheDocument();
    await waitFor(() =>
      expect(screen.queryByRole('table', { name: 'models' })).toBeNull(),
    );
  });
});
