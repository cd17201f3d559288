import { useApi } from '@backstage/frontend-plugin-api';
import {
  GateResult,
  PromotionGate,
  PromotionRequest,
} from '@ml-portal/plugin-ml-common';
import CancelIcon from '@mui/icons-material/Cancel';
import CheckCircleIcon from '@mui/icons-material/CheckCircle';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Paper from '@mui/material/Paper';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useId, useState } from 'react';
import useAsyncFn from 'react-use/esm/useAsyncFn';
import { mlApiRef } from '../../api/MlApi';
import { DataColumn, DataTable } from '../common/DataTable';
import { FormDialog, textAreaProps } from '../common/FormDialog';
import { MutedText } from '../common/MutedText';
import { formatTime, MISSING } from '../common/format';
import { metricsInline } from './MetricValues';
import { actorName } from './registryFormat';
import { VersionLink } from './registryLinks';

type Decision = 'approve' | 'reject';

/** What a gate checks, e.g. `val_auc >= 0.7`. @internal */
export function describeGate(gate: PromotionGate): string {
  switch (gate.type) {
    case 'metric':
      return `${gate.metric} ${gate.op} ${gate.threshold}`;
    case 'no-open-drift-alert':
      return 'No open drift alert';
    default:
      return 'Unknown gate';
  }
}

function GateResults(props: { gates: GateResult[] }) {
  if (props.gates.length === 0) {
    return <MutedText>No gates apply to this alias.</MutedText>;
  }
  return (
    <Box component="ul" sx={{ m: 0, pl: 0, listStyle: 'none' }}>
      {props.gates.map((result, index) => (
        <Box
          component="li"
          key={index}
          sx={{ display: 'flex', alignItems: 'center', gap: 0.75 }}
        >
          {result.passed ? (
            <CheckCircleIcon
              fontSize="small"
              color="success"
              aria-label="passed"
            />
          ) : (
            <CancelIcon fontSize="small" color="error" aria-label="failed" />
          )}
          <Typography variant="body2">
            <strong>{describeGate(result.gate)}</strong>: {result.detail}
          </Typography>
        </Box>
      ))}
    </Box>
  );
}

/** Approve (comment optional) or reject (comment required) one request. */
function DecisionDialog(props: {
  request: PromotionRequest;
  decision: Decision;
  onClose: () => void;
  onDecided: () => void;
}) {
  const { request, decision, onClose, onDecided } = props;
  const mlApi = useApi(mlApiRef);
  const id = useId();
  const [comment, setComment] = useState('');
  const trimmed = comment.trim();
  const commentMissing = decision === 'reject' && !trimmed;
  const failedGates = request.gates.filter(g => !g.passed).length;

  const [state, submit] = useAsyncFn(async () => {
    if (decision === 'approve') {
      await mlApi.approvePromotion({
        id: request.id,
        ...(trimmed && { comment: trimmed }),
      });
    } else {
      await mlApi.rejectPromotion({ id: request.id, comment: trimmed });
    }
    onDecided();
  }, [mlApi, request.id, decision, trimmed, onDecided]);

  const verb = decision === 'approve' ? 'Approve' : 'Reject';
  return (
    <FormDialog
      title={`${verb} ${describeRequest(request)}`}
      error={state.error}
      submitLabel={verb}
      submitDisabled={commentMissing || state.loading}
      onSubmit={submit}
      onClose={onClose}
    >
      {decision === 'approve' && failedGates > 0 && (
        <Alert severity="warning">
          {failedGates} of {request.gates.length} gates failed.
        </Alert>
      )}
      <TextField
        id={id}
        label={decision === 'reject' ? 'Why (required)' : 'Comment'}
        helperText={
          decision === 'reject'
            ? 'Tell the requester what to fix.'
            : 'Optional; kept in the audit trail.'
        }
        value={comment}
        onChange={event => setComment(event.target.value)}
        {...textAreaProps}
        // The dialog opens to fill this field: focus moves into it, as the
        // WAI-ARIA dialog pattern has it.
        // eslint-disable-next-line jsx-a11y/no-autofocus
        autoFocus
      />
    </FormDialog>
  );
}

/** What a request asks, e.g. `moving production to version 3`. */
function describeRequest(request: PromotionRequest) {
  return request.action === 'remove'
    ? `removing ${request.alias} from version ${request.version}`
    : `moving ${request.alias} to version ${request.version}`;
}

function PendingRequest(props: {
  request: PromotionRequest;
  canApprove: boolean;
  showVersion: boolean;
  onDecide: (decision: Decision) => void;
}) {
  const { request, canApprove, showVersion, onDecide } = props;
  const snapshot = metricsInline(request.metrics);
  return (
    <Paper
      variant="outlined"
      sx={{ p: 2, mb: 1.5 }}
      role="region"
      aria-label={
        request.action === 'remove'
          ? `request removing ${request.alias} from version ${request.version}`
          : `request ${request.alias} to version ${request.version}`
      }
    >
      <Box
        sx={{
          display: 'flex',
          alignItems: 'center',
          justifyContent: 'space-between',
        }}
      >
        <Typography variant="subtitle1">
          {request.action === 'remove' ? 'Remove ' : ''}
          <strong>{request.alias}</strong>
          {request.action === 'remove' ? ' from ' : ' → '}
          {showVersion ? (
            <VersionLink name={request.modelName} version={request.version} />
          ) : (
            `version ${request.version}`
          )}
        </Typography>
        {canApprove && (
          <Box sx={{ display: 'flex', gap: 1 }}>
            <Button
              size="small"
              variant="contained"
              color="primary"
              onClick={() => onDecide('approve')}
            >
              Approve
            </Button>
            <Button
              size="small"
              variant="outlined"
              onClick={() => onDecide('reject')}
            >
              Reject
            </Button>
          </Box>
        )}
      </Box>
      <MutedText paragraph>
        Requested by {actorName(request.requestedBy)} on{' '}
        {formatTime(request.requestedAt)}; awaiting a decision by{' '}
        {request.approverGroups.map(actorName).join(' or ') || MISSING}
      </MutedText>
      {request.reason && (
        <Typography variant="body2" paragraph>
          {request.reason}
        </Typography>
      )}
      <Typography variant="subtitle2">Gates</Typography>
      {request.action === 'remove' ? (
        <MutedText paragraph>
          None: taking a protected alias off a version is the rollback path.
        </MutedText>
      ) : (
        <GateResults gates={request.gates} />
      )}
      <Typography variant="subtitle2" sx={{ mt: 1 }}>
        Metrics when requested
      </Typography>
      <Typography variant="body2" aria-label="metrics snapshot">
        {snapshot || 'The source run had no metrics.'}
      </Typography>
    </Paper>
  );
}

const decidedColumns: DataColumn<PromotionRequest>[] = [
  { title: 'Alias', render: request => request.alias },
  { title: 'Version', render: request => request.version },
  {
    title: 'Outcome',
    render: request => (
      <Chip
        size="small"
        label={request.status.toLowerCase()}
        color={request.status === 'APPROVED' ? 'primary' : 'default'}
      />
    ),
  },
  { title: 'Requested by', render: request => actorName(request.requestedBy) },
  {
    title: 'Decided',
    render: request =>
      request.decidedBy
        ? `${actorName(request.decidedBy)}, ${formatTime(request.decidedAt)}`
        : MISSING,
  },
  {
    title: 'Comment',
    wrap: true,
    render: request => request.decisionComment ?? MISSING,
  },
];

/**
 * Promotion requests: the pending ones with their gate results and metrics
 * snapshot (and Approve / Reject for those who may decide), then the decided ones.
 *
 * @internal
 */
export function PromotionRequests(props: {
  promotions: PromotionRequest[];
  canApprove: boolean;
  onDecided: () => void;
  /** Link each request to its version (the model page lists them all). */
  showVersion?: boolean;
}) {
  const { promotions, canApprove, onDecided, showVersion = false } = props;
  const [deciding, setDeciding] = useState<{
    request: PromotionRequest;
    decision: Decision;
  }>();
  const byNewest = [...promotions].sort(
    (a, b) => b.requestedAt - a.requestedAt,
  );
  const pending = byNewest.filter(p => p.status === 'PENDING');
  const decided = byNewest.filter(p => p.status !== 'PENDING');

  return (
    <>
      {pending.length === 0 ? (
        <MutedText paragraph>No pending promotion requests.</MutedText>
      ) : (
        pending.map(request => (
          <PendingRequest
            key={request.id}
            request={request}
            canApprove={canApprove}
            showVersion={showVersion}
            onDecide={decision => setDeciding({ request, decision })}
          />
        ))
      )}
      {decided.length > 0 && (
        <DataTable
          label="decided promotion requests"
          columns={decidedColumns}
          rows={decided}
          rowKey={request => request.id}
          empty={null}
        />
      )}
      {deciding && (
        <DecisionDialog
          request={deciding.request}
          decision={deciding.decision}
          onClose={() => setDeciding(undefined)}
          onDecided={() => {
            setDeciding(undefined);
            onDecided();
          }}
        />
      )}
    </>
  );
}
