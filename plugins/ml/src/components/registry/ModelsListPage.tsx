import { Content, InfoCard } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { RegisteredModel } from '@ml-portal/plugin-ml-common';
import { useState } from 'react';
import { useLiveAsync } from '../common/usePolledAsync';
import useDebounce from 'react-use/esm/useDebounce';
import { mlApiRef } from '../../api/MlApi';
import { DataColumn } from '../common/DataTable';
import { Loaded } from '../common/Loaded';
import { PagedTable } from '../common/PagedTable';
import { SearchField } from '../common/SearchField';
import { SnippetEmptyState } from '../common/SnippetEmptyState';
import { badFilterMessage } from '../common/FilterBox';
import { formatTime, MISSING } from '../common/format';
import { usePageTokens } from '../common/paging';
import { AliasChips } from './AliasChips';
import { OwnerLink } from '../common/OwnerLink';
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

  const models = useLiveAsync(
    () =>
      mlApi.listModels({
        filter,
        maxResults: paging.pageSize,
        pageToken: paging.pageToken,
      }),
    [mlApi, filter, paging.pageSize, paging.pageToken],
  );

  const filterError = badFilterMessage(models.error);
  if (models.value?.items.length === 0 && !filter && paging.pageNumber === 1) {
    return (
      <Content>
        <SnippetEmptyState
          title="No registered models yet"
          description="Register a run's model with the MLflow client, or open the run's page and press Register model. Its versions, aliases and promotions appear here."
          snippets={[{ language: 'python', text: registerSnippet }]}
          maxWidth={640}
        />
      </Content>
    );
  }

  return (
    <Content>
      <InfoCard title="Registered models">
        <SearchField
          placeholder="churn, or tags.team = 'growth'"
          value={draft}
          onChange={setDraft}
          error={filterError}
          helperText="A part of the name, or an MLflow filter on name and tags"
          style={{ marginBottom: 16 }}
        />
        <Loaded
          state={models}
          errorTitle="Could not list models"
          hideError={!!filterError}
        >
          {page => (
            <PagedTable
              label="models"
              columns={modelColumns}
              page={page}
              paging={paging}
              rowKey={model => model.name}
              empty="No model matches."
            />
          )}
        </Loaded>
      </InfoCard>
    </Content>
  );
}
