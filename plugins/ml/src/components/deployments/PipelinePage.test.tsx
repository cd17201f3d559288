import { renderInTestApp } from '@backstage/frontend-test-utils';
import { screen, within } from '@testing-library/react';
import { MlApi, mlApiRef } from '../../api/MlApi';
import { rootRouteRef } from '../../routes';
import { DeploymentsTab } from './DeploymentsTab';
import { churnPipeline } from './testData';

describe('PipelinePage', () => {
  it("shows a model's stages on a page of its own, pending requests decided on the model's page", async () => {
    const api = {
      getModelPipeline: jest.fn(async (_name: string) => churnPipeline),
    } satisfies Partial<MlApi>;
    await renderInTestApp(<DeploymentsTab />, {
      mountPath: '/ml/deployments',
      initialRouteEntries: ['/ml/deployments/pipelines/churn'],
      mountedRoutes: { '/ml': rootRouteRef },
      apis: [[mlApiRef, api]],
    });

    const production = await screen.findByRole('region', {
      name: 'stage production',
    });
    expect(production).toHaveTextContent(
      "requested by alice; decided on the model's page",
    );
    expect(
      within(screen.getByRole('navigation', { name: 'breadcrumb' })).getByRole(
        'link',
        { name: 'churn' },
      ),
    ).toHaveAttribute('href', '/ml/models/churn');
    expect(api.getModelPipeline).toHaveBeenCalledWith('churn');
  });
});
