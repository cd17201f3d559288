import {
  Content,
  InfoCard,
  Progress,
  ResponseErrorPanel,
  StatusError,
  StatusOK,
  StructuredMetadataTable,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { MlDependencyHealth } from '@ml-portal/plugin-ml-common';
import Grid from '@mui/material/Grid';
import Typography from '@mui/material/Typography';
import useAsync from 'react-use/esm/useAsync';
import { mlApiRef } from '../api/MlApi';
import { MutedText } from './common/MutedText';
import { MonitoringOverviewCard } from './monitoring';
import { AwaitingApprovalCard } from './registry/AwaitingApprovalCard';
import { UnreadAlertsCard } from './UnreadAlertsCard';
import { useLiveAsync } from './common/usePolledAsync';

function DependencyStatus(props: {
  health: MlDependencyHealth;
  detail: string;
}) {
  const { health, detail } = props;
  return health.status === 'ok' ? (
    <StatusOK>
      {detail}, {health.latencyMs} ms
    </StatusOK>
  ) : (
    <StatusError>
      {detail}: {health.message}
    </StatusError>
  );
}

const redisSourceText = {
  config: 'configured URL',
  'default-port': 'server on 127.0.0.1:6379',
  embedded: 'embedded redis-server',
};

/**
 * The backend's health, kept current: a backend that was restarting when the page
 * opened shows as unreachable until the next look finds it up.
 */
function PlatformStatusCard() {
  const mlApi = useApi(mlApiRef);
  const { value, loading, error } = useLiveAsync(
    () => mlApi.getHealth(),
    [mlApi],
  );
  if (loading) {
    return <Progress />;
  }
  if (error) {
    return <ResponseErrorPanel error={error} title="ML backend unreachable" />;
  }
  return (
    <InfoCard title="Platform status">
      <StructuredMetadataTable
        metadata={{
          overall:
            value!.status === 'ok' ? (
              <StatusOK>ok</StatusOK>
            ) : (
              <StatusError>degraded</StatusError>
            ),
          database: (
            <DependencyStatus
              health={value!.database}
              detail={value!.database.client}
            />
          ),
          jobQueue: (
            <DependencyStatus
              health={value!.redis}
              detail={redisSourceText[value!.redis.source]}
            />
          ),
        }}
      />
    </InfoCard>
  );
}

function ComputeTargetsCard() {
  const mlApi = useApi(mlApiRef);
  const { value, loading, error } = useAsync(
    () => mlApi.listComputeTargets(),
    [mlApi],
  );
  if (loading) {
    return <Progress />;
  }
  if (error) {
    return (
      <ResponseErrorPanel
        error={error}
        title="Could not list compute targets"
      />
    );
  }
  return (
    <InfoCard title="Compute targets">
      {value!.length === 0 ? (
        <MutedText>
          No compute target is registered. Targets are backend modules added
          through the ml compute-target extension point (local, Kubernetes,
          SageMaker, Vertex AI, Azure ML).
        </MutedText>
      ) : (
        <ul>
          {value!.map(target => (
            <li key={target.id}>
              <Typography variant="body2">{target.id}</Typography>
            </li>
          ))}
        </ul>
      )}
    </InfoCard>
  );
}

/** The landing tab of the ML Platform page. @internal */
export function OverviewPage() {
  return (
    <Content>
      <Grid container spacing={3}>
        <Grid item xs={12} md={6}>
          <PlatformStatusCard />
        </Grid>
        <Grid item xs={12} md={6}>
          <ComputeTargetsCard />
        </Grid>
        <Grid item xs={12}>
          <UnreadAlertsCard />
        </Grid>
        <Grid item xs={12}>
          <MonitoringOverviewCard />
        </Grid>
        <Grid item xs={12}>
          <AwaitingApprovalCard />
        </Grid>
      </Grid>
    </Content>
  );
}
