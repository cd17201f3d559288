import {
  CodeSnippet,
  Content,
  EmptyState,
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import {
  Box,
  InputAdornment,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
  Typography,
} from '@material-ui/core';
import SearchIcon from '@material-ui/icons/Search';
import { RegisteredModel } from '@ml-portal/plugin-ml-common';
import { useId, useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import useDebounce from 'react-use/esm/useDebounce';
import { mlApiRef } from '../../api/MlApi';
import { badFilterMessage } from '../tracking/FilterBox';
import { formatTime, MISSING } from '../tracking/format';
import { PageControls, usePageTokens } from '../tracking/paging';
import { AliasChips } from './AliasChips';
import { OwnerLink } from './OwnerLink';
import { latestVersion, modelSearchFilter } from './registryFormat';
import { ModelLink, VersionLink } from './registryLinks';

const registerSnippet = `import mlflow
# a run that logged its model under the artifact path "model"
mlflow.register_model("runs:/<run_id>/model", "churn-classifier")`;

function RegisterInstructions() {
  return (
    <EmptyState
      missing="data"
      title="No registered models yet"
      description="Register a run's model with the MLflow client, or open the run's page and press Register model. Its versions, aliases and promotions appear here."
      action={
        <Box maxWidth={640}>
          <CodeSnippet
            language="python"
            text={registerSnippet}
            showCopyCodeButton
          />
        </Box>
      }
    />
  );
}

function ModelsTable(props: { models: RegisteredModel[] }) {
  return (
    <Table size="small" aria-label="models">
      <TableHead>
        <TableRow>
          <TableCell>Name</TableCell>
          <TableCell>Owner</TableCell>
          <TableCell>Latest version</TableCell>
          <TableCell>Aliases</TableCell>
          <TableCell>Last updated</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {props.models.length === 0 && (
          <TableRow>
            <TableCell colSpan={5}>
              <Typography variant="body2" color="textSecondary">
                No model matches.
              </Typography>
            </TableCell>
          </TableRow>
        )}
        {props.models.map(model => {
          const latest = latestVersion(model);
          return (
            <TableRow key={model.name} hover>
              <TableCell>
                <ModelLink name={model.name} />
              </TableCell>
              <TableCell>
                <OwnerLink owner={model.owner} />
              </TableCell>
              <TableCell>
                {latest ? (
                  <VersionLink name={model.name} version={latest.version} />
                ) : (
                  MISSING
                )}
              </TableCell>
              <TableCell>
                <AliasChips aliases={model.aliases} />
              </TableCell>
              <TableCell>{formatTime(model.lastUpdatedTimestamp)}</TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}

/** The registered models, searched by name (or an MLflow filter) on the server. @internal */
export function ModelsListPage() {
  const mlApi = useApi(mlApiRef);
  const id = useId();
  const paging = usePageTokens();
  const [draft, setDraft] = useState('');
  const [search, setSearch] = useState('');
  useDebounce(
    () => {
      if (draft !== search) {
        setSearch(draft);
        paging.reset();
      }
    },
    300,
    [draft],
  );
  const filter = modelSearchFilter(search);

  const { value, loading, error } = useAsync(
    () =>
      mlApi.listModels({
        filter,
        maxResults: paging.pageSize,
        pageToken: paging.pageToken,
      }),
    [mlApi, filter, paging.pageSize, paging.pageToken],
  );

  const filterError = badFilterMessage(error);
  if (value?.items.length === 0 && !filter && paging.pageNumber === 1) {
    return (
      <Content>
        <RegisterInstructions />
      </Content>
    );
  }

  let table;
  if (loading) {
    table = <Progress />;
  } else if (error && !filterError) {
    table = <ResponseErrorPanel error={error} title="Could not list models" />;
  } else if (value) {
    table = (
      <>
        <ModelsTable models={value.items} />
        <PageControls paging={paging} nextPageToken={value.nextPageToken} />
      </>
    );
  }

  return (
    <Content>
      <InfoCard title="Registered models">
        <TextField
          id={id}
          label="Search"
          placeholder="churn, or tags.team = 'growth'"
          value={draft}
          onChange={event => setDraft(event.target.value)}
          error={filterError !== undefined}
          helperText={
            filterError ??
            'A part of the name, or an MLflow filter on name and tags'
          }
          variant="outlined"
          size="small"
          fullWidth
          InputProps={{
            startAdornment: (
              <InputAdornment position="start">
                <SearchIcon fontSize="small" />
              </InputAdornment>
            ),
          }}
          style={{ marginBottom: 16 }}
        />
        {table}
      </InfoCard>
    </Content>
  );
}
