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
import { JobAttempt } from '@ml-portal/plugin-ml-common';
import { formatDuration, formatTime, MISSING } from '../common/format';
import { attemptDuration } from './jobFormat';
import { JobStatus } from './JobStatus';

const useStyles = makeStyles(theme => ({
  table: { '& th, & td': { whiteSpace: 'nowrap' } },
  // A preempted attempt is why a job took longer than it should: make it stand out.
  preempted: {
    backgroundColor:
      theme.palette.type === 'dark'
        ? 'rgba(240, 171, 0, 0.16)'
        : 'rgba(240, 171, 0, 0.12)',
  },
}));

/** The tries of a job on compute, oldest first. @internal */
export function AttemptsTable(props: { attempts: JobAttempt[]; now: number }) {
  const { attempts, now } = props;
  const classes = useStyles();
  if (attempts.length === 0) {
    return (
      <Typography variant="body2" color="textSecondary">
        No attempts yet: the job has not been dispatched to compute.
      </Typography>
    );
  }
  return (
    <Box overflow="auto">
      <Table size="small" aria-label="attempts" className={classes.table}>
        <TableHead>
          <TableRow>
            <TableCell>#</TableCell>
            <TableCell>Pool</TableCell>
            <TableCell>Target</TableCell>
            <TableCell>State</TableCell>
            <TableCell>Spot</TableCell>
            <TableCell align="right">GPUs</TableCell>
            <TableCell>GPU type</TableCell>
            <TableCell>Started</TableCell>
            <TableCell>Ended</TableCell>
            <TableCell>Duration</TableCell>
            <TableCell>Exit reason</TableCell>
            <TableCell align="right">Billable</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {[...attempts]
            .sort((a, b) => a.attemptNumber - b.attemptNumber)
            .map(attempt => (
              <TableRow
                key={attempt.attemptId}
                className={
                  attempt.state === 'PREEMPTED' ? classes.preempted : undefined
                }
              >
                <TableCell>{attempt.attemptNumber}</TableCell>
                <TableCell>{attempt.pool}</TableCell>
                <TableCell title={attempt.externalName}>
                  {attempt.target}
                  <Typography
                    variant="caption"
                    color="textSecondary"
                    display="block"
                  >
                    {attempt.externalName}
                  </Typography>
                </TableCell>
                <TableCell>
                  <JobStatus status={attempt.state} />
                </TableCell>
                <TableCell>{attempt.spot ? 'Spot' : 'On-demand'}</TableCell>
                <TableCell align="right">{attempt.gpus}</TableCell>
                <TableCell title={attempt.instanceType}>
                  {attempt.gpuType}
                </TableCell>
                <TableCell>{formatTime(attempt.startedAt)}</TableCell>
                <TableCell>{formatTime(attempt.endedAt)}</TableCell>
                <TableCell>
                  {formatDuration(attemptDuration(attempt, now))}
                </TableCell>
                <TableCell style={{ whiteSpace: 'normal' }}>
                  {attempt.exitReason ?? MISSING}
                </TableCell>
                <TableCell
                  align="right"
                  title={
                    attempt.billableSeconds !== undefined
                      ? `${attempt.billableSeconds} s`
                      : undefined
                  }
                >
                  {attempt.billableSeconds !== undefined
                    ? formatDuration(attempt.billableSeconds * 1000)
                    : MISSING}
                </TableCell>
              </TableRow>
            ))}
        </TableBody>
      </Table>
    </Box>
  );
}
