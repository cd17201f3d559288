import {
  StatusError,
  StatusOK,
  StatusPending,
} from '@backstage/core-components';
import { ModelVersionStatus } from '@ml-portal/plugin-ml-common';

const labels: Record<ModelVersionStatus, string> = {
  READY: 'Ready',
  PENDING_REGISTRATION: 'Registering',
  FAILED_REGISTRATION: 'Failed',
};

/** A version's registration status with its colour. @internal */
export function VersionStatus(props: {
  status: ModelVersionStatus;
  message?: string;
}) {
  const label = labels[props.status] ?? props.status;
  const text = props.message ? `${label}: ${props.message}` : label;
  switch (props.status) {
    case 'READY':
      return <StatusOK>{text}</StatusOK>;
    case 'FAILED_REGISTRATION':
      return <StatusError>{text}</StatusError>;
    default:
      return <StatusPending>{text}</StatusPending>;
  }
}
