import {
  StatusAborted,
  StatusError,
  StatusOK,
  StatusPending,
  StatusRunning,
} from '@backstage/core-components';
import { RunStatus as RunStatusValue } from '@ml-portal/plugin-ml-common';

const statusDisplay: Record<
  RunStatusValue,
  { Icon: typeof StatusOK; label: string }
> = {
  FINISHED: { Icon: StatusOK, label: 'Finished' },
  FAILED: { Icon: StatusError, label: 'Failed' },
  RUNNING: { Icon: StatusRunning, label: 'Running' },
  SCHEDULED: { Icon: StatusPending, label: 'Scheduled' },
  KILLED: { Icon: StatusAborted, label: 'Killed' },
};

/** A run's status with the Backstage status icon for it. @internal */
export function RunStatus(props: { status: RunStatusValue }) {
  const { Icon, label } = statusDisplay[props.status] ?? {
    Icon: StatusPending,
    label: props.status,
  };
  return <Icon>{label}</Icon>;
}
