import {
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@material-ui/core';
import { RegistryAuditEvent } from '@ml-portal/plugin-ml-common';
import { formatTime, MISSING } from '../tracking/format';
import { metricsInline } from './MetricValues';
import { actorName } from './registryFormat';

/** Who did what to a model and when, newest first. @internal */
export function AuditTrail(props: { events: RegistryAuditEvent[] }) {
  if (props.events.length === 0) {
    return (
      <Typography variant="body2" color="textSecondary">
        Nothing recorded yet.
      </Typography>
    );
  }
  const events = [...props.events].sort((a, b) => b.at - a.at);
  return (
    <Table size="small" aria-label="audit trail">
      <TableHead>
        <TableRow>
          <TableCell>When</TableCell>
          <TableCell>Who</TableCell>
          <TableCell>Action</TableCell>
          <TableCell>Version</TableCell>
          <TableCell>Detail</TableCell>
          <TableCell>Metrics</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {events.map(event => (
          <TableRow key={event.id}>
            <TableCell>{formatTime(event.at)}</TableCell>
            <TableCell title={event.actor}>{actorName(event.actor)}</TableCell>
            <TableCell style={{ whiteSpace: 'nowrap' }}>
              <code>{event.action}</code>
            </TableCell>
            <TableCell>{event.version ?? MISSING}</TableCell>
            <TableCell>{event.detail}</TableCell>
            <TableCell>{metricsInline(event.metrics) || MISSING}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
