import { Content, InfoCard, Link } from '@backstage/core-components';
import { discoveryApiRef, useApi } from '@backstage/frontend-plugin-api';
import { Grid, TextField } from '@material-ui/core';
import Autocomplete from '@material-ui/lab/Autocomplete';
import { ExperimentSummary } from '@ml-portal/plugin-ml-common';
import { useEffect, useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { mlApiRef } from '../../api/MlApi';
import { DataColumn } from '../common/DataTable';
import { badFilterMessage, FilterBox } from '../common/FilterBox';
import { formatTime } from '../common/format';
import { Loaded } from '../common/Loaded';
import { PagedTable } from '../common/PagedTable';
import { usePageTokens } from '../common/paging';
import { SnippetEmptyState } from '../common/SnippetEmptyState';
import { useLiveAsync } from '../common/usePolledAsync';

const pythonSnippet = `import mlflow
mlflow.set_experiment("my-exp")
with mlflow.start_run():
    mlflow.log_param("learning_rate", 0.01)
    mlflow.log_metric("auc", 0.91)`;

/** How to point the MLflow client at the portal, shown while there is no experiment. */
function LoggingInstructions() {
  const discoveryApi = useApi(discoveryApiRef);
  const baseUrl = useAsync(() => discoveryApi.getBaseUrl('ml'), [discoveryApi]);
  const trackingUri = `${baseUrl.value ?? '<backend base url>/api/ml'}/mlflow`;
  return (
    <SnippetEmptyState
      title="No experiments yet"
      description="Log runs with the MLflow client and they appear here. Point the client at the portal's MLflow endpoint, then log as usual:"
      snippets={[
        { language: 'bash', text: `export MLFLOW_TRACKING_URI=${trackingUri}` },
        { language: 'python', text: pythonSnippet },
      ]}
      maxWidth={640}
    />
  );
}

const experimentColumns: DataColumn<ExperimentSummary>[] = [
  {
    title: 'Name',
    render: experiment => (
      <Link to={encodeURIComponent(experiment.experimentId)}>
        {experiment.name}
      </Link>
    ),
  },
  { title: 'Owner', render: experiment => experiment.owner },
  {
    title: 'Last run',
    render: experiment => formatTime(experiment.lastRunStartTime),
  },
  { title: 'Runs', align: 'right', render: experiment => experiment.runCount },
];

/** The experiments of the platform, searchable by MLflow filter and owner. @internal */
export function ExperimentsListPage() {
  const mlApi = useApi(mlApiRef);
  const paging = usePageTokens();
  const [filter, setFilter] = useState('');
  const [owner, setOwner] = useState('');
  const [ownersSeen, setOwnersSeen] = useState<string[]>([]);

  const experiments = useLiveAsync(
    () =>
      mlApi.listExperiments({
        filter: filter || undefined,
        owner: owner || undefined,
        maxResults: paging.pageSize,
        pageToken: paging.pageToken,
      }),
    [mlApi, filter, owner, paging.pageSize, paging.pageToken],
  );

  const { value } = experiments;
  useEffect(() => {
    if (!value) return;
    setOwnersSeen(seen => {
      const owners = new Set([...seen, ...value.items.map(e => e.owner)]);
      return owners.size === seen.length ? seen : [...owners].sort();
    });
  }, [value]);

  const filterError = badFilterMessage(experiments.error);
  const unfiltered = !filter && !owner && paging.pageNumber === 1;
  if (value && value.items.length === 0 && unfiltered) {
    return (
      <Content>
        <LoggingInstructions />
      </Content>
    );
  }

  return (
    <Content>
      <InfoCard title="Experiments">
        <Grid container spacing={2}>
          <Grid item xs={12} md={8}>
            <FilterBox
              label="Filter"
              placeholder="name LIKE '%churn%'"
              value={filter}
              onSubmit={next => {
                setFilter(next);
                paging.reset();
              }}
              error={filterError}
            />
          </Grid>
          <Grid item xs={12} md={4}>
            <Autocomplete
              freeSolo
              options={ownersSeen}
              value={owner || null}
              onChange={(_event, next) => {
                setOwner(next ?? '');
                paging.reset();
              }}
              renderInput={params => (
                <TextField
                  {...params}
                  label="Owner"
                  placeholder="group:default/vision"
                  variant="outlined"
                  size="small"
                />
              )}
            />
          </Grid>
          <Grid item xs={12}>
            <Loaded
              state={experiments}
              errorTitle="Could not list experiments"
              hideError={!!filterError}
            >
              {page => (
                <PagedTable
                  label="experiments"
                  columns={experimentColumns}
                  page={page}
                  paging={paging}
                  rowKey={experiment => experiment.experimentId}
                  empty="No experiment matches."
                />
              )}
            </Loaded>
          </Grid>
        </Grid>
      </InfoCard>
    </Content>
  );
}
