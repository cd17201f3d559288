import {
  Content,
  Progress,
  ResponseErrorPanel,
  StructuredMetadataTable,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import Grid from '@mui/material/Grid';
import { useParams } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import { mlApiRef } from '../../api/MlApi';
import { formatTime, MISSING } from '../common/format';
import { GridCard } from '../common/GridCard';
import { useMlPaths } from '../common/mlPaths';
import { MutedText } from '../common/MutedText';
import { OwnerLink } from '../common/OwnerLink';
import { PageTrail } from '../common/PageTrail';
import { LineageGraph } from './LineageGraph';

/** MLflow's schema JSON, indented when it parses. */
function prettySchema(schema: string): string {
  try {
    return JSON.stringify(JSON.parse(schema), null, 2);
  } catch {
    return schema;
  }
}

/** One dataset: where it lives, its schema, and what was made from it. @internal */
export function DatasetPage() {
  const { id = '' } = useParams();
  const mlApi = useApi(mlApiRef);
  const paths = useMlPaths();
  const { value, loading, error } = useAsync(
    () => mlApi.getDataset(id),
    [mlApi, id],
  );

  if (loading) return <Progress />;
  if (error) {
    return (
      <Content>
        <ResponseErrorPanel error={error} title="Could not load the dataset" />
      </Content>
    );
  }
  const dataset = value!;

  return (
    <Content>
      <PageTrail
        crumbs={[
          { label: 'Datasets', to: paths?.datasets() },
          { label: dataset.name },
        ]}
      />
      <Grid container spacing={3}>
        <GridCard md={6} title={dataset.name}>
          <StructuredMetadataTable
            metadata={{
              digest: <code>{dataset.digest}</code>,
              source: (
                <code style={{ wordBreak: 'break-all' }}>
                  {dataset.sourceType}: {dataset.source}
                </code>
              ),
              owner: <OwnerLink owner={dataset.owner} />,
              residency: dataset.residency ?? MISSING,
              recorded: formatTime(dataset.createdAt),
            }}
          />
        </GridCard>
        <GridCard md={6} title="Schema">
          {dataset.schema ? (
            <pre aria-label="schema" style={{ margin: 0, overflow: 'auto' }}>
              {prettySchema(dataset.schema)}
            </pre>
          ) : (
            <MutedText>No schema was logged with this dataset.</MutedText>
          )}
        </GridCard>
        <GridCard title="Lineage">
          <LineageGraph node={{ kind: 'dataset', id: dataset.id }} />
        </GridCard>
      </Grid>
    </Content>
  );
}
