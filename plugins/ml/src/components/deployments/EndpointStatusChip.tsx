import {
  EndpointDeployment,
  EndpointStatus,
} from '@ml-portal/plugin-ml-common';
import Chip, { ChipProps } from '@mui/material/Chip';

const statusColor: Record<EndpointStatus, ChipProps['color']> = {
  CREATING: 'info',
  UPDATING: 'info',
  READY: 'success',
  FAILED: 'error',
};

const stateColor: Record<EndpointDeployment['state'], ChipProps['color']> = {
  starting: 'info',
  ready: 'success',
  failed: 'error',
  'scaled-to-zero': 'default',
  retired: 'default',
};

/** An endpoint's status, or one deployment's state, as a small coloured chip. @internal */
export function EndpointStatusChip(props: {
  status: EndpointStatus | EndpointDeployment['state'];
  title?: string;
}) {
  const { status, title } = props;
  const color =
    status in statusColor
      ? statusColor[status as EndpointStatus]
      : stateColor[status as EndpointDeployment['state']];
  return (
    <Chip
      size="small"
      variant="outlined"
      color={color ?? 'default'}
      label={status.toLowerCase()}
      title={title}
    />
  );
}
