import { useApi } from '@backstage/frontend-plugin-api';
import { Canary, EndpointDetails } from '@ml-portal/plugin-ml-common';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import LinearProgress from '@mui/material/LinearProgress';
import Typography from '@mui/material/Typography';
import { useCallback } from 'react';
import { mlApiRef } from '../../api/MlApi';
import { DataColumn, DataTable } from '../common/DataTable';
import { formatDuration, formatTime, MISSING } from '../common/format';
import { MutedText } from '../common/MutedText';
import { actorName } from '../registry/registryFormat';
import { ConfirmButton, NO_UPDATE_REASON } from './ConfirmButton';
import {
  canaryProgress,
  formatLatency,
  formatPercent,
} from './deploymentFormat';

type Measure = {
  name: string;
  canary: string;
  stable: string;
  limit: string;
};

/** The canary's numbers beside the stable version's, and what the policy holds them to. */
function measures(canary: Canary): Measure[] {
  const { verdict, policy } = canary;
  // The server's analysis says what it held the canary to.
  const allowed = verdict?.allowed;
  return [
    {
      name: 'Requests',
      canary: String(verdict?.canary.requests ?? MISSING),
      stable: String(verdict?.stable.requests ?? MISSING),
      limit: `at least ${policy.minRequests} each`,
    },
    {
      name: 'Error rate',
      canary: formatPercent(verdict?.canary.errorRate),
      stable: formatPercent(verdict?.stable.errorRate),
      limit: `at most stable + ${(policy.maxErrorRateIncrease * 100).toFixed(
        1,
      )} pts${
        allowed === undefined ? '' : ` (${formatPercent(allowed.errorRate)})`
      }`,
    },
    {
      name: 'p95 latency',
      canary: formatLatency(verdict?.canary.p95Ms),
      stable: formatLatency(verdict?.stable.p95Ms),
      limit: `at most stable × ${policy.maxP95Ratio}${
        allowed?.p95Ms === undefined ? '' : ` (${formatLatency(allowed.p95Ms)})`
      }`,
    },
  ];
}

function measureColumns(canary: Canary): DataColumn<Measure>[] {
  return [
    { title: 'Measure', render: row => row.name },
    {
      title: `Canary v${canary.version}`,
      align: 'right',
      render: row => row.canary,
    },
    {
      title: `Stable v${canary.stableVersion}`,
      align: 'right',
      render: row => row.stable,
    },
    { title: 'Threshold', render: row => row.limit },
  ];
}

const verdictSeverity = {
  wait: 'info',
  pass: 'success',
  fail: 'error',
} as const;

const decisionWords = {
  wait: 'Waiting',
  pass: 'Passing',
  fail: 'Failing',
} as const;

const outcomeWords: Record<Canary['status'], string> = {
  RUNNING: 'running',
  PROMOTED: 'promoted',
  ROLLED_BACK: 'rolled back',
  ABORTED: 'aborted',
};

function ProgressBar(props: { label: string; value: number; text: string }) {
  return (
    <Box sx={{ mb: 1.5 }}>
      <Typography variant="body2">{props.text}</Typography>
      <LinearProgress
        variant="determinate"
        value={props.value}
        aria-label={props.label}
        sx={{ height: 8, borderRadius: 1, mt: 0.5 }}
      />
    </Box>
  );
}

/** Promote and abort, each after a confirmation, while the canary runs. */
function CanaryActions(props: {
  endpoint: EndpointDetails;
  canary: Canary;
  onChanged: () => void;
}) {
  const { endpoint, canary, onChanged } = props;
  const mlApi = useApi(mlApiRef);
  const promote = useCallback(
    () => mlApi.promoteCanary(endpoint.name),
    [mlApi, endpoint.name],
  );
  const abort = useCallback(
    () => mlApi.abortCanary(endpoint.name),
    [mlApi, endpoint.name],
  );
  const disabledReason = endpoint.canUpdate ? undefined : NO_UPDATE_REASON;
  return (
    <Box sx={{ display: 'flex', gap: 1 }}>
      <ConfirmButton
        label="Promote"
        variant="contained"
        title={`Promote version ${canary.version}?`}
        description={`Version ${canary.version} takes all of ${
          endpoint.name
        }'s traffic now, whatever the analysis says${
          canary.alias ? `, and ${canary.alias} moves to it` : ''
        }.`}
        confirmLabel="Promote"
        action={promote}
        onDone={onChanged}
        disabledReason={disabledReason}
      />
      <ConfirmButton
        label="Abort"
        color="secondary"
        title={`Abort the canary of version ${canary.version}?`}
        description={`Traffic returns to version ${canary.stableVersion}${
          canary.alias ? `; ${canary.alias} does not move` : ''
        }.`}
        confirmLabel="Abort canary"
        action={abort}
        onDone={onChanged}
        disabledReason={disabledReason}
      />
    </Box>
  );
}

/**
 * A canary: how far it is (time and requests against its policy), the analysis'
 * verdict with the numbers it compared, and Promote / Abort while it runs.
 *
 * @internal
 */
export function CanaryCard(props: {
  endpoint: EndpointDetails;
  canary: Canary;
  now: number;
  onChanged: () => void;
}) {
  const { endpoint, canary, now, onChanged } = props;
  const progress = canaryProgress(canary, now);
  const running = canary.status === 'RUNNING';
  return (
    <Box role="region" aria-label="canary">
      <Box
        sx={{
          display: 'flex',
          justifyContent: 'space-between',
          alignItems: 'center',
          mb: 1,
        }}
      >
        <Typography variant="subtitle1">
          Version {canary.version} at {canary.percent}% beside version{' '}
          {canary.stableVersion}: {outcomeWords[canary.status]}
        </Typography>
        {running && (
          <CanaryActions
            endpoint={endpoint}
            canary={canary}
            onChanged={onChanged}
          />
        )}
      </Box>
      <MutedText paragraph>
        Started {formatTime(canary.startedAt)} by {actorName(canary.startedBy)}
        {canary.alias && `; ${canary.alias} moves to it when it passes`}
        {canary.decidedAt !== undefined &&
          `; decided ${formatTime(canary.decidedAt)}${
            canary.decidedBy ? ` by ${actorName(canary.decidedBy)}` : ''
          }`}
      </MutedText>
      <ProgressBar
        label="canary time"
        value={progress.timePercent}
        text={`${formatDuration(progress.elapsedMs)} of ${formatDuration(
          progress.durationMs,
        )}`}
      />
      <ProgressBar
        label="canary requests"
        value={progress.requestsPercent}
        text={`${progress.canaryRequests} canary and ${progress.stableRequests} stable requests of ${progress.minRequests} needed each`}
      />
      {canary.verdict ? (
        <>
          <Alert
            severity={verdictSeverity[canary.verdict.decision]}
            sx={{ mb: 1 }}
          >
            <strong>{decisionWords[canary.verdict.decision]}</strong>:{' '}
            {canary.verdict.reason} (analysed {formatTime(canary.verdict.at)})
          </Alert>
          <DataTable
            label="canary analysis"
            columns={measureColumns(canary)}
            rows={measures(canary)}
            rowKey={row => row.name}
            empty={null}
          />
        </>
      ) : (
        <MutedText>No analysis yet: the first runs after a minute.</MutedText>
      )}
    </Box>
  );
}
