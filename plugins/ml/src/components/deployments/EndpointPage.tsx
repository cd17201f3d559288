import {
  Content,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { EndpointDetails } from '@ml-portal/plugin-ml-common';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Grid from '@mui/material/Grid';
import { useCallback, useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { mlApiRef } from '../../api/MlApi';
import { GridCard } from '../common/GridCard';
import { useMlPaths } from '../common/mlPaths';
import { MutedText } from '../common/MutedText';
import { PageTrail } from '../common/PageTrail';
import { usePolledAsync } from '../common/usePolledAsync';
import { MonitoringSection } from '../monitoring';
import { CanaryCard } from './CanaryCard';
import { ConfirmButton, NO_UPDATE_REASON } from './ConfirmButton';
import { GuardedButton } from '../common/GuardedButton';
import { isSettling } from './deploymentFormat';
import { DeploymentsTable } from './DeploymentsTable';
import { DeployVersionDialog } from './DeployVersionDialog';
import { EndpointSummary, ScoringExample } from './EndpointSummary';
import { EndpointTimeline } from './EndpointTimeline';
import { TrafficSplit } from './TrafficSplit';

/** How often an endpoint that is changing (starting, a canary running) is fetched again. @internal */
export const ENDPOINT_REFRESH_MS = 3000;

/** Deploy another version, delete: the endpoint card's actions. */
function EndpointActions(props: {
  endpoint: EndpointDetails;
  onChanged: () => void;
}) {
  const { endpoint, onChanged } = props;
  const mlApi = useApi(mlApiRef);
  const navigate = useNavigate();
  const paths = useMlPaths();
  const [deploying, setDeploying] = useState(false);
  const remove = useCallback(
    () => mlApi.deleteEndpoint(endpoint.name),
    [mlApi, endpoint.name],
  );
  const disabledReason = endpoint.canUpdate ? undefined : NO_UPDATE_REASON;
  return (
    <Box sx={{ display: 'flex', gap: 1 }}>
      <GuardedButton
        label="Deploy version"
        variant="contained"
        onClick={() => setDeploying(true)}
        disabledReason={disabledReason}
      />
      <ConfirmButton
        label="Delete"
        color="secondary"
        title={`Delete ${endpoint.name}?`}
        description="Its deployments are removed from the target and its URL stops answering. Its history stays in the audit trail."
        confirmLabel="Delete endpoint"
        action={remove}
        // Inside the ML page, whose route refs always resolve.
        onDone={() => navigate(paths!.deployments())}
        disabledReason={disabledReason}
      />
      {deploying && (
        <DeployVersionDialog
          endpoint={endpoint}
          onClose={() => setDeploying(false)}
          onDeployed={() => {
            setDeploying(false);
            onChanged();
          }}
        />
      )}
    </Box>
  );
}

function RollbackButton(props: {
  endpoint: EndpointDetails;
  onChanged: () => void;
}) {
  const { endpoint, onChanged } = props;
  const mlApi = useApi(mlApiRef);
  // The server picks it, as its rollback does.
  const target = endpoint.rollbackVersion;
  const rollback = useCallback(
    () => mlApi.rollbackEndpoint(endpoint.name),
    [mlApi, endpoint.name],
  );
  if (!target) return null;
  return (
    <ConfirmButton
      label={`Roll back to v${target}`}
      title={`Roll back ${endpoint.name} to version ${target}?`}
      description={`Version ${target} takes all traffic again at once${
        endpoint.canary?.status === 'RUNNING'
          ? ', and the running canary ends'
          : ''
      }.`}
      confirmLabel="Roll back"
      action={rollback}
      onDone={onChanged}
      disabledReason={endpoint.canUpdate ? undefined : NO_UPDATE_REASON}
    />
  );
}

/**
 * One endpoint: what it serves and where, its traffic split, the running
 * canary's progress and verdict, its monitoring (latency and errors per
 * version, SLOs, alerts, drift), its deployments and events; deploy, promote,
 * abort, roll back and delete.
 *
 * @internal
 */
export function EndpointPage() {
  const { endpoint: name = '' } = useParams();
  const mlApi = useApi(mlApiRef);
  const paths = useMlPaths();
  const endpoint = usePolledAsync(
    () => mlApi.getEndpoint(name),
    [mlApi, name],
    value => (value && isSettling(value) ? ENDPOINT_REFRESH_MS : null),
  );
  const trail = [
    { label: 'Deployments', to: paths?.deployments() },
    { label: name },
  ];

  if (endpoint.loading) return <Progress />;
  if (!endpoint.value) {
    return (
      <Content>
        <PageTrail crumbs={trail} />
        <ResponseErrorPanel
          error={endpoint.error!}
          title="Could not load the endpoint"
        />
      </Content>
    );
  }
  const details = endpoint.value;
  const canary = details.canary ?? details.canaries[0];
  const settling = isSettling(details);

  return (
    <Content>
      <PageTrail crumbs={trail} />
      <Grid container spacing={3}>
        {endpoint.error && (
          <Grid item xs={12}>
            <Alert severity="warning">
              Could not refresh the endpoint: {endpoint.error.message}
            </Alert>
          </Grid>
        )}
        <GridCard
          md={7}
          title={details.name}
          subheader={settling ? 'Refreshing while it changes' : undefined}
          action={
            <EndpointActions endpoint={details} onChanged={endpoint.retry} />
          }
        >
          <EndpointSummary endpoint={details} />
        </GridCard>
        <GridCard md={5} title="Traffic">
          <TrafficSplit deployments={details.deployments} />
        </GridCard>
        <GridCard title="Canary">
          {canary ? (
            <CanaryCard
              endpoint={details}
              canary={canary}
              now={Date.now()}
              onChanged={endpoint.retry}
            />
          ) : (
            <MutedText>
              No canary yet: deploy a version as a canary and the analysis
              compares it with the stable one.
            </MutedText>
          )}
        </GridCard>
        <MonitoringSection
          endpoint={details.name}
          canUpdate={details.canUpdate}
          live={settling}
        />
        <GridCard
          title="Deployments"
          action={
            <RollbackButton endpoint={details} onChanged={endpoint.retry} />
          }
        >
          <DeploymentsTable
            modelName={details.modelName}
            deployments={details.deployments}
            history={details.history}
          />
        </GridCard>
        <GridCard title="Score it">
          <ScoringExample endpoint={details} />
        </GridCard>
        <GridCard title="Events">
          <EndpointTimeline events={details.events} />
        </GridCard>
      </Grid>
    </Content>
  );
}
