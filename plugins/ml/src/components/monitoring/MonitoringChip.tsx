import { FeatureDrift } from '@ml-portal/plugin-ml-common';
import Chip, { ChipProps } from '@mui/material/Chip';

/** A drift status, an SLO's state or an endpoint's state, by how bad it is. */
type Status =
  | FeatureDrift['status']
  | 'breach'
  | 'drifting'
  | 'open'
  | 'closed';

const colors: Record<Status, ChipProps['color']> = {
  ok: 'success',
  closed: 'default',
  warn: 'warning',
  drifting: 'warning',
  alert: 'error',
  breach: 'error',
  open: 'error',
};

/** A monitoring status as a small coloured chip. @internal */
export function MonitoringChip(props: { status: Status; title?: string }) {
  return (
    <Chip
      size="small"
      variant="outlined"
      color={colors[props.status]}
      label={props.status}
      title={props.title}
    />
  );
}
