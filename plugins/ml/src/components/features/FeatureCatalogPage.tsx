import { Content, InfoCard } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import Box from '@mui/material/Box';
import FormControlLabel from '@mui/material/FormControlLabel';
import Grid from '@mui/material/Grid';
import Switch from '@mui/material/Switch';
import Tab from '@mui/material/Tab';
import Tabs from '@mui/material/Tabs';
import TextField from '@mui/material/TextField';
import { ReactNode, useEffect, useId, useReducer, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { useLiveAsync } from '../common/usePolledAsync';
import useDebounce from 'react-use/esm/useDebounce';
import { mlApiRef } from '../../api/MlApi';
import { Loaded } from '../common/Loaded';
import { SearchField } from '../common/SearchField';
import { SnippetEmptyState } from '../common/SnippetEmptyState';
import { teamName } from '../common/teams';
import {
  DataSourcesTable,
  EntitiesTable,
  FeatureServicesTable,
  FeatureViewsTable,
} from './CatalogTables';
import { ImportRegistryPanel } from './ImportRegistryPanel';
import { RecentImports } from './RecentImports';

/** How long the search box waits for typing to pause before it searches. @internal */
export const SEARCH_DEBOUNCE_MS = 300;

const TABS = {
  views: 'Feature views',
  entities: 'Entities',
  sources: 'Data sources',
  services: 'Feature services',
} as const;
type CatalogTab = keyof typeof TABS;

type ViewFilters = {
  q: string;
  project: string;
  owner: string;
  stale: boolean;
};

/**
 * The search, filters and tab, kept in the URL (`?q=trips&project=driver_ranking
 * &stale=true`) so a filtered catalog can be linked to.
 */
function useCatalogSearch() {
  const [search, setSearch] = useSearchParams();
  const filters: ViewFilters = {
    q: search.get('q') ?? '',
    project: search.get('project') ?? '',
    owner: search.get('owner') ?? '',
    stale: search.get('stale') === 'true',
  };
  const tabParam = search.get('tab');
  const tab: CatalogTab =
    tabParam && tabParam in TABS ? (tabParam as CatalogTab) : 'views';
  const update = (next: Partial<ViewFilters> & { tab?: CatalogTab }) =>
    // From the previous params: the debounced search must not undo a filter
    // chosen while it waited.
    setSearch(
      previous => {
        const params = new URLSearchParams(previous);
        for (const [key, value] of Object.entries(next)) {
          const keep = value && !(key === 'tab' && value === 'views');
          if (keep) params.set(key, String(value));
          else params.delete(key);
        }
        return params;
      },
      { replace: true },
    );
  return { filters, tab, update };
}

function SearchBox(props: { value: string; onChange: (q: string) => void }) {
  const { value, onChange } = props;
  const [draft, setDraft] = useState(value);
  // The URL changed under the box (back, a link): show its search.
  useEffect(
    () => setDraft(current => (current.trim() === value ? current : value)),
    [value],
  );
  useDebounce(
    () => {
      if (draft.trim() !== value) onChange(draft.trim());
    },
    SEARCH_DEBOUNCE_MS,
    [draft],
  );
  return (
    <SearchField
      placeholder="View, feature or entity name, or tag"
      value={draft}
      onChange={setDraft}
    />
  );
}

function ChoiceFilter(props: {
  label: string;
  allLabel: string;
  value: string;
  options: string[];
  optionLabel?: (option: string) => string;
  onChange: (value: string) => void;
}) {
  const { label, allLabel, value, options, onChange } = props;
  const id = useId();
  const choices =
    value && !options.includes(value) ? [value, ...options] : options;
  return (
    <TextField
      id={id}
      select
      size="small"
      variant="outlined"
      label={label}
      value={value}
      onChange={event => onChange(event.target.value)}
      SelectProps={{ native: true }}
      InputLabelProps={{ shrink: true }}
      fullWidth
    >
      <option value="">{allLabel}</option>
      {choices.map(option => (
        <option key={option} value={option}>
          {props.optionLabel?.(option) ?? option}
        </option>
      ))}
    </TextField>
  );
}

type FilterChoices = { projects: string[]; owners: string[] };

const sortedDistinct = (values: Array<string | undefined>) =>
  [...new Set(values.filter((v): v is string => Boolean(v)))].sort((a, b) =>
    a.localeCompare(b),
  );

/** The projects and owners to choose from, with those of `rows` added. */
function mergeChoices(
  choices: FilterChoices,
  rows: Array<{ project: string; owner?: string }>,
): FilterChoices {
  return {
    projects: sortedDistinct([
      ...choices.projects,
      ...rows.map(row => row.project),
    ]),
    owners: sortedDistinct([...choices.owners, ...rows.map(row => row.owner)]),
  };
}

function ImportInstructions() {
  return (
    <SnippetEmptyState
      title="No feature views yet"
      description="The catalog is imported from Feast. Dump your feature repository's registry, then upload registry.json with “Import a Feast registry”, or have the backend import registries itself by configuring ml.features.imports in app-config.yaml. This page shows them as soon as an import lands."
      snippets={[
        { language: 'bash', text: 'feast registry-dump > registry.json' },
      ]}
      maxWidth={560}
    />
  );
}

/**
 * The Features tab's index: the feature views of every Feast project imported,
 * searchable, with their entities, sources and services, and the registry
 * import.
 *
 * @internal
 */
export function FeatureCatalogPage() {
  const mlApi = useApi(mlApiRef);
  const { filters, tab, update } = useCatalogSearch();
  const { q, project, owner, stale } = filters;
  const [imports, refresh] = useReducer((count: number) => count + 1, 0);

  const views = useLiveAsync(
    () =>
      mlApi.listFeatureViews({
        q: q || undefined,
        project: project || undefined,
        owner: owner || undefined,
        stale: stale || undefined,
      }),
    [mlApi, q, project, owner, stale, imports],
  );
  const catalog = useLiveAsync(async () => {
    const [entities, sources, services] = await Promise.all([
      mlApi.listFeatureEntities(),
      mlApi.listFeatureSources(),
      mlApi.listFeatureServices(),
    ]);
    return { entities, sources, services };
  }, [mlApi, imports]);
  const recentImports = useLiveAsync(
    () => mlApi.listFeatureImports(),
    [mlApi, imports],
  );

  // Filtering narrows the views listed; the choices must not narrow with them.
  const [seen, setSeen] = useState<FilterChoices>({ projects: [], owners: [] });
  useEffect(() => {
    if (views.value) setSeen(previous => mergeChoices(previous, views.value!));
  }, [views.value]);
  const catalogRows = [
    ...(catalog.value?.entities ?? []),
    ...(catalog.value?.sources ?? []),
    ...(catalog.value?.services ?? []),
  ];
  const { projects, owners } = mergeChoices(seen, catalogRows);

  const filtered = Boolean(q || project || owner || stale);
  const empty =
    !filtered &&
    views.value?.length === 0 &&
    (catalog.value === undefined || catalogRows.length === 0);

  const tabContent: Record<CatalogTab, ReactNode> = {
    views: (
      <Grid container spacing={2}>
        <Grid item xs={12} md={5}>
          <SearchBox value={q} onChange={next => update({ q: next })} />
        </Grid>
        <Grid item xs={6} md={2}>
          <ChoiceFilter
            label="Project"
            allLabel="All projects"
            value={project}
            options={projects}
            onChange={next => update({ project: next })}
          />
        </Grid>
        <Grid item xs={6} md={3}>
          <ChoiceFilter
            label="Owner"
            allLabel="All owners"
            value={owner}
            options={owners}
            optionLabel={teamName}
            onChange={next => update({ owner: next })}
          />
        </Grid>
        <Grid item xs={12} md={2}>
          <FormControlLabel
            label="Stale only"
            control={
              <Switch
                checked={stale}
                onChange={event => update({ stale: event.target.checked })}
              />
            }
          />
        </Grid>
        <Grid item xs={12}>
          <Loaded state={views} errorTitle="Could not list feature views">
            {value => <FeatureViewsTable views={value} />}
          </Loaded>
        </Grid>
      </Grid>
    ),
    entities: (
      <Loaded state={catalog} errorTitle="Could not list entities">
        {value => <EntitiesTable entities={value.entities} />}
      </Loaded>
    ),
    sources: (
      <Loaded state={catalog} errorTitle="Could not list data sources">
        {value => <DataSourcesTable sources={value.sources} />}
      </Loaded>
    ),
    services: (
      <Loaded state={catalog} errorTitle="Could not list feature services">
        {value => <FeatureServicesTable services={value.services} />}
      </Loaded>
    ),
  };

  const count = (key: CatalogTab) => {
    const value = key === 'views' ? views.value : catalog.value?.[key];
    return value ? ` (${value.length})` : '';
  };

  return (
    <Content>
      <Grid container spacing={3}>
        {/* The catalog's table needs the page's width; imports sit below it. */}
        <Grid item xs={12}>
          <InfoCard title="Feature catalog">
            {empty ? (
              <ImportInstructions />
            ) : (
              <>
                <Tabs
                  value={tab}
                  onChange={(_event, next: CatalogTab) => update({ tab: next })}
                  indicatorColor="primary"
                  variant="scrollable"
                >
                  {(Object.keys(TABS) as CatalogTab[]).map(key => (
                    <Tab
                      key={key}
                      value={key}
                      label={`${TABS[key]}${count(key)}`}
                    />
                  ))}
                </Tabs>
                <Box sx={{ mt: 2 }} role="tabpanel" aria-label={TABS[tab]}>
                  {tabContent[tab]}
                </Box>
              </>
            )}
          </InfoCard>
        </Grid>
        <Grid item xs={12} md={6}>
          <InfoCard title="Import a Feast registry">
            <ImportRegistryPanel onImported={refresh} />
          </InfoCard>
        </Grid>
        <Grid item xs={12} md={6}>
          <InfoCard title="Recent imports">
            <Loaded state={recentImports} errorTitle="Could not list imports">
              {value => <RecentImports imports={value} />}
            </Loaded>
          </InfoCard>
        </Grid>
      </Grid>
    </Content>
  );
}
