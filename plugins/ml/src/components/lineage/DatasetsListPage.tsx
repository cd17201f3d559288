import {
  CodeSnippet,
  Content,
  EmptyState,
  InfoCard,
  Link,
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
import { CatalogDataset } from '@ml-portal/plugin-ml-common';
import { useId, useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import useDebounce from 'react-use/esm/useDebounce';
import { mlApiRef } from '../../api/MlApi';
import { useMlPaths } from '../cost/mlPaths';
import { OwnerLink } from '../registry/OwnerLink';
import { formatTime, MISSING } from '../tracking/format';

const logInputSnippet = `import mlflow
df = ...  # a pandas DataFrame
dataset = mlflow.data.from_pandas(df, source="s3://bucket/trips.parquet", name="trips")
with mlflow.start_run():
    mlflow.log_input(dataset, context="training")`;

function DatasetInstructions() {
  return (
    <EmptyState
      missing="data"
      title="No datasets yet"
      description="A dataset is recorded when a run logs it as an input with the MLflow client; from then on its lineage shows the runs, models and deployments made from it."
      action={
        <Box maxWidth={720}>
          <CodeSnippet
            language="python"
            text={logInputSnippet}
            showCopyCodeButton
          />
        </Box>
      }
    />
  );
}

function DatasetsTable(props: { datasets: CatalogDataset[] }) {
  const paths = useMlPaths();
  return (
    <Table size="small" aria-label="datasets">
      <TableHead>
        <TableRow>
          <TableCell>Name</TableCell>
          <TableCell>Digest</TableCell>
          <TableCell>Source</TableCell>
          <TableCell>Owner</TableCell>
          <TableCell>Residency</TableCell>
          <TableCell>Recorded</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {props.datasets.length === 0 && (
          <TableRow>
            <TableCell colSpan={6}>
              <Typography variant="body2" color="textSecondary">
                No dataset matches.
              </Typography>
            </TableCell>
          </TableRow>
        )}
        {props.datasets.map(dataset => (
          <TableRow key={dataset.id} hover>
            <TableCell>
              {paths ? (
                <Link to={paths.dataset(dataset.id)}>{dataset.name}</Link>
              ) : (
                dataset.name
              )}
            </TableCell>
            <TableCell>
              <code>{dataset.digest}</code>
            </TableCell>
            <TableCell style={{ wordBreak: 'break-all' }}>
              {dataset.sourceType}: {dataset.source}
            </TableCell>
            <TableCell>
              <OwnerLink owner={dataset.owner} />
            </TableCell>
            <TableCell>{dataset.residency ?? MISSING}</TableCell>
            <TableCell>{formatTime(dataset.createdAt)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

/** The datasets runs have read, searched by name or source. @internal */
export function DatasetsListPage() {
  const mlApi = useApi(mlApiRef);
  const id = useId();
  const [draft, setDraft] = useState('');
  const [q, setQ] = useState('');
  useDebounce(() => setQ(draft.trim()), 300, [draft]);
  const { value, loading, error } = useAsync(
    () => mlApi.listDatasets(q ? { q } : {}),
    [mlApi, q],
  );

  if (value?.length === 0 && !q) {
    return (
      <Content>
        <DatasetInstructions />
      </Content>
    );
  }

  let table;
  if (loading) {
    table = <Progress />;
  } else if (error) {
    table = (
      <ResponseErrorPanel error={error} title="Could not list datasets" />
    );
  } else if (value) {
    table = <DatasetsTable datasets={value} />;
  }

  return (
    <Content>
      <InfoCard title="Datasets">
        <TextField
          id={id}
          label="Search"
          placeholder="trips"
          value={draft}
          onChange={event => setDraft(event.target.value)}
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
