import { DeployRequest } from '@ml-portal/plugin-ml-common';
import Box from '@mui/material/Box';
import FormControlLabel from '@mui/material/FormControlLabel';
import Radio from '@mui/material/Radio';
import RadioGroup from '@mui/material/RadioGroup';
import TextField from '@mui/material/TextField';
import { useId } from 'react';

/** How a version goes out on an endpoint, as a dialog's fields hold it. @internal */
export type Rollout = { strategy: 'canary' | 'replace'; percent: string };

/** The strategy and canary share of a deploy request; undefined while the share is not 1-99. @internal */
export function rolloutRequest(
  rollout: Rollout,
): Pick<DeployRequest, 'strategy' | 'canary'> | undefined {
  if (rollout.strategy === 'replace') return { strategy: 'replace' };
  const percent = Number(rollout.percent);
  if (!Number.isInteger(percent) || percent < 1 || percent > 99) {
    return undefined;
  }
  return { strategy: 'canary', canary: { percent } };
}

/**
 * Canary or replace, and the canary's share of traffic. `canaryUnavailable`
 * says why a canary cannot start (no stable version, one already running).
 *
 * @internal
 */
export function RolloutFields(props: {
  value: Rollout;
  onChange: (rollout: Rollout) => void;
  canaryUnavailable?: string;
}) {
  const { value, onChange, canaryUnavailable } = props;
  const percentId = useId();
  const canary = value.strategy === 'canary';
  const percentBad = canary && rolloutRequest(value) === undefined;
  return (
    <Box sx={{ mt: 1 }}>
      <RadioGroup
        row
        aria-label="strategy"
        value={value.strategy}
        onChange={event =>
          onChange({
            ...value,
            strategy: event.target.value as Rollout['strategy'],
          })
        }
      >
        <FormControlLabel
          value="canary"
          control={<Radio />}
          label="Canary beside the stable version"
          disabled={canaryUnavailable !== undefined}
        />
        <FormControlLabel
          value="replace"
          control={<Radio />}
          label="Replace at once"
        />
      </RadioGroup>
      {canaryUnavailable && (
        <Box sx={{ typography: 'caption', color: 'text.secondary' }}>
          {canaryUnavailable}
        </Box>
      )}
      {canary && (
        <TextField
          id={percentId}
          label="Canary traffic (%)"
          type="number"
          size="small"
          margin="normal"
          inputProps={{ min: 1, max: 99 }}
          value={value.percent}
          onChange={event =>
            onChange({ ...value, percent: event.target.value })
          }
          error={percentBad}
          helperText={
            percentBad
              ? 'A whole number from 1 to 99'
              : 'The analysis compares it with the stable version, then promotes or rolls it back'
          }
        />
      )}
    </Box>
  );
}

/** Why an endpoint cannot take a canary now, if it cannot. @internal */
export function canaryUnavailableReason(endpoint: {
  deployments: Array<{ role: string }>;
  canary?: { status: string };
}): string | undefined {
  if (endpoint.canary?.status === 'RUNNING') {
    return 'A canary is running on this endpoint: promote or abort it first.';
  }
  if (!endpoint.deployments.some(deployment => deployment.role === 'stable')) {
    return 'The endpoint has no stable version to compare a canary with.';
  }
  return undefined;
}
