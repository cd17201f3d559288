import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { CreateEndpointRequest, Endpoint } from '@ml-portal/plugin-ml-common';
import { MlApi, mlApiRef } from '../../api/MlApi';
import { rootRouteRef } from '../../routes';
import { badRequest } from '../common/testData';
import {
  makeDeployment,
  makeEndpoint,
  makeEndpointDetails,
} from '../deployments/testData';
import { mockReactFlowDom } from '../lineage/reactFlowTestEnv';
import { versionGraph } from '../lineage/testData';
import { ModelsTab } from './ModelsTab';
import { version3 } from './testData';

function renderVersion(api: Partial<MlApi>, url: string) {
  return renderInTestApp(<ModelsTab />, {
    mountPath: '/ml/models',
    initialRouteEntries: [url],
    mountedRoutes: { '/ml': rootRouteRef },
    apis: [
      [mlApiRef, api],
      mockApis.identity({
        userEntityRef: 'user:default/alice',
        ownershipEntityRefs: [
          'user:default/alice',
          'group:default/growth',
          'group:default/risk',
        ],
      }),
    ],
  });
}

/** Version 3's page, with the model's endpoints and the serving targets. */
function deployApi(endpoints: Endpoint[] = []) {
  return {
    getModelVersion: jest.fn(async () => version3),
    getLineage: jest.fn(async () => versionGraph),
    listEndpoints: jest.fn(async () => endpoints),
    listServingTargets: jest.fn(async () => [
      { id: 'local' },
      { id: 'kubernetes' },
    ]),
    createEndpoint: jest.fn(async (request: CreateEndpointRequest) =>
      makeEndpointDetails({ name: request.name }),
    ),
    deployVersion: jest.fn(async () => makeEndpointDetails()),
  } satisfies Partial<MlApi>;
}

async function openDeployDialog() {
  fireEvent.click(await screen.findByRole('button', { name: 'Deploy' }));
  return screen.findByRole('dialog');
}

async function choose(dialog: HTMLElement, label: string, option: string) {
  fireEvent.mouseDown(within(dialog).getByLabelText(label));
  fireEvent.click(within(await screen.findByRole('listbox')).getByText(option));
}

describe('ModelVersionPage', () => {
  beforeAll(mockReactFlowDom);

  it('shows where the version came from, its metrics, promotions, audit and lineage', async () => {
    const api = {
      getModelVersion: jest.fn(async () => version3),
      getLineage: jest.fn(async () => versionGraph),
      listEndpoints: jest.fn(async () => []),
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

  it("shows what the version cost: its lineage's training and its serving", async () => {
    const api = {
      getModelVersion: jest.fn(async () => version3),
      getLineage: jest.fn(async () => versionGraph),
      listEndpoints: jest.fn(async () => []),
      getRun: jest.fn(async (runId: string) => ({
        info: { runId, experimentId: '7' },
      })) as unknown as MlApi['getRun'],
      getModelVersionCost: jest.fn(async () => ({
        name: 'churn',
        version: '3',
        trainingMicros: 35_000_000,
        servingMicros: 4_500_000,
        totalMicros: 39_500_000,
        runs: [{ runId: 'r3', costMicros: 35_000_000 }],
        endpoints: [
          {
            endpoint: 'churn-prod',
            team: 'group:default/growth',
            costMicros: 4_500_000,
            replicaSeconds: 7200,
          },
        ],
        partial: true,
      })),
    } satisfies Partial<MlApi>;
    await renderVersion(api, '/ml/models/churn/versions/3');

    const serving = await screen.findByRole('table', { name: 'serving cost' });
    expect(api.getModelVersionCost).toHaveBeenCalledWith({
      name: 'churn',
      version: '3',
    });
    // Training's figure and its one run's row; the total of training and serving.
    expect(screen.getAllByText('$35.00')).toHaveLength(2);
    expect(screen.getByText('$39.50')).toBeInTheDocument();
    expect(
      await within(
        screen.getByRole('table', { name: 'training runs cost' }),
      ).findByRole('link', { name: 'r3' }),
    ).toHaveAttribute('href', '/ml/experiments/7/runs/r3');
    expect(
      within(serving).getByRole('link', { name: 'churn-prod' }),
    ).toHaveAttribute('href', '/ml/deployments/churn-prod');
    expect(serving).toHaveTextContent('2 replica-h');
    expect(serving).toHaveTextContent('$4.50');
    expect(
      screen.getByText(/another team's that you may not read/),
    ).toBeInTheDocument();
  });

  it('asks for a version of a model whose name holds a slash and a space', async () => {
    const api = {
      getModelVersion: jest.fn(async () => ({
        ...version3,
        name: 'team/fraud model',
      })),
      getLineage: jest.fn(async () => versionGraph),
      listEndpoints: jest.fn(async () => []),
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

  it('lists the endpoints serving the version, with its role and traffic there', async () => {
    const elsewhere = makeEndpoint({
      name: 'churn-old',
      followsAlias: undefined,
      canary: undefined,
      deployments: [makeDeployment({ version: '1' })],
    });
    const api = deployApi([makeEndpoint(), elsewhere]);
    await renderVersion(api, '/ml/models/churn/versions/3');

    const list = await screen.findByRole('list', { name: 'deployed on' });
    const items = within(list).getAllByRole('listitem');
    expect(items).toHaveLength(1);
    expect(items[0]).toHaveTextContent(
      'churn-prodcanary, 10% of traffic · real-time on local',
    );
    expect(
      within(items[0]).getByRole('link', { name: 'churn-prod' }),
    ).toHaveAttribute('href', '/ml/deployments/churn-prod');
    expect(api.listEndpoints).toHaveBeenCalledWith({ model: 'churn' });
  });

  it('deploys the version on a new serverless endpoint that follows its alias', async () => {
    const api = deployApi();
    await renderVersion(api, '/ml/models/churn/versions/3');

    const dialog = await openDeployDialog();
    // No endpoint of the model yet: a new one it is.
    expect(
      within(dialog).getByLabelText('An endpoint of this model'),
    ).toBeDisabled();
    expect(within(dialog).getByLabelText('A new endpoint')).toBeChecked();
    fireEvent.change(await within(dialog).findByLabelText('Endpoint name'), {
      target: { value: 'churn-eu' },
    });
    await choose(dialog, 'Owner', 'risk');
    await choose(dialog, 'Kind', 'Serverless (scales to zero)');
    await choose(dialog, 'Target', 'kubernetes');
    expect(within(dialog).getByLabelText('Alias')).toHaveValue('staging');
    fireEvent.change(within(dialog).getByLabelText('Min replicas'), {
      target: { value: '0' },
    });
    fireEvent.change(within(dialog).getByLabelText('Scale to zero after (s)'), {
      target: { value: '120' },
    });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Deploy' }));

    await waitFor(() =>
      expect(api.createEndpoint).toHaveBeenCalledWith({
        name: 'churn-eu',
        owner: 'group:default/risk',
        modelName: 'churn',
        kind: 'serverless',
        target: 'kubernetes',
        alias: 'staging',
        minReplicas: 0,
        maxReplicas: 2,
        scaleToZeroAfterSeconds: 120,
      }),
    );
  });

  it('pins the version, and checks the name before sending', async () => {
    const api = deployApi();
    await renderVersion(api, '/ml/models/churn/versions/3');

    const dialog = await openDeployDialog();
    fireEvent.click(await within(dialog).findByLabelText('Pin version 3'));
    fireEvent.change(within(dialog).getByLabelText('Endpoint name'), {
      target: { value: 'Churn EU' },
    });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Deploy' }));
    expect(await within(dialog).findByText(/a DNS label/)).toBeInTheDocument();
    expect(api.createEndpoint).not.toHaveBeenCalled();

    fireEvent.change(within(dialog).getByLabelText('Endpoint name'), {
      target: { value: 'churn-pinned' },
    });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Deploy' }));
    await waitFor(() =>
      expect(api.createEndpoint).toHaveBeenCalledWith({
        name: 'churn-pinned',
        owner: 'group:default/growth',
        modelName: 'churn',
        kind: 'real-time',
        target: 'local',
        version: '3',
        minReplicas: 1,
        maxReplicas: 2,
      }),
    );
  });

  it("shows the server's refusal in the dialog", async () => {
    const api = {
      ...deployApi(),
      createEndpoint: jest.fn(async () => {
        throw await badRequest('An endpoint named churn-prod exists already');
      }),
    };
    await renderVersion(api, '/ml/models/churn/versions/3');

    const dialog = await openDeployDialog();
    fireEvent.change(await within(dialog).findByLabelText('Endpoint name'), {
      target: { value: 'churn-prod' },
    });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Deploy' }));

    expect(
      await within(dialog).findByText(
        'An endpoint named churn-prod exists already',
      ),
    ).toBeInTheDocument();
  });

  it('replaces the version an endpoint of the model serves', async () => {
    const stableOnly = makeEndpoint({
      canary: undefined,
      deployments: [makeDeployment({ version: '2' })],
    });
    const api = deployApi([stableOnly]);
    await renderVersion(api, '/ml/models/churn/versions/3');

    const dialog = await openDeployDialog();
    expect(
      within(dialog).getByLabelText('An endpoint of this model'),
    ).toBeChecked();
    expect(within(dialog).getByLabelText('Endpoint')).toHaveTextContent(
      'churn-prod (v2 100%)',
    );
    fireEvent.click(within(dialog).getByLabelText('Replace at once'));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Deploy' }));

    await waitFor(() =>
      expect(api.deployVersion).toHaveBeenCalledWith({
        endpoint: 'churn-prod',
        version: '3',
        strategy: 'replace',
      }),
    );
  });
});
