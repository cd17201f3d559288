import { renderInTestApp } from '@backstage/frontend-test-utils';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { RegisteredModelDetails } from '@ml-portal/plugin-ml-common';
import { MlApi, mlApiRef } from '../../api/MlApi';
import { rootRouteRef } from '../../routes';
import { churnPipeline } from '../deployments/testData';
import { churnReadiness } from '../readiness/testData';
import { ModelsTab } from './ModelsTab';
import {
  approvedPromotion,
  audit,
  churnDetails,
  pendingPromotion,
} from './testData';

function modelApi(details: RegisteredModelDetails = churnDetails()) {
  return {
    getModel: jest.fn(async (_name: string) => details),
    getModelAudit: jest.fn(async (_name: string) => audit),
    approvePromotion: jest.fn(async () => ({
      ...pendingPromotion,
      status: 'APPROVED' as const,
    })),
    rejectPromotion: jest.fn(async () => ({
      ...pendingPromotion,
      status: 'REJECTED' as const,
    })),
    requestPromotion: jest.fn(async () => pendingPromotion),
    getModelPipeline: jest.fn(async (_name: string) => churnPipeline),
    getModelReadiness: jest.fn(async (_name: string) => churnReadiness),
  } satisfies Partial<MlApi>;
}

function renderModel(api: Partial<MlApi>, url = '/ml/models/churn') {
  return renderInTestApp(<ModelsTab />, {
    mountPath: '/ml/models',
    initialRouteEntries: [url],
    mountedRoutes: { '/ml': rootRouteRef },
    apis: [[mlApiRef, api]],
  });
}

const pendingRegion = () =>
  screen.findByRole('region', { name: 'request production to version 3' });

async function decide(button: 'Approve' | 'Reject') {
  fireEvent.click(
    within(await pendingRegion()).getByRole('button', { name: button }),
  );
  return screen.findByRole('dialog');
}

describe('ModelPage', () => {
  it('shows the model, its versions, requests with gate results and the audit trail', async () => {
    const api = modelApi();
    await renderModel(api);

    const pending = await pendingRegion();
    expect(pending).toHaveTextContent('Better recall on the November holdout');
    expect(pending).toHaveTextContent('Requested by alice');
    expect(
      within(pending).getByLabelText('passed').parentElement,
    ).toHaveTextContent('val_auc >= 0.7: val_auc 0.91 >= 0.7');
    expect(
      within(pending).getByLabelText('failed').parentElement,
    ).toHaveTextContent('No open drift alert: drift alert open on churn-prod');
    expect(
      within(pending).getByLabelText('metrics snapshot'),
    ).toHaveTextContent('recall 0.62 · val_auc 0.91');

    const decided = screen.getByRole('table', {
      name: 'decided promotion requests',
    });
    expect(decided).toHaveTextContent('approved');
    expect(decided).toHaveTextContent('Looks good');

    const versions = screen.getByRole('table', { name: 'versions' });
    const rows = within(versions).getAllByRole('row').slice(1);
    expect(
      rows.map(row => (row as HTMLTableRowElement).cells[0].textContent),
    ).toEqual(['Version 3', 'Version 2', 'Version 1']);
    expect(within(rows[0]).getByRole('link', { name: 'r3' })).toHaveAttribute(
      'href',
      '/ml/experiments/7/runs/r3',
    );
    expect(rows[1]).toHaveTextContent('Production');
    // Only the protected alias carries the lock.
    expect(within(rows[1]).getByLabelText('protected')).toBeInTheDocument();
    expect(within(rows[0]).queryByLabelText('protected')).toBeNull();

    expect(screen.getByText('Who leaves next month')).toBeInTheDocument();
    expect(screen.getByRole('table', { name: 'tags' })).toHaveTextContent(
      'growth',
    );
    const trail = screen.getByRole('table', { name: 'audit trail' });
    expect(within(trail).getAllByRole('row')[1]).toHaveTextContent(
      /bob.*promotion\.approved.*production → 2.*val_auc 0\.88/,
    );
    expect(api.getModel).toHaveBeenCalledWith('churn');
    expect(api.getModelAudit).toHaveBeenCalledWith('churn');
  });

  it('approves a request with an optional comment and reloads the model', async () => {
    const api = modelApi();
    await renderModel(api);

    const dialog = await decide('Approve');
    expect(dialog).toHaveTextContent('1 of 2 gates failed');
    fireEvent.change(within(dialog).getByLabelText('Comment'), {
      target: { value: 'Drift is on an unrelated feature' },
    });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Approve' }));

    await waitFor(() => expect(api.getModel).toHaveBeenCalledTimes(2));
    // Approving moves a stage: the pipeline loads again too.
    await waitFor(() => expect(api.getModelPipeline).toHaveBeenCalledTimes(2));
    expect(api.approvePromotion).toHaveBeenCalledWith({
      id: 'pr-1',
      comment: 'Drift is on an unrelated feature',
    });
    expect(api.rejectPromotion).not.toHaveBeenCalled();
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });

  it('rejects a request only with a comment', async () => {
    const api = modelApi();
    await renderModel(api);

    const dialog = await decide('Reject');
    const reject = within(dialog).getByRole('button', { name: 'Reject' });
    expect(reject).toBeDisabled();
    fireEvent.change(within(dialog).getByLabelText('Why (required)'), {
      target: { value: '   ' },
    });
    expect(reject).toBeDisabled();
    fireEvent.change(within(dialog).getByLabelText('Why (required)'), {
      target: { value: ' Recall dropped on the EU segment ' },
    });
    fireEvent.click(reject);

    await waitFor(() =>
      expect(api.rejectPromotion).toHaveBeenCalledWith({
        id: 'pr-1',
        comment: 'Recall dropped on the EU segment',
      }),
    );
    expect(api.approvePromotion).not.toHaveBeenCalled();
  });

  it('shows the server’s refusal in the dialog', async () => {
    const api = {
      ...modelApi(),
      approvePromotion: jest.fn(async () => {
        throw new Error('Gate no-open-drift-alert failed');
      }),
    };
    await renderModel(api);

    const dialog = await decide('Approve');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Approve' }));

    expect(
      await within(dialog).findByText('Gate no-open-drift-alert failed'),
    ).toBeInTheDocument();
    expect(api.getModel).toHaveBeenCalledTimes(1);
  });

  it('offers no decision to those who may not approve', async () => {
    await renderModel(modelApi(churnDetails({ canApprove: false })));

    const pending = await pendingRegion();
    expect(within(pending).queryByRole('button')).toBeNull();
    expect(pending).toHaveTextContent('awaiting a decision by growth');
  });

  it('requests a promotion, checking the alias first', async () => {
    const api = modelApi();
    await renderModel(api);
    fireEvent.click(
      await screen.findByRole('button', { name: 'Request promotion' }),
    );
    const dialog = await screen.findByRole('dialog');
    const alias = within(dialog).getByLabelText('Alias');
    const send = () =>
      fireEvent.click(
        within(dialog).getByRole('button', {
          name: /Move alias|Request approval/,
        }),
      );

    send();
    expect(dialog).toHaveTextContent('Name the alias');
    fireEvent.change(alias, { target: { value: 'latest' } });
    expect(dialog).toHaveTextContent("'latest' is reserved");
    fireEvent.change(alias, { target: { value: 'staging' } });
    // The newest ready version is chosen, and staging already points at it.
    expect(dialog).toHaveTextContent('staging already points at version 3');
    expect(api.requestPromotion).not.toHaveBeenCalled();

    fireEvent.change(alias, { target: { value: 'production' } });
    expect(dialog).toHaveTextContent('production is protected');
    fireEvent.change(within(dialog).getByLabelText('Reason'), {
      target: { value: 'Better recall' },
    });
    fireEvent.click(
      within(dialog).getByRole('button', { name: 'Request approval' }),
    );

    await waitFor(() =>
      expect(api.requestPromotion).toHaveBeenCalledWith({
        name: 'churn',
        version: '3',
        alias: 'production',
        reason: 'Better recall',
      }),
    );
    expect(
      await screen.findByText(
        'Requested: production → version 3 waits for approval.',
      ),
    ).toBeInTheDocument();
    expect(api.getModel).toHaveBeenCalledTimes(2);
  });

  it('finds a model whose name holds a slash and a space', async () => {
    const api = modelApi(
      churnDetails({
        name: 'team/fraud model',
        promotions: [approvedPromotion],
      }),
    );
    await renderModel(api, '/ml/models/team%2Ffraud%20model');

    expect(await screen.findByRole('link', { name: 'Models' })).toHaveAttribute(
      'href',
      '/ml/models',
    );
    expect(api.getModel).toHaveBeenCalledWith('team/fraud model');
    expect(api.getModelAudit).toHaveBeenCalledWith('team/fraud model');
  });

  it('shows the pipeline: stages left to right, the endpoints serving each, canaries and pending approvals', async () => {
    const api = modelApi();
    await renderModel(api);

    const stages = await screen.findByLabelText('pipeline stages');
    const regions = within(stages).getAllByRole('region');
    expect(regions.map(region => region.getAttribute('aria-label'))).toEqual([
      'stage staging',
      'stage production',
    ]);
    const [staging, production] = regions;
    expect(
      within(staging).getByRole('link', { name: 'Version 3' }),
    ).toHaveAttribute('href', '/ml/models/churn/versions/3');
    expect(staging).toHaveTextContent('churn-stagingreadyv3 100%');
    expect(staging).toHaveTextContent('serverless on local');
    expect(staging).not.toHaveTextContent('Awaiting approval');

    expect(
      within(production).getByRole('link', { name: 'churn-prod' }),
    ).toHaveAttribute('href', '/ml/deployments/churn-prod');
    expect(production).toHaveTextContent('v2 90% · v3 10% canary');
    expect(production).toHaveTextContent(
      'Canary v3 at 10%: wait (errors 2.5% vs 1.0%)',
    );
    expect(production).toHaveTextContent(
      'Awaiting approvalVersion 3, requested by alice; decide under Promotion requests',
    );

    const pinned = screen.getByRole('region', { name: 'pinned endpoints' });
    expect(pinned).toHaveTextContent('churn-shadowfailedv1 100%');
    expect(api.getModelPipeline).toHaveBeenCalledWith('churn');
  });

  it('shows the model’s production-readiness scorecard', async () => {
    const api = modelApi();
    await renderModel(api);

    expect(
      await screen.findByText('1 of 4 checks pass for version 3'),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('table', { name: 'readiness checks' }),
    ).toHaveTextContent('churn-live samples no traffic for drift');
    expect(api.getModelReadiness).toHaveBeenCalledWith('churn');
  });

  it('shows the model when its pipeline cannot be loaded', async () => {
    const api = {
      ...modelApi(),
      getModelPipeline: jest.fn(async () => {
        throw new Error('deployments are not served');
      }),
    };
    await renderModel(api);

    expect(
      await screen.findByText(/Could not load the pipeline/),
    ).toBeInTheDocument();
    expect(screen.getByRole('table', { name: 'versions' })).toBeInTheDocument();
  });
});
