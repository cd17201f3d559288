import Box from '@mui/material/Box';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import { SxProps, Theme } from '@mui/material/styles';
import { JobAttempt } from '@ml-portal/plugin-ml-common';
import { MutedText } from '../common/MutedText';
import { formatDuration, formatTime, MISSING } from '../common/format';
import { attemptDuration } from './jobFormat';
import { JobStatus } from './JobStatus';

// A preempted attempt is why a job took longer than it should: make it stand
// out, over the theme's stripes (`&:nth-of-type(odd)`, hence `&&`).
const preemptedSx: SxProps<Theme> = {
  '&&': {
    bgcolor: theme =>
      theme.palette.mode === 'dark'
        ? 'rgba(240, 171, 0, 0.16)'
        : 'rgba(240, 171, 0, 0.12)',
  },
};

/** The tries of a job on compute, oldest first. @internal */
export function AttemptsTable(props: { attempts: JobAttempt[]; now: number }) {
  const { attempts, now } = props;
  if (attempts.length === 0) {
    return (
      <MutedText>
        No attempts yet: the job has not been dispatched to compute.
      </MutedText>
    );
  }
  return (
    <Box sx={{ overflow: 'auto' }}>
      <Table
        size="small"
        aria-label="attempts"
        sx={{ '& th, & td': { whiteSpace: 'nowrap' } }}
      >
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
                sx={attempt.state === 'PREEMPTED' ? preemptedSx : undefined}
              >
                <TableCell>{attempt.attemptNumber}</TableCell>
                <TableCell>{attempt.pool}</TableCell>
                <TableCell title={attempt.externalName}>
                  {attempt.target}
                  <Typography
                    variant="caption"
                    color="text.secondary"
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
