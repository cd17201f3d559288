import { Link } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { CatalogDataset } from '@ml-portal/plugin-ml-common';
import { mlApiRef } from '../../api/MlApi';
import { DataColumn } from '../common/DataTable';
import { formatTime, MISSING } from '../common/format';
import { ListPage } from '../common/ListPage';
import { useMlPaths } from '../common/mlPaths';
import { OwnerLink } from '../common/OwnerLink';
import { SearchField, useDebouncedSearch } from '../common/SearchField';

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
  const { draft, setDraft, search } = useDebouncedSearch();
  return (
    <ListPage
      title="Datasets"
      noun={['dataset', 'datasets']}
      columns={datasetColumns}
      rowKey={dataset => dataset.id}
      // The server answers the whole list.
      paged={false}
      load={async () => ({
        items: await mlApi.listDatasets(search ? { q: search } : {}),
      })}
      search={[search]}
      searching={search !== ''}
      controls={filterError => (
        <SearchField
          placeholder="trips"
          value={draft}
          onChange={setDraft}
          error={filterError}
        />
      )}
      howToFill={{
        title: 'No datasets yet',
        description:
          'A dataset is recorded when a run logs it as an input with the MLflow client; from then on its lineage shows the runs, models and deployments made from it.',
        snippets: [{ language: 'python', text: logInputSnippet }],
      }}
    />
  );
}
