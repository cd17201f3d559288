import {
  CodeSnippet,
  CopyTextButton,
  Link,
  StructuredMetadataTable,
} from '@backstage/core-components';
import { Endpoint, EndpointDetails } from '@ml-portal/plugin-ml-common';
import { useApi } from '@backstage/frontend-plugin-api';
import Box from '@mui/material/Box';
import useAsync from 'react-use/esm/useAsync';
import { mlApiRef } from '../../api/MlApi';
import { formatDuration, formatTime } from '../common/format';
import { useMlPaths } from '../common/mlPaths';
import { MutedText } from '../common/MutedText';
import { OwnerLink } from '../common/OwnerLink';
import { actorName } from '../registry/registryFormat';
import { ModelLink } from '../registry/registryLinks';
import { BatchRunButton } from './BatchRunButton';
import {
  followsLabel,
  formatLatency,
  formatPercent,
  formatRate,
} from './deploymentFormat';
import { EndpointStatusChip } from './EndpointStatusChip';

/** Where an endpoint runs: target, then pool, instance type and region where set. */
function placement(endpoint: Endpoint): string {
  return [
    endpoint.target,
    endpoint.pool && `pool ${endpoint.pool}`,
    endpoint.instanceType,
    endpoint.region,
    endpoint.gpus > 0 &&
      `${endpoint.gpus} GPU${endpoint.gpus === 1 ? '' : 's'}`,
  ]
    .filter(Boolean)
    .join(' · ');
}

function scaling(endpoint: Endpoint): string {
  const replicas = `${endpoint.minReplicas}–${endpoint.maxReplicas} replicas, ${endpoint.targetConcurrency} concurrent requests each`;
  if (endpoint.scaleToZeroAfterSeconds === undefined) return replicas;
  return `${replicas}; to zero after ${formatDuration(
    endpoint.scaleToZeroAfterSeconds * 1000,
  )} idle`;
}

/** The router's counts over the last five minutes, all versions together. */
function trafficStats(endpoint: Endpoint): string {
  const { requestsPerMinute, errorRate, p95Ms } = endpoint.stats;
  if (requestsPerMinute === 0) return 'No requests in the last 5 minutes';
  return `${formatRate(requestsPerMinute)}, ${formatPercent(
    errorRate,
  )} errors, p95 ${formatLatency(p95Ms)} (last 5 minutes)`;
}

/** What an endpoint is: status, owner, model, kind, target, scaling and its URL to copy. @internal */
export function EndpointSummary(props: { endpoint: Endpoint }) {
  const { endpoint } = props;
  const paths = useMlPaths();
  return (
    <StructuredMetadataTable
      metadata={{
        status: (
          <Box>
            <EndpointStatusChip status={endpoint.status} />
            {endpoint.statusReason && (
              <MutedText>{endpoint.statusReason}</MutedText>
            )}
          </Box>
        ),
        owner: <OwnerLink owner={endpoint.owner} />,
        model: (
          <>
            <ModelLink name={endpoint.modelName} /> ({followsLabel(endpoint)}
            {paths && (
              <>
                ,{' '}
                <Link to={paths.pipeline(endpoint.modelName)}>
                  its pipeline
                </Link>
              </>
            )}
            )
          </>
        ),
        kind: endpoint.kind,
        ...(endpoint.kind !== 'batch' && { traffic: trafficStats(endpoint) }),
        target: placement(endpoint),
        scaling: scaling(endpoint),
        url: endpoint.url ? (
          <Box sx={{ display: 'flex', alignItems: 'center', gap: 0.5 }}>
            <code>{endpoint.url}</code>
            <CopyTextButton
              text={endpoint.url}
              tooltipText="URL copied"
              aria-label="copy URL"
            />
          </Box>
        ) : (
          'None until the endpoint is ready'
        ),
        ...(endpoint.description && { description: endpoint.description }),
        created: `${formatTime(endpoint.createdAt)} by ${actorName(
          endpoint.createdBy,
        )}`,
        updated: formatTime(endpoint.updatedAt),
      }}
    />
  );
}

/**
 * A scoring request in MLflow's scoring protocol (`dataframe_split`), which the
 * serving router speaks: one row of zeros over the served version's features where its
 * feature profile names them, placeholders otherwise.
 *
 * @internal
 */
export function scoringExample(url: string, features?: string[]): string {
  const columns = features?.length ? features : ['feature_1', 'feature_2'];
  const row = columns.map(() => 0);
  return `curl -X POST "${url}" \\
  -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\
  -d '${JSON.stringify({
    dataframe_split: { columns, data: [row] },
  })}'`;
}

/** How to score with the endpoint from a shell, or why not yet; a batch endpoint scores datasets. @internal */
export function ScoringExample(props: { endpoint: EndpointDetails }) {
  const { url, kind, name } = props.endpoint;
  const mlApi = useApi(mlApiRef);
  // The served version's features, from the profile monitoring reads it with.
  const features = useAsync(
    async () =>
      (await mlApi.getEndpointMonitoring(name)).baseline.features ?? [],
    [mlApi, name],
  ).value;
  if (kind === 'batch') {
    return (
      <>
        <MutedText paragraph>
          A batch endpoint scores datasets: each run reads an input dataset and
          writes an output one, as a training job.
        </MutedText>
        <BatchRunButton endpoint={props.endpoint} />
      </>
    );
  }
  if (!url)
    return <MutedText>The endpoint has no URL until it is ready.</MutedText>;
  return (
    <>
      <MutedText paragraph>
        MLflow's scoring protocol: <code>dataframe_split</code>,{' '}
        <code>dataframe_records</code>, <code>instances</code> or{' '}
        <code>inputs</code>, with the columns of the model's signature
        {features?.length ? ' (here from its feature profile)' : ''}.
      </MutedText>
      <CodeSnippet
        language="bash"
        text={scoringExample(url, features)}
        showCopyCodeButton
      />
    </>
  );
}
