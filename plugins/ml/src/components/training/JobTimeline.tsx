import {
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@material-ui/core';
import { JobAttempt, JobEvent } from '@ml-portal/plugin-ml-common';
import { formatTime } from '../common/format';
import { JobStatus } from './JobStatus';

/** What happened to a job and why, oldest first, so the latest is read last. @internal */
export function JobTimeline(props: {
  events: JobEvent[];
  attempts: JobAttempt[];
}) {
  const { events, attempts } = props;
  if (events.length === 0) {
    return (
      <Typography variant="body2" color="textSecondary">
        Nothing has happened to this job yet.
      </Typography>
    );
  }
  const attemptNumbers = new Map(
    attempts.map(attempt => [attempt.attemptId, attempt.attemptNumber]),
  );
  return (
    <Table size="small" aria-label="timeline">
      <TableHead>
        <TableRow>
          <TableCell>Time</TableCell>
          <TableCell>Status</TableCell>
          <TableCell>What happened</TableCell>
          <TableCell>Attempt</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {[...events]
          .sort((a, b) => a.at - b.at)
          .map((event, index) => (
            <TableRow key={`${event.at}-${index}`}>
              <TableCell style={{ whiteSpace: 'nowrap' }}>
                {formatTime(event.at)}
              </TableCell>
              <TableCell style={{ whiteSpace: 'nowrap' }}>
                <JobStatus status={event.status} />
              </TableCell>
              <TableCell>
                {event.message}
                <Typography
                  variant="caption"
                  color="textSecondary"
                  display="block"
                >
                  {event.type}
                </Typography>
              </TableCell>
              <TableCell style={{ whiteSpace: 'nowrap' }}>
                {event.attemptId !== undefined &&
                  `#${attemptNumbers.get(event.attemptId) ?? event.attemptId}`}
              </TableCell>
            </TableRow>
          ))}
      </TableBody>
    </Table>
  );
}
