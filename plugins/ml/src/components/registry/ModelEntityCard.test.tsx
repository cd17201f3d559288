import {
  createExtensionTester,
  renderInTestApp,
} from '@backstage/frontend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { EntityCardBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { screen, within } from '@testing-library/react';
import { MlApi, mlApiRef } from '../../api/MlApi';
import { mlPlugin } from '../../plugin';
import { rootRouteRef } from '../../routes';
import { ModelEntityCard } from './ModelEntityCard';
import { churnDetails, version3, versions } from './testData';

const entity = (
  kind: string,
  annotations: Record<string, string> = {},
  type = 'service',
): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind,
  metadata: { name: 'churn-api', annotations },
  spec: { type, owner: 'group:default/growth' },
});

function renderCard(api: Partial<MlApi>) {
  return renderInTestApp(
    <EntityProvider
      entity={entity('Component', { 'ml.platform/model': 'churn' })}
    >
      <ModelEntityCard />
    </EntityProvider>,
    {
      mountedRoutes: { '/ml': rootRouteRef },
      apis: [[mlApiRef, api]],
    },
  );
}

describe('ModelEntityCard', () => {
  it('shows the model’s aliases, its production version’s metrics and recent versions', async () => {
    const api = {
      getModel: jest.fn(async () => churnDetails()),
      getModelVersion: jest.fn(async () => ({
        ...version3,
        ...versions[1],
        metrics: { val_auc: 0.88 },
      })),
    } satisfies Partial<MlApi>;
    await renderCard(api);

    const metrics = await screen.findByRole('table', {
      name: 'featured version metrics',
    });
    expect(metrics).toHaveTextContent('val_auc0.88');
    expect(api.getModel).toHaveBeenCalledWith('churn');
    // production points at version 2, so its metrics are the ones shown.
    expect(api.getModelVersion).toHaveBeenCalledWith({
      name: 'churn',
      version: '2',
    });
    expect(screen.getByText('Version 2 (production)')).toBeInTheDocument();
    expect(screen.getByText('production → v2')).toBeInTheDocument();
    expect(
      screen.getByRole('link', { name: 'Lineage and audit of version 2' }),
    ).toHaveAttribute('href', '/ml/models/churn/versions/2');

    const recent = within(screen.getByRole('list', { name: 'recent versions' }))
      .getAllByRole('link')
      .map(link => [link.textContent, link.getAttribute('href')]);
    expect(recent).toEqual([
      ['Version 3', '/ml/models/churn/versions/3'],
      ['Version 2', '/ml/models/churn/versions/2'],
      ['Version 1', '/ml/models/churn/versions/1'],
    ]);
    expect(
      screen.getByRole('link', { name: /Open the model/ }),
    ).toHaveAttribute('href', '/ml/models/churn');
  });

  it('says when the model has no version yet', async () => {
    await renderCard({
      getModel: async () =>
        churnDetails({ versions: [], aliases: [], latestVersions: [] }),
      getModelVersion: jest.fn(),
    });
    expect(await screen.findByText('No versions yet.')).toBeInTheDocument();
    expect(screen.getByText('No aliases.')).toBeInTheDocument();
  });

  it('shows why the model could not be loaded', async () => {
    await renderCard({
      getModel: async () => {
        throw new Error('Registered model churn not found');
      },
    });
    expect(
      await screen.findByText(/Could not load the model churn/),
    ).toBeInTheDocument();
  });

  it('is an entity card shown on entities that name a model, components and ml-model resources alike', () => {
    const tester = createExtensionTester(
      mlPlugin.getExtension('entity-card:ml/ml-model'),
    );
    const filter = tester.get(EntityCardBlueprint.dataRefs.filterFunction)!;
    const annotated = { 'ml.platform/model': 'churn' };

    expect(filter(entity('Component', annotated))).toBe(true);
    expect(filter(entity('Resource', annotated, 'ml-model'))).toBe(true);
    expect(filter(entity('Component'))).toBe(false);
    expect(filter(entity('Group', { 'ml.platform/other': 'x' }))).toBe(false);
  });
});
