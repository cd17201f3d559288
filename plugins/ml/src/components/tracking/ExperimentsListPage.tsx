import {
  CodeSnippet,
  Content,
  EmptyState,
  InfoCard,
  Link,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { discoveryApiRef, useApi } from '@backstage/frontend-plugin-api';
import {
  Box,
  Grid,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
  Typography,
} from '@material-ui/core';
import Autocomplete from '@material-ui/lab/Autocomplete';
import { ExperimentSummary } from '@ml-portal/plugin-ml-common';
import { useEffect, useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { mlApiRef } from '../../api/MlApi';
import { FilterBox, badFilterMessage } from './FilterBox';
import { formatTime } from './format';
import { PageControls, usePageTokens } from './paging';

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
    <EmptyState
      missing="data"
      title="No experiments yet"
      description="Log runs with the MLflow client and they appear here. Point the client at the portal's MLflow endpoint, then log as usual:"
      action={
        <Box maxWidth={640}>
          <CodeSnippet
            language="bash"
            text={`export MLFLOW_TRACKING_URI=${trackingUri}`}
            showCopyCodeButton
          />
          <CodeSnippet
            language="python"
            text={pythonSnippet}
            showCopyCodeButton
          />
        </Box>
      }
    />
  );
}

function ExperimentsTable(props: { experiments: ExperimentSummary[] }) {
  return (
    <Table size="small" aria-label="experiments">
      <TableHead>
        <TableRow>
          <TableCell>Name</TableCell>
          <TableCell>Owner</TableCell>
          <TableCell>Last run</TableCell>
          <TableCell align="right">Runs</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {props.experiments.length === 0 && (
          <TableRow>
            <TableCell colSpan={4}>
              <Typography variant="body2" color="textSecondary">
                No experiment matches.
              </Typography>
            </TableCell>
          </TableRow>
        )}
        {props.experiments.map(experiment => (
          <TableRow key={experiment.experimentId} hover>
            <TableCell>
              <Link to={encodeURIComponent(experiment.experimentId)}>
                {experiment.name}
              </Link>
            </TableCell>
            <TableCell>{experiment.owner}</TableCell>
            <TableCell>{formatTime(experiment.lastRunStartTime)}</TableCell>
            <TableCell align="right">{experiment.runCount}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

/** The experiments of the platform, searchable by MLflow filter and owner. @internal */
export function ExperimentsListPage() {
  const mlApi = useApi(mlApiRef);
  const paging = usePageTokens();
  const [filter, setFilter] = useState('');
  const [owner, setOwner] = useState('');
  const [ownersSeen, setOwnersSeen] = useState<string[]>([]);

  const { value, loading, error } = useAsync(
    () =>
      mlApi.listExperiments({
        filter: filter || undefined,
        owner: owner || undefined,
        maxResults: paging.pageSize,
        pageToken: paging.pageToken,
      }),
    [mlApi, filter, owner, paging.pageSize, paging.pageToken],
  );

  useEffect(() => {
    if (!value) return;
    setOwnersSeen(seen => {
      const owners = new Set([...seen, ...value.items.map(e => e.owner)]);
      return owners.size === seen.length ? seen : [...owners].sort();
    });
  }, [value]);

  const filterError = badFilterMessage(error);
  const unfiltered = !filter && !owner && paging.pageNumber === 1;
  if (value && value.items.length === 0 && unfiltered) {
    return (
      <Content>
        <LoggingInstructions />
      </Content>
    );
  }

  let table;
  if (loading) {
    table = <Progress />;
  } else if (error && !filterError) {
    table = (
      <ResponseErrorPanel error={error} title="Could not list experiments" />
    );
  } else if (value) {
    table = (
      <>
        <ExperimentsTable experiments={value.items} />
        <PageControls paging={paging} nextPageToken={value.nextPageToken} />
      </>
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
            {table}
          </Grid>
        </Grid>
      </InfoCard>
    </Content>
  );
}
