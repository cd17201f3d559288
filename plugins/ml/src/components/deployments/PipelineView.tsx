import {
  ModelPipeline,
  PipelineEndpoint,
  PipelineStage,
} from '@ml-portal/plugin-ml-common';
import ArrowForwardIcon from '@mui/icons-material/ArrowForward';
import Box from '@mui/material/Box';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';
import { MutedText } from '../common/MutedText';
import { actorName } from '../registry/registryFormat';
import { VersionLink } from '../registry/registryLinks';
import { formatPercent, trafficSummary } from './deploymentFormat';
import { EndpointLink } from './EndpointLink';
import { EndpointStatusChip } from './EndpointStatusChip';

/** One endpoint of a stage: its traffic, status and running canary. */
function StageEndpoint(props: { endpoint: PipelineEndpoint }) {
  const { endpoint } = props;
  const { canary } = endpoint;
  return (
    <Box component="li" sx={{ mb: 1 }}>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
        <EndpointLink name={endpoint.name} />
        <EndpointStatusChip status={endpoint.status} />
      </Box>
      <Typography variant="body2">
        {trafficSummary(endpoint.deployments)}
      </Typography>
      <Typography variant="caption" color="text.secondary" display="block">
        {endpoint.kind} on {endpoint.target}
      </Typography>
      {canary?.status === 'RUNNING' && (
        <Typography variant="caption" display="block">
          Canary v{canary.version} at {canary.percent}%:{' '}
          {canary.verdict
            ? `${canary.verdict.decision} (errors ${formatPercent(
                canary.verdict.canary.errorRate,
              )} vs ${formatPercent(canary.verdict.stable.errorRate)})`
            : 'no verdict yet'}
        </Typography>
      )}
    </Box>
  );
}

function EndpointList(props: { endpoints: PipelineEndpoint[]; empty: string }) {
  if (props.endpoints.length === 0) return <MutedText>{props.empty}</MutedText>;
  return (
    <Box component="ul" sx={{ m: 0, pl: 2 }}>
      {props.endpoints.map(endpoint => (
        <StageEndpoint key={endpoint.name} endpoint={endpoint} />
      ))}
    </Box>
  );
}

function Stage(props: {
  modelName: string;
  stage: PipelineStage;
  decideWhere: string;
}) {
  const { modelName, stage, decideWhere } = props;
  return (
    <Paper
      variant="outlined"
      role="region"
      aria-label={`stage ${stage.name}`}
      sx={{ p: 2, minWidth: 240, flex: '1 1 0' }}
    >
      <Typography variant="h6">{stage.name}</Typography>
      <Typography variant="body2" paragraph>
        {stage.version ? (
          <VersionLink name={modelName} version={stage.version} />
        ) : (
          'No version yet'
        )}
      </Typography>
      <Typography variant="subtitle2">Endpoints</Typography>
      <EndpointList
        endpoints={stage.endpoints}
        empty="No endpoint follows this stage."
      />
      {stage.pendingPromotions.length > 0 && (
        <>
          <Typography variant="subtitle2" sx={{ mt: 1 }}>
            Awaiting approval
          </Typography>
          <Box component="ul" sx={{ m: 0, pl: 2 }}>
            {stage.pendingPromotions.map(request => (
              <Typography component="li" variant="body2" key={request.id}>
                <VersionLink name={modelName} version={request.version} />,
                requested by {actorName(request.requestedBy)}; {decideWhere}
              </Typography>
            ))}
          </Box>
        </>
      )}
    </Paper>
  );
}

/**
 * A model's stages left to right: the version each stage's alias holds, the
 * endpoints following it with their traffic and canaries, the promotions that
 * wait for approval; then the endpoints pinned to a version.
 *
 * @internal
 */
export function PipelineView(props: {
  pipeline: ModelPipeline;
  /** Where pending requests are decided, e.g. `decide under Promotion requests`. */
  decideWhere?: string;
}) {
  const { pipeline, decideWhere = "decided on the model's page" } = props;
  return (
    <>
      {pipeline.stages.length === 0 ? (
        <MutedText paragraph>This model has no stages.</MutedText>
      ) : (
        <Box
          aria-label="pipeline stages"
          sx={{
            display: 'flex',
            alignItems: 'stretch',
            gap: 1,
            overflowX: 'auto',
          }}
        >
          {pipeline.stages.map((stage, index) => (
            <Box
              key={stage.name}
              sx={{ display: 'flex', alignItems: 'center', gap: 1, flex: 1 }}
            >
              {index > 0 && (
                <ArrowForwardIcon color="action" aria-hidden="true" />
              )}
              <Stage
                modelName={pipeline.modelName}
                stage={stage}
                decideWhere={decideWhere}
              />
            </Box>
          ))}
        </Box>
      )}
      {pipeline.otherEndpoints.length > 0 && (
        <Box role="region" aria-label="pinned endpoints" sx={{ mt: 2 }}>
          <Typography variant="subtitle2">Pinned to a version</Typography>
          <EndpointList endpoints={pipeline.otherEndpoints} empty="" />
        </Box>
      )}
    </>
  );
}
