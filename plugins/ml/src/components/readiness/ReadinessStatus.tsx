import {
  StatusError,
  StatusOK,
  StatusWarning,
} from '@backstage/core-components';
import { ReadinessStatus as Status } from '@ml-portal/plugin-ml-common';

const shown: Record<Status, { Icon: typeof StatusOK; label: string }> = {
  pass: { Icon: StatusOK, label: 'Pass' },
  fail: { Icon: StatusError, label: 'Fail' },
  unknown: { Icon: StatusWarning, label: 'Unknown' },
};

/** A readiness check's status with its colour. @internal */
export function ReadinessStatus(props: { status: Status }) {
  const { Icon, label } = shown[props.status];
  return <Icon>{label}</Icon>;
}
