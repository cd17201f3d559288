import {
  Content,
  Progress,
  ResponseErrorPanel,
  StructuredMetadataTable,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { PromotionRequest } from '@ml-portal/plugin-ml-common';
import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import Grid from '@mui/material/Grid';
import { useCallback, useState } from 'react';
import { useParams } from 'react-router-dom';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { mlApiRef } from '../../api/MlApi';
import { Loaded } from '../common/Loaded';
import { PipelineView } from '../deployments/PipelineView';
import { formatTime, MISSING } from '../common/format';
import { GridCard } from '../common/GridCard';
import { KeyValueTable } from '../common/KeyValueTable';
import { useMlPaths } from '../common/mlPaths';
import { OwnerLink } from '../common/OwnerLink';
import { PageTrail } from '../common/PageTrail';
import { ReadinessScorecard } from '../readiness/ReadinessScorecard';
import { AliasChips } from './AliasChips';
import { AuditTrail } from './AuditTrail';
import { PromotionRequests } from './PromotionRequests';
import { RequestPromotionDialog } from './RequestPromotionDialog';
import { VersionsTable } from './VersionsTable';

/** What became of a promotion request just sent. */
function outcome(request: PromotionRequest): string {
  if (request.status === 'APPROVED') {
    return `${request.alias} now points at version ${request.version}.`;
  }
  return `Requested: ${request.alias} → version ${request.version} waits for approval.`;
}

/**
 * One registered model: its versions and aliases, its deployment pipeline, the
 * promotion requests to decide, and its audit trail.
 *
 * @internal
 */
export function ModelPage() {
  const { name = '' } = useParams();
  const mlApi = useApi(mlApiRef);
  const paths = useMlPaths();
  const [requesting, setRequesting] = useState(false);
  const [notice, setNotice] = useState<string>();
  const { value, loading, error, retry } = useAsyncRetry(
    () => Promise.all([mlApi.getModel(name), mlApi.getModelAudit(name)]),
    [mlApi, name],
  );
  // Apart from the model: a page without deployments still shows the model.
  const pipeline = useAsyncRetry(
    () => mlApi.getModelPipeline(name),
    [mlApi, name],
  );
  const reloadPipeline = pipeline.retry;
  const onRequested = useCallback(
    (request: PromotionRequest) => {
      setRequesting(false);
      setNotice(outcome(request));
      retry();
      reloadPipeline();
    },
    [retry, reloadPipeline],
  );
  // A decision outdates whatever the notice said about the request.
  const onDecided = useCallback(() => {
    setNotice(undefined);
    retry();
    reloadPipeline();
  }, [retry, reloadPipeline]);

  // Keep the page while it reloads after a decision; a spinner only at first.
  if (loading && !value) return <Progress />;
  if (error) {
    return (
      <Content>
        <ResponseErrorPanel error={error} title="Could not load the model" />
      </Content>
    );
  }
  const [model, audit] = value!;

  return (
    <Content>
      <PageTrail
        crumbs={[{ label: 'Models', to: paths?.models() }, { label: name }]}
      />
      {notice && (
        <Alert
          severity="success"
          onClose={() => setNotice(undefined)}
          sx={{ mb: 2 }}
        >
          {notice}
        </Alert>
      )}
      <Grid container spacing={3}>
        <GridCard
          md={6}
          title={model.name}
          action={
            <Button
              variant="outlined"
              color="primary"
              disabled={model.versions.length === 0}
              onClick={() => setRequesting(true)}
            >
              Request promotion
            </Button>
          }
        >
          <StructuredMetadataTable
            metadata={{
              description: model.description || MISSING,
              owner: <OwnerLink owner={model.owner} />,
              aliases: (
                <AliasChips
                  aliases={model.aliases}
                  protectedAliases={model.protectedAliases}
                  emptyText="None"
                />
              ),
              created: formatTime(model.creationTimestamp),
              updated: formatTime(model.lastUpdatedTimestamp),
            }}
          />
        </GridCard>
        <GridCard md={6} title="Tags">
          <KeyValueTable label="tags" rows={model.tags} emptyText="No tags." />
        </GridCard>
        <GridCard title="Production readiness">
          <ReadinessScorecard name={model.name} />
        </GridCard>
        <GridCard title="Pipeline">
          <Loaded state={pipeline} errorTitle="Could not load the pipeline">
            {stages => (
              <PipelineView
                pipeline={stages}
                decideWhere="decide under Promotion requests"
              />
            )}
          </Loaded>
        </GridCard>
        <GridCard title="Promotion requests">
          <PromotionRequests
            promotions={model.promotions}
            canApprove={model.canApprove}
            onDecided={onDecided}
            showVersion
          />
        </GridCard>
        <GridCard title="Versions">
          <VersionsTable
            versions={model.versions}
            protectedAliases={model.protectedAliases}
          />
        </GridCard>
        <GridCard title="Audit trail">
          <AuditTrail events={audit} />
        </GridCard>
      </Grid>
      {requesting && (
        <RequestPromotionDialog
          model={model}
          onClose={() => setRequesting(false)}
          onRequested={onRequested}
        />
      )}
    </Content>
  );
}
