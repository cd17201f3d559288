import { renderInTestApp } from '@backstage/frontend-test-utils';
import {
  act,
  fireEvent,
  screen,
  waitFor,
  within,
} from '@testing-library/react';
import { File as NodeFile } from 'node:buffer';
import { useLocation } from 'react-router-dom';
import { MlApi, mlApiRef } from '../../api/MlApi';
import { rootRouteRef } from '../../routes';
import { badRequest } from '../common/testData';
import { LIVE_REFRESH_MS } from '../common/usePolledAsync';
import { FeaturesTab } from './FeaturesTab';
import {
  customerProfile,
  driverStats,
  entities,
  importResult,
  services,
  sources,
} from './testData';

function featuresApi(overrides: Partial<MlApi> = {}) {
  return {
    listFeatureViews: jest.fn(async () => [driverStats, customerProfile]),
    listFeatureEntities: jest.fn(async () => entities),
    listFeatureSources: jest.fn(async () => sources),
    listFeatureServices: jest.fn(async () => services),
    listFeatureImports: jest.fn(async () => [importResult]),
    importFeatureRegistry: jest.fn(async () => importResult),
    ...overrides,
  } satisfies Partial<MlApi>;
}

/** The query string the page keeps its filters in. */
function Search() {
  return <output aria-label="search">{useLocation().search}</output>;
}

/** Renders the catalog and waits until each of its lists has answered. */
async function renderCatalog(api: Partial<MlApi>, url = '/ml/features') {
  const rendered = await renderInTestApp(
    <>
      <FeaturesTab />
      <Search />
    </>,
    {
      mountPath: '/ml/features',
      initialRouteEntries: [url],
      mountedRoutes: { '/ml': rootRouteRef },
      apis: [[mlApiRef, api]],
    },
  );
  await screen.findByRole('table', { name: 'recent imports' });
  return rendered;
}

const rowOf = (table: HTMLElement, name: string) =>
  within(table).getByRole('link', { name }).closest('tr')!;

describe('FeatureCatalogPage', () => {
  afterEach(() => jest.useRealTimers());

  it('lists feature views with their features, stores, TTL and freshness', async () => {
    const api = featuresApi();
    await renderCatalog(api);

    const table = await screen.findByRole('table', { name: 'feature views' });
    const driver = rowOf(table, 'driver_hourly_stats');
    expect(
      within(driver).getByRole('link', { name: 'driver_hourly_stats' }),
    ).toHaveAttribute(
      'href',
      '/ml/features/views/driver_ranking/driver_hourly_stats',
    );
    expect(driver).toHaveTextContent('driver_ranking');
    expect(driver).toHaveTextContent(
      '5 conv_rate, acc_rate, avg_daily_trips, …',
    );
    expect(driver).not.toHaveTextContent('trips_7d');
    expect(driver).toHaveTextContent('mobility');
    expect(driver).toHaveTextContent('online, offline');
    expect(driver).toHaveTextContent('1d 00h');
    expect(driver).toHaveTextContent('v3');
    expect(
      within(driver).getByLabelText('freshness: fresh, 3h 00m old, SLO 1d 00h'),
    ).toBeInTheDocument();

    const customer = rowOf(table, 'customer_profile');
    expect(customer).toHaveTextContent('offline');
    expect(customer).toHaveTextContent('7d 00h');
    const staleChip = within(customer).getByLabelText(
      'freshness: stale, 1d 03h old, SLO 6h 00m',
    );
    expect(staleChip).toHaveTextContent('stale · 1d 03h old, SLO 6h 00m');
    // Filled in the warning colour, where fresh chips are outlined.
    // (The app prefixes MUI v5's class names: match the variant's own.)
    expect(staleChip.className).not.toMatch(/MuiChip-outlined\b/);
    expect(within(driver).getByLabelText(/freshness: fresh/).className).toMatch(
      /MuiChip-outlined\b/,
    );

    expect(api.listFeatureViews).toHaveBeenCalledWith({
      q: undefined,
      project: undefined,
      owner: undefined,
      stale: undefined,
    });
  });

  it('searches as one types, keeping the search and filters in the URL', async () => {
    // The search box is debounced: waitFor moves the fake clock until it fires.
    jest.useFakeTimers();
    const api = featuresApi();
    await renderCatalog(api);
    await screen.findByRole('table', { name: 'feature views' });

    fireEvent.change(screen.getByLabelText('Search'), {
      target: { value: 'trips' },
    });
    await waitFor(() =>
      expect(api.listFeatureViews).toHaveBeenLastCalledWith(
        expect.objectContaining({ q: 'trips' }),
      ),
    );
    // Typing is debounced: one search for the word, not one per letter.
    expect(api.listFeatureViews).toHaveBeenCalledTimes(2);
    expect(screen.getByLabelText('search')).toHaveTextContent('?q=trips');

    fireEvent.change(screen.getByLabelText('Project'), {
      target: { value: 'fraud' },
    });
    await waitFor(() =>
      expect(api.listFeatureViews).toHaveBeenLastCalledWith(
        expect.objectContaining({ q: 'trips', project: 'fraud' }),
      ),
    );

    fireEvent.click(screen.getByLabelText('Stale only'));
    await waitFor(() =>
      expect(api.listFeatureViews).toHaveBeenLastCalledWith({
        q: 'trips',
        project: 'fraud',
        owner: undefined,
        stale: true,
      }),
    );
    expect(screen.getByLabelText('search')).toHaveTextContent(
      '?q=trips&project=fraud&stale=true',
    );
  });

  it('offers the owners and projects of the catalog and filters by owner', async () => {
    const api = featuresApi();
    await renderCatalog(api);
    await screen.findByRole('table', { name: 'feature views' });

    const owner = screen.getByLabelText('Owner');
    await waitFor(() =>
      expect(
        within(owner)
          .getAllByRole('option')
          .map(o => o.textContent),
      ).toEqual(['All owners', 'mobility', 'risk']),
    );
    expect(
      within(screen.getByLabelText('Project'))
        .getAllByRole('option')
        .map(option => option.textContent),
    ).toEqual(['All projects', 'driver_ranking', 'fraud']);

    fireEvent.change(owner, { target: { value: 'group:default/risk' } });
    await waitFor(() =>
      expect(api.listFeatureViews).toHaveBeenLastCalledWith(
        expect.objectContaining({ owner: 'group:default/risk' }),
      ),
    );
  });

  it('starts from the filters in the URL', async () => {
    const api = featuresApi({
      listFeatureViews: jest.fn(async () => [customerProfile]),
    });
    await renderCatalog(api, '/ml/features?q=basket&stale=true');

    const table = await screen.findByRole('table', { name: 'feature views' });
    expect(within(table).getByText('customer_profile')).toBeInTheDocument();
    expect(screen.getByLabelText('Search')).toHaveValue('basket');
    expect(screen.getByLabelText('Stale only')).toBeChecked();
    expect(api.listFeatureViews).toHaveBeenCalledWith({
      q: 'basket',
      project: undefined,
      owner: undefined,
      stale: true,
    });
  });

  it('says no view matches a search, rather than how to import', async () => {
    await renderCatalog(
      featuresApi({ listFeatureViews: jest.fn(async () => []) }),
      '/ml/features?q=nothing',
    );

    expect(
      await screen.findByText('No feature view matches.'),
    ).toBeInTheDocument();
    expect(screen.queryByText('No feature views yet')).not.toBeInTheDocument();
  });

  it('shows entities, data sources and feature services on their tabs', async () => {
    await renderCatalog(featuresApi());
    await screen.findByRole('table', { name: 'feature views' });

    fireEvent.click(screen.getByRole('tab', { name: 'Entities (2)' }));
    const entityTable = await screen.findByRole('table', { name: 'entities' });
    expect(within(entityTable).getByText('driver_id')).toBeInTheDocument();
    expect(screen.getByLabelText('search')).toHaveTextContent('?tab=entities');

    fireEvent.click(screen.getByRole('tab', { name: 'Data sources (1)' }));
    const sourceTable = await screen.findByRole('table', {
      name: 'data sources',
    });
    expect(sourceTable).toHaveTextContent('s3://features/driver_stats.parquet');

    fireEvent.click(screen.getByRole('tab', { name: 'Feature services (1)' }));
    const serviceTable = await screen.findByRole('table', {
      name: 'feature services',
    });
    expect(
      within(serviceTable).getByRole('link', { name: 'driver_hourly_stats' }),
    ).toHaveAttribute(
      'href',
      '/ml/features/views/driver_ranking/driver_hourly_stats',
    );
  });

  it('tells how to import a Feast registry while the catalog is empty', async () => {
    const { container } = await renderCatalog(
      featuresApi({
        listFeatureViews: jest.fn(async () => []),
        listFeatureEntities: jest.fn(async () => []),
        listFeatureSources: jest.fn(async () => []),
        listFeatureServices: jest.fn(async () => []),
        listFeatureImports: jest.fn(async () => []),
      }),
    );

    expect(await screen.findByText('No feature views yet')).toBeInTheDocument();
    expect(container.textContent).toContain(
      'feast registry-dump > registry.json',
    );
    expect(container.textContent).toContain('ml.features.imports');
    expect(
      screen.getByRole('form', { name: 'import feast registry' }),
    ).toBeInTheDocument();
    expect(
      await screen.findByText('Nothing imported yet.'),
    ).toBeInTheDocument();
  });

  it('shows an import that lands while the page is open, without a reload', async () => {
    // The backend's scheduled import lands after the user opened the page: the first
    // answers are empty, the next ones hold the catalog.
    let imported = false;
    const whenImported = <T,>(rows: T[]) =>
      jest.fn(async () => (imported ? rows : []));
    jest.useFakeTimers();
    await renderCatalog(
      featuresApi({
        listFeatureViews: whenImported([driverStats, customerProfile]),
        listFeatureEntities: whenImported(entities),
        listFeatureSources: whenImported(sources),
        listFeatureServices: whenImported(services),
        listFeatureImports: whenImported([importResult]),
      }),
    );
    expect(await screen.findByText('No feature views yet')).toBeInTheDocument();

    imported = true;
    await act(async () => {
      jest.advanceTimersByTime(LIVE_REFRESH_MS);
    });
    expect(
      await screen.findByRole('link', { name: 'driver_hourly_stats' }),
    ).toBeInTheDocument();
    expect(screen.queryByText('No feature views yet')).not.toBeInTheDocument();
  });

  it('lists the recent imports with their changes', async () => {
    await renderCatalog(featuresApi());

    const imports = await screen.findByRole('table', {
      name: 'recent imports',
    });
    expect(imports).toHaveTextContent('upload by user:default/alice');
    expect(imports).toHaveTextContent('+1 ~1 −1, 4 unchanged');
  });

  describe('registry import', () => {
    it('imports pasted JSON, shows what changed and reloads the catalog', async () => {
      const api = featuresApi();
      await renderCatalog(api);
      const form = await screen.findByRole('form', {
        name: 'import feast registry',
      });
      const importButton = within(form).getByRole('button', { name: 'Import' });
      expect(importButton).toBeDisabled();

      fireEvent.change(within(form).getByLabelText('Registry JSON'), {
        target: { value: '{"featureViews": [{"spec": {"name": "v"}}]}' },
      });
      fireEvent.click(importButton);

      const result = await within(form).findByLabelText('import result');
      expect(result).toHaveTextContent(
        'Imported upload by user:default/alice (driver_ranking): 1 added, 1 changed, 1 removed, 4 unchanged.',
      );
      expect(result).toHaveTextContent(
        'Added: driver_ranking/driver_daily_stats',
      );
      expect(result).toHaveTextContent(
        'Changed: driver_ranking/driver_hourly_stats',
      );
      expect(result).toHaveTextContent('Removed: driver_ranking/legacy_stats');
      expect(api.importFeatureRegistry).toHaveBeenCalledWith({
        featureViews: [{ spec: { name: 'v' } }],
      });
      await waitFor(() => {
        expect(api.listFeatureViews).toHaveBeenCalledTimes(2);
        expect(api.listFeatureEntities).toHaveBeenCalledTimes(2);
        expect(api.listFeatureImports).toHaveBeenCalledTimes(2);
      });
      expect(within(form).getByLabelText('Registry JSON')).toHaveValue('');
    });

    it('imports an uploaded registry file', async () => {
      const api = featuresApi();
      await renderCatalog(api);
      const form = await screen.findByRole('form', {
        name: 'import feast registry',
      });

      fireEvent.change(within(form).getByLabelText('Registry file'), {
        // jsdom's File cannot read itself back; Node's can.
        target: {
          files: [new NodeFile(['{"entities": []}'], 'registry.json')],
        },
      });
      expect(form).toHaveTextContent('registry.json');
      fireEvent.click(within(form).getByRole('button', { name: 'Import' }));

      expect(
        await within(form).findByLabelText('import result'),
      ).toBeInTheDocument();
      expect(api.importFeatureRegistry).toHaveBeenCalledWith({ entities: [] });
    });

    it("shows the server's reason when the registry is refused", async () => {
      const api = featuresApi({
        importFeatureRegistry: jest.fn(async () => {
          throw await badRequest('featureViews[0].spec: name is required');
        }),
      });
      await renderCatalog(api);
      const form = await screen.findByRole('form', {
        name: 'import feast registry',
      });

      fireEvent.change(within(form).getByLabelText('Registry JSON'), {
        target: { value: '{"featureViews": [{}]}' },
      });
      fireEvent.click(within(form).getByRole('button', { name: 'Import' }));

      expect(await within(form).findByRole('alert')).toHaveTextContent(
        'The registry was not imported: featureViews[0].spec: name is required',
      );
      expect(api.listFeatureViews).toHaveBeenCalledTimes(1);
      // What was pasted stays, to be fixed.
      expect(within(form).getByLabelText('Registry JSON')).toHaveValue(
        '{"featureViews": [{}]}',
      );
    });

    it('refuses text that is not a JSON object without sending it', async () => {
      const api = featuresApi();
      await renderCatalog(api);
      const form = await screen.findByRole('form', {
        name: 'import feast registry',
      });
      const pasteBox = within(form).getByLabelText('Registry JSON');

      fireEvent.change(pasteBox, { target: { value: '{"entities": [' } });
      fireEvent.click(within(form).getByRole('button', { name: 'Import' }));
      expect(await within(form).findByRole('alert')).toHaveTextContent(
        /The registry was not imported: not JSON/,
      );

      fireEvent.change(pasteBox, { target: { value: '[1, 2]' } });
      fireEvent.click(within(form).getByRole('button', { name: 'Import' }));
      await waitFor(() =>
        expect(within(form).getByRole('alert')).toHaveTextContent(
          'The registry was not imported: not a registry',
        ),
      );
      expect(api.importFeatureRegistry).not.toHaveBeenCalled();
    });
  });
});
