import { useApi } from '@backstage/frontend-plugin-api';
import { RegisteredModel } from '@ml-portal/plugin-ml-common';
import { mlApiRef } from '../../api/MlApi';
import { DataColumn } from '../common/DataTable';
import { formatTime, MISSING } from '../common/format';
import { ListPage } from '../common/ListPage';
import { OwnerLink } from '../common/OwnerLink';
import { SearchField, useDebouncedSearch } from '../common/SearchField';
import { AliasChips } from './AliasChips';
import { latestVersion, modelSearchFilter } from './registryFormat';
import { ModelLink, VersionLink } from './registryLinks';

const registerSnippet = `import mlflow
# a run that logged its model under the artifact path "model"
mlflow.register_model("runs:/<run_id>/model", "churn-classifier")`;

const modelColumns: DataColumn<RegisteredModel>[] = [
  { title: 'Name', render: model => <ModelLink name={model.name} /> },
  { title: 'Owner', render: model => <OwnerLink owner={model.owner} /> },
  {
    title: 'Latest version',
    render: model => {
      const latest = latestVersion(model);
      return latest ? (
        <VersionLink name={model.name} version={latest.version} />
      ) : (
        MISSING
      );
    },
  },
  { title: 'Aliases', render: model => <AliasChips aliases={model.aliases} /> },
  {
    title: 'Last updated',
    render: model => formatTime(model.lastUpdatedTimestamp),
  },
];

/** The registered models, searched by name (or an MLflow filter) on the server. @internal */
export function ModelsListPage() {
  const mlApi = useApi(mlApiRef);
  const { draft, setDraft, search } = useDebouncedSearch();
  const filter = modelSearchFilter(search);
  return (
    <ListPage
      title="Registered models"
      noun={['model', 'models']}
      columns={modelColumns}
      rowKey={model => model.name}
      load={page => mlApi.listModels({ filter, ...page })}
      search={[filter]}
      searching={filter !== undefined}
      controls={filterError => (
        <SearchField
          placeholder="churn, or tags.team = 'growth'"
          value={draft}
          onChange={setDraft}
          error={filterError}
          helperText="A part of the name, or an MLflow filter on name and tags"
        />
      )}
      howToFill={{
        title: 'No registered models yet',
        description:
          "Register a run's model with the MLflow client, or open the run's page and press Register model. Its versions, aliases and promotions appear here.",
        snippets: [{ language: 'python', text: registerSnippet }],
      }}
    />
  );
}
