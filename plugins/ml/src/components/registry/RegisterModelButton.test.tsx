import { renderInTestApp } from '@backstage/frontend-test-utils';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { useLocation } from 'react-router-dom';
import { MlApi, mlApiRef } from '../../api/MlApi';
import { rootRouteRef } from '../../routes';
import { RegisterModelButton } from './RegisterModelButton';
import { churn, makeVersion } from './testData';

function Location() {
  return <div data-testid="location">{useLocation().pathname}</div>;
}

function renderButton(api: Partial<MlApi>) {
  renderInTestApp(
    <>
      <RegisterModelButton runId="r9" />
      <Location />
    </>,
    {
      initialRouteEntries: ['/ml/experiments/7/runs/r9'],
      mountedRoutes: { '/ml': rootRouteRef },
      apis: [[mlApiRef, api]],
    },
  );
}

async function openDialog() {
  fireEvent.click(screen.getByRole('button', { name: 'Register model' }));
  return screen.findByRole('dialog');
}

describe('RegisterModelButton', () => {
  it('registers the run’s model under a new name and opens the new version', async () => {
    const api = {
      listModels: jest.fn(async () => ({ items: [churn] })),
      registerModelVersion: jest.fn(async () =>
        makeVersion({ name: 'team/fraud model', version: '1' }),
      ),
    } satisfies Partial<MlApi>;
    renderButton(api);
    const dialog = await openDialog();

    fireEvent.click(within(dialog).getByRole('button', { name: 'Register' }));
    expect(dialog).toHaveTextContent('Name the model');
    expect(api.registerModelVersion).not.toHaveBeenCalled();

    fireEvent.change(within(dialog).getByLabelText('Model name'), {
      target: { value: ' team/fraud model ' },
    });
    expect(dialog).toHaveTextContent('team/fraud model is a new model');
    expect(within(dialog).getByLabelText('Artifact path')).toHaveValue('model');
    fireEvent.change(within(dialog).getByLabelText('Artifact path'), {
      target: { value: 'model/' },
    });
    expect(dialog).toHaveTextContent('runs:/r9/model');
    fireEvent.change(within(dialog).getByLabelText('Description'), {
      target: { value: 'First cut' },
    });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Register' }));

    await waitFor(() =>
      expect(screen.getByTestId('location')).toHaveTextContent(
        '/ml/models/team%2Ffraud%20model/versions/1',
      ),
    );
    expect(api.registerModelVersion).toHaveBeenCalledWith({
      name: 'team/fraud model',
      runId: 'r9',
      artifactPath: 'model',
      description: 'First cut',
    });
  });

  it('suggests existing models and shows why registering failed', async () => {
    const api = {
      listModels: jest.fn(async () => ({ items: [churn] })),
      registerModelVersion: jest.fn(async () => {
        throw new Error('No artifacts under model in run r9');
      }),
    } satisfies Partial<MlApi>;
    renderButton(api);
    const dialog = await openDialog();

    const name = within(dialog).getByLabelText('Model name');
    fireEvent.change(name, { target: { value: 'ch' } });
    fireEvent.click(await screen.findByRole('option', { name: 'churn' }));
    expect(name).toHaveValue('churn');
    expect(dialog).toHaveTextContent('An existing model gets a new version');

    fireEvent.click(within(dialog).getByRole('button', { name: 'Register' }));
    expect(
      await within(dialog).findByText('No artifacts under model in run r9'),
    ).toBeInTheDocument();
    expect(api.registerModelVersion).toHaveBeenCalledWith({
      name: 'churn',
      runId: 'r9',
      artifactPath: 'model',
    });
    expect(screen.getByTestId('location')).toHaveTextContent(
      '/ml/experiments/7/runs/r9',
    );
  });
});
