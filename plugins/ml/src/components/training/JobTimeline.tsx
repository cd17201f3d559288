import Typography from '@mui/material/Typography';
import { JobAttempt, JobEvent } from '@ml-portal/plugin-ml-common';
import { DataColumn, DataTable } from '../common/DataTable';
import { formatTime } from '../common/format';
import { JobStatus } from './JobStatus';

/** An event with its place in the job's history (two may share a time). */
type TimelineRow = { event: JobEvent; key: string };

function timelineColumns(attempts: JobAttempt[]): DataColumn<TimelineRow>[] {
  const attemptNumbers = new Map(
    attempts.map(attempt => [attempt.attemptId, attempt.attemptNumber]),
  );
  return [
    { title: 'Time', render: ({ event }) => formatTime(event.at) },
    {
      title: 'Status',
      render: ({ event }) => <JobStatus status={event.status} />,
    },
    {
      title: 'What happened',
      wrap: true,
      render: ({ event }) => (
        <>
          {event.message}
          <Typography variant="caption" color="text.secondary" display="block">
            {event.type}
          </Typography>
        </>
      ),
    },
    {
      title: 'Attempt',
      render: ({ event }) =>
        event.attemptId !== undefined &&
        `#${attemptNumbers.get(event.attemptId) ?? event.attemptId}`,
    },
  ];
}

/** What happened to a job and why, oldest first, so the latest is read last. @internal */
export function JobTimeline(props: {
  events: JobEvent[];
  attempts: JobAttempt[];
}) {
  const rows = [...props.events]
    .sort((a, b) => a.at - b.at)
    .map((event, index) => ({ event, key: `${event.at}-${index}` }));
  return (
    <DataTable
      label="timeline"
      columns={timelineColumns(props.attempts)}
      rows={rows}
      rowKey={row => row.key}
      emptyAs="text"
      empty="Nothing has happened to this job yet."
    />
  );
}
