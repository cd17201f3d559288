import {
  Content,
  Progress,
  ResponseErrorPanel,
  StructuredMetadataTable,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import Button from '@mui/material/Button';
import Grid from '@mui/material/Grid';
import { useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { mlApiRef } from '../../api/MlApi';
import { Loaded } from '../common/Loaded';
import { ModelVersionCost } from '../cost/ModelVersionCost';
import { DeployDialog } from '../deployments/DeployDialog';
import { DeployedOn } from '../deployments/DeployedOn';
import { formatTime, MISSING } from '../common/format';
import { GridCard } from '../common/GridCard';
import { useMlPaths } from '../common/mlPaths';
import { MutedText } from '../common/MutedText';
import { OwnerLink } from '../common/OwnerLink';
import { PageTrail } from '../common/PageTrail';
import { LineageGraph } from '../lineage/LineageGraph';
import { VersionDrift } from '../monitoring';
import { AliasChips } from './AliasChips';
import { AuditTrail } from './AuditTrail';
import { MetricValues } from './MetricValues';
import { PromotionRequests } from './PromotionRequests';
import { actorName } from './registryFormat';
import { ModelLink, SourceRunLink } from './registryLinks';
import { VersionStatus } from './VersionStatus';

/**
 * One model version: where it came from (its run, and the lineage beyond), what
 * that run measured, where it is deployed (and Deploy), what it cost to train
 * and serve, its aliases, promotions and audit trail.
 *
 * @internal
 */
export function ModelVersionPage() {
  const { name = '', version = '' } = useParams();
  const mlApi = useApi(mlApiRef);
  const paths = useMlPaths();
  const navigate = useNavigate();
  const [deploying, setDeploying] = useState(false);
  const { value, loading, error, retry } = useAsyncRetry(
    () => mlApi.getModelVersion({ name, version }),
    [mlApi, name, version],
  );
  // The model's endpoints: where this version serves, and where it may go.
  const endpoints = useAsyncRetry(
    () => mlApi.listEndpoints({ model: name }),
    [mlApi, name],
  );

  if (loading && !value) return <Progress />;
  if (error) {
    return (
      <Content>
        <ResponseErrorPanel
          error={error}
          title="Could not load the model version"
        />
      </Content>
    );
  }
  const details = value!;

  return (
    <Content>
      <PageTrail
        crumbs={[
          { label: 'Models', to: paths?.models() },
          { label: name, to: paths?.model(name) },
          { label: `Version ${version}` },
        ]}
      />
      <Grid container spacing={3}>
        <GridCard
          md={6}
          title={`${name} version ${version}`}
          action={
            <Button
              variant="contained"
              color="primary"
              disabled={details.status !== 'READY' || !endpoints.value}
              title={
                details.status === 'READY'
                  ? undefined
                  : 'Only a READY version can be deployed'
              }
              onClick={() => setDeploying(true)}
            >
              Deploy
            </Button>
          }
        >
          <StructuredMetadataTable
            metadata={{
              status: (
                <VersionStatus
                  status={details.status}
                  message={details.statusMessage}
                />
              ),
              stage: details.currentStage,
              aliases: (
                <AliasChips
                  aliases={details.aliases.map(alias => ({ alias }))}
                  emptyText="None"
                />
              ),
              sourceRun: (
                <SourceRunLink version={details} runName={details.runName} />
              ),
              source: <code>{details.source}</code>,
              description: details.description || MISSING,
              owner: <OwnerLink owner={details.owner} />,
              registeredBy: details.userId
                ? actorName(details.userId)
                : MISSING,
              created: formatTime(details.creationTimestamp),
              updated: formatTime(details.lastUpdatedTimestamp),
            }}
          />
        </GridCard>
        <GridCard md={6} title="Metrics of the source run">
          <MetricValues
            label="metrics"
            metrics={details.metrics}
            emptyText="The source run logged no metrics."
          />
        </GridCard>
        <GridCard title="Deployed on">
          <Loaded state={endpoints} errorTitle="Could not list the endpoints">
            {list => <DeployedOn endpoints={list} version={version} />}
          </Loaded>
        </GridCard>
        <GridCard title="Drift">
          {/* A failed list shows once, under Deployed on. */}
          <Loaded state={endpoints} errorTitle="" hideError>
            {list => <VersionDrift endpoints={list} version={version} />}
          </Loaded>
        </GridCard>
        <GridCard
          title="Cost"
          subheader="The GPU time of the runs in its lineage, and its serving"
        >
          <ModelVersionCost name={name} version={version} />
        </GridCard>
        <GridCard title="Lineage">
          <LineageGraph node={{ kind: 'model_version', id: details.id }} />
        </GridCard>
        <GridCard title="Promotion requests">
          <PromotionRequests
            promotions={details.promotions}
            canApprove={false}
            onDecided={retry}
          />
          <MutedText>
            Requests are decided on the{' '}
            <ModelLink name={name}>model's page</ModelLink>.
          </MutedText>
        </GridCard>
        <GridCard title="Audit trail">
          <AuditTrail events={details.audit} />
        </GridCard>
      </Grid>
      {deploying && endpoints.value && (
        <DeployDialog
          modelName={name}
          version={version}
          aliases={details.aliases}
          endpoints={endpoints.value}
          onClose={() => setDeploying(false)}
          // Inside the ML page, whose route refs always resolve.
          onDeployed={endpoint => navigate(paths!.endpoint(endpoint.name))}
        />
      )}
    </Content>
  );
}
