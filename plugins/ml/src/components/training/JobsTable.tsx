import { Link } from '@backstage/core-components';
import {
  Box,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
  makeStyles,
} from '@material-ui/core';
import { TrainingJob } from '@ml-portal/plugin-ml-common';
import { formatDuration, formatTime, MISSING } from '../common/format';
import { jobDuration, pendingReasonLabel } from './jobFormat';
import { JobStatus } from './JobStatus';

const useStyles = makeStyles({
  table: {
    '& th, & td': { whiteSpace: 'nowrap' },
    // Pending explanations are sentences: let them wrap, within reason.
    '& td$detail': { whiteSpace: 'normal', minWidth: 240 },
  },
  detail: {},
});

/** Where a job runs, or which profile's pools it may run in before it is placed. */
function placement(job: TrainingJob): string {
  if (job.pool) return job.pool;
  return job.profile ? `profile ${job.profile}` : MISSING;
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
    <Typography variant="body2" color="textSecondary">
      {job.statusMessage ?? ''}
    </Typography>
  );
}

/** Training jobs, one line each, linking to their pages. @internal */
export function JobsTable(props: { jobs: TrainingJob[]; now: number }) {
  const { jobs, now } = props;
  const classes = useStyles();
  return (
    <Box overflow="auto">
      <Table size="small" aria-label="training jobs" className={classes.table}>
        <TableHead>
          <TableRow>
            <TableCell>Name</TableCell>
            <TableCell>Owner</TableCell>
            <TableCell>Status</TableCell>
            <TableCell>Details</TableCell>
            <TableCell>Pool</TableCell>
            <TableCell align="right">GPUs</TableCell>
            <TableCell>Submitted</TableCell>
            <TableCell title="From submission to the end, or to now">
              Duration
            </TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {jobs.length === 0 && (
            <TableRow>
              <TableCell colSpan={8}>
                <Typography variant="body2" color="textSecondary">
                  No job matches.
                </Typography>
              </TableCell>
            </TableRow>
          )}
          {jobs.map(job => (
            <TableRow key={job.jobId} hover>
              <TableCell>
                <Link to={`jobs/${encodeURIComponent(job.jobId)}`}>
                  {job.name}
                </Link>
              </TableCell>
              <TableCell>{job.owner}</TableCell>
              <TableCell>
                <JobStatus status={job.status} />
              </TableCell>
              <TableCell className={classes.detail}>
                <JobDetail job={job} />
              </TableCell>
              <TableCell>{placement(job)}</TableCell>
              <TableCell align="right">{job.gpus}</TableCell>
              <TableCell>{formatTime(job.createdAt)}</TableCell>
              <TableCell>{formatDuration(jobDuration(job, now))}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </Box>
  );
}
