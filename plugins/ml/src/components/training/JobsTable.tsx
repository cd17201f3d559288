import { Link } from '@backstage/core-components';
import Typography from '@mui/material/Typography';
import { TrainingJob } from '@ml-portal/plugin-ml-common';
import { DataColumn, DataTable } from '../common/DataTable';
import { formatDuration, formatTime, MISSING } from '../common/format';
import { useMlPaths } from '../common/mlPaths';
import { jobDuration, pendingReasonLabel } from './jobFormat';
import { JobStatus } from './JobStatus';

/** A job's name, linking to its page. */
function JobNameLink(props: { job: TrainingJob }) {
  const { job } = props;
  const paths = useMlPaths();
  if (!paths) return <>{job.name}</>;
  return <Link to={paths.job(job.jobId)}>{job.name}</Link>;
}

/** Where a job runs, or which profile's pools it may run in before it is placed. */
function placement(job: TrainingJob): string {
  if (job.pool) return job.pool;
  if (!job.profile) return MISSING;
  const version = job.profileVersion ? ` v${job.profileVersion}` : '';
  return `profile ${job.profile}${version}`;
}

/** Why a job is where it is: the admission check holding it, or how it ended. */
function JobDetail(props: { job: TrainingJob }) {
  const { job } = props;
  if (job.status === 'PENDING') {
    return (
      <Typography variant="body2">
        {job.pendingReason && (
          <strong>{pendingReasonLabel[job.pendingReason]}: </strong>
        )}
        {job.statusMessage ?? 'Waiting for admission'}
      </Typography>
    );
  }
  return (
    <Typography variant="body2" color="text.secondary">
      {job.statusMessage ?? ''}
    </Typography>
  );
}

function jobColumns(now: number): DataColumn<TrainingJob>[] {
  return [
    {
      title: 'Name',
      render: job => <JobNameLink job={job} />,
    },
    { title: 'Owner', render: job => job.owner },
    { title: 'Status', render: job => <JobStatus status={job.status} /> },
    // Pending explanations are sentences: let them wrap.
    { title: 'Details', wrap: true, render: job => <JobDetail job={job} /> },
    { title: 'Pool', render: placement },
    { title: 'GPUs', align: 'right', render: job => job.gpus },
    { title: 'Submitted', render: job => formatTime(job.createdAt) },
    {
      title: 'Duration',
      render: job => (
        <span title="From submission to the end, or to now">
          {formatDuration(jobDuration(job, now))}
        </span>
      ),
    },
  ];
}

/** Training jobs, one line each, linking to their pages. @internal */
export function JobsTable(props: { jobs: TrainingJob[]; now: number }) {
  return (
    <DataTable
      label="training jobs"
      columns={jobColumns(props.now)}
      rows={props.jobs}
      rowKey={job => job.jobId}
      empty="No job matches."
    />
  );
}
