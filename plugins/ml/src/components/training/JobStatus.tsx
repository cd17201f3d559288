import {
  StatusAborted,
  StatusError,
  StatusOK,
  StatusPending,
  StatusRunning,
  StatusWarning,
} from '@backstage/core-components';
import {
  AttemptState,
  JobStatus as JobStatusValue,
} from '@ml-portal/plugin-ml-common';

const statusDisplay: Record<
  JobStatusValue | AttemptState,
  { Icon: typeof StatusOK; label: string }
> = {
  PENDING: { Icon: StatusPending, label: 'Pending' },
  ADMITTED: { Icon: StatusPending, label: 'Admitted' },
  DISPATCHING: { Icon: StatusRunning, label: 'Dispatching' },
  RUNNING: { Icon: StatusRunning, label: 'Running' },
  SUCCEEDED: { Icon: StatusOK, label: 'Succeeded' },
  FAILED: { Icon: StatusError, label: 'Failed' },
  CANCELLED: { Icon: StatusAborted, label: 'Cancelled' },
  PREEMPTED: { Icon: StatusWarning, label: 'Preempted' },
  LOST: { Icon: StatusError, label: 'Lost' },
};

/**
 * The status of a training job, or the state of one of its attempts (they share
 * most values), with the Backstage status icon and colour for it.
 *
 * @internal
 */
export function JobStatus(props: { status: JobStatusValue | AttemptState }) {
  const { Icon, label } = statusDisplay[props.status] ?? {
    Icon: StatusPending,
    label: props.status,
  };
  return <Icon>{label}</Icon>;
}
