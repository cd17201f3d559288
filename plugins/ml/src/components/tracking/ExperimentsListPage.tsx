import { Link } from '@backstage/core-components';
import { discoveryApiRef, useApi } from '@backstage/frontend-plugin-api';
import { ExperimentSummary } from '@ml-portal/plugin-ml-common';
import Autocomplete from '@mui/material/Autocomplete';
import Grid from '@mui/material/Grid';
import TextField from '@mui/material/TextField';
import { useCallback, useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { mlApiRef } from '../../api/MlApi';
import { DataColumn } from '../common/DataTable';
import { FilterBox } from '../common/FilterBox';
import { formatTime } from '../common/format';
import { ListPage } from '../common/ListPage';

const pythonSnippet = `import mlflow
mlflow.set_experiment("my-exp")
with mlflow.start_run():
    mlflow.log_param("learning_rate", 0.01)
    mlflow.log_metric("auc", 0.91)`;

/** The URI to point the MLflow client at: the portal's MLflow endpoint. */
function useTrackingUri() {
  const discoveryApi = useApi(discoveryApiRef);
  const baseUrl = useAsync(() => discoveryApi.getBaseUrl('ml'), [discoveryApi]);
  return `${baseUrl.value ?? '<backend base url>/api/ml'}/mlflow`;
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
  const trackingUri = useTrackingUri();
  const [filter, setFilter] = useState('');
  const [owner, setOwner] = useState('');
  const [ownersSeen, setOwnersSeen] = useState<string[]>([]);
  // The owner box offers the owners of the experiments listed so far.
  const rememberOwners = useCallback((experiments: ExperimentSummary[]) => {
    setOwnersSeen(seen => {
      const owners = new Set([...seen, ...experiments.map(e => e.owner)]);
      return owners.size === seen.length ? seen : [...owners].sort();
    });
  }, []);

  return (
    <ListPage
      title="Experiments"
      noun={['experiment', 'experiments']}
      columns={experimentColumns}
      rowKey={experiment => experiment.experimentId}
      load={async page => {
        const found = await mlApi.listExperiments({
          filter: filter || undefined,
          owner: owner || undefined,
          ...page,
        });
        rememberOwners(found.items);
        return found;
      }}
      search={[filter, owner]}
      searching={filter !== '' || owner !== ''}
      controls={filterError => (
        <Grid container spacing={2}>
          <Grid item xs={12} md={8}>
            <FilterBox
              label="Filter"
              placeholder="name LIKE '%churn%'"
              value={filter}
              onSubmit={setFilter}
              error={filterError}
            />
          </Grid>
          <Grid item xs={12} md={4}>
            <Autocomplete
              freeSolo
              options={ownersSeen}
              value={owner || null}
              onChange={(_event, next) => setOwner(next ?? '')}
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
        </Grid>
      )}
      howToFill={{
        title: 'No experiments yet',
        description:
          "Log runs with the MLflow client and they appear here. Point the client at the portal's MLflow endpoint, then log as usual:",
        snippets: [
          {
            language: 'bash',
            text: `export MLFLOW_TRACKING_URI=${trackingUri}`,
          },
          { language: 'python', text: pythonSnippet },
        ],
      }}
    />
  );
}
