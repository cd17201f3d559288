import { Content, InfoCard, Link } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { CatalogDataset } from '@ml-portal/plugin-ml-common';
import { useState } from 'react';
import { useLiveAsync } from '../common/usePolledAsync';
import useDebounce from 'react-use/esm/useDebounce';
import { mlApiRef } from '../../api/MlApi';
import { DataColumn, DataTable } from '../common/DataTable';
import { Loaded } from '../common/Loaded';
import { SearchField } from '../common/SearchField';
import { SnippetEmptyState } from '../common/SnippetEmptyState';
import { useMlPaths } from '../common/mlPaths';
import { OwnerLink } from '../common/OwnerLink';
import { formatTime, MISSING } from '../common/format';

const logInputSnippet = `import mlflow
df = ...  # a pandas DataFrame
dataset = mlflow.data.from_pandas(df, source="s3://bucket/trips.parquet", name="trips")
with mlflow.start_run():
    mlflow.log_input(dataset, context="training")`;

function DatasetLink(props: { dataset: CatalogDataset }) {
  const { dataset } = props;
  const paths = useMlPaths();
  if (!paths) return <>{dataset.name}</>;
  return <Link to={paths.dataset(dataset.id)}>{dataset.name}</Link>;
}

const datasetColumns: DataColumn<CatalogDataset>[] = [
  { title: 'Name', render: dataset => <DatasetLink dataset={dataset} /> },
  { title: 'Digest', render: dataset => <code>{dataset.digest}</code> },
  {
    title: 'Source',
    wrap: 'anywhere',
    render: dataset => `${dataset.sourceType}: ${dataset.source}`,
  },
  { title: 'Owner', render: dataset => <OwnerLink owner={dataset.owner} /> },
  { title: 'Residency', render: dataset => dataset.residency ?? MISSING },
  { title: 'Recorded', render: dataset => formatTime(dataset.createdAt) },
];

/** The datasets runs have read, searched by name or source. @internal */
export function DatasetsListPage() {
  const mlApi = useApi(mlApiRef);
  const [draft, setDraft] = useState('');
  const [q, setQ] = useState('');
  useDebounce(() => setQ(draft.trim()), 300, [draft]);
  const datasets = useLiveAsync(
    () => mlApi.listDatasets(q ? { q } : {}),
    [mlApi, q],
  );

  if (datasets.value?.length === 0 && !q) {
    return (
      <Content>
        <SnippetEmptyState
          title="No datasets yet"
          description="A dataset is recorded when a run logs it as an input with the MLflow client; from then on its lineage shows the runs, models and deployments made from it."
          snippets={[{ language: 'python', text: logInputSnippet }]}
          maxWidth={720}
        />
      </Content>
    );
  }

  return (
    <Content>
      <InfoCard title="Datasets">
        <SearchField
          placeholder="trips"
          value={draft}
          onChange={setDraft}
          style={{ marginBottom: 16 }}
        />
        <Loaded state={datasets} errorTitle="Could not list datasets">
          {value => (
            <DataTable
              label="datasets"
              columns={datasetColumns}
              rows={value}
              rowKey={dataset => dataset.id}
              empty="No dataset matches."
            />
          )}
        </Loaded>
      </InfoCard>
    </Content>
  );
}
