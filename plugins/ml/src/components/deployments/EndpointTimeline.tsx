import { EndpointEvent } from '@ml-portal/plugin-ml-common';
import Typography from '@mui/material/Typography';
import { DataColumn, DataTable } from '../common/DataTable';
import { formatTime, MISSING } from '../common/format';
import { actorName } from '../registry/registryFormat';

const eventColumns: DataColumn<EndpointEvent>[] = [
  { title: 'Time', render: event => formatTime(event.at) },
  {
    title: 'What happened',
    wrap: true,
    render: event => (
      <>
        {event.detail}
        <Typography variant="caption" color="text.secondary" display="block">
          {event.kind}
        </Typography>
      </>
    ),
  },
  {
    title: 'Version',
    render: event => (event.version ? `v${event.version}` : MISSING),
  },
  { title: 'By', render: event => actorName(event.actor) },
];

/**
 * What happened to an endpoint, newest first: deployments, canaries, their
 * verdicts and rollbacks; the job timeline's shape.
 *
 * @internal
 */
export function EndpointTimeline(props: { events: EndpointEvent[] }) {
  const rows = [...props.events].sort((a, b) => b.at - a.at);
  return (
    <DataTable
      label="events"
      columns={eventColumns}
      rows={rows}
      rowKey={event => event.id}
      emptyAs="text"
      empty="Nothing has happened to this endpoint yet."
    />
  );
}
