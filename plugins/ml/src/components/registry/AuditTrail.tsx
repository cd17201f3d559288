import { RegistryAuditEvent } from '@ml-portal/plugin-ml-common';
import { DataColumn, DataTable } from '../common/DataTable';
import { formatTime, MISSING } from '../common/format';
import { metricsInline } from './MetricValues';
import { actorName } from './registryFormat';

const auditColumns: DataColumn<RegistryAuditEvent>[] = [
  { title: 'When', render: event => formatTime(event.at) },
  {
    title: 'Who',
    render: event => <span title={event.actor}>{actorName(event.actor)}</span>,
  },
  { title: 'Action', render: event => <code>{event.action}</code> },
  { title: 'Version', render: event => event.version ?? MISSING },
  { title: 'Detail', wrap: true, render: event => event.detail },
  {
    title: 'Metrics',
    wrap: true,
    render: event => metricsInline(event.metrics) || MISSING,
  },
];

/** Who did what to a model and when, newest first. @internal */
export function AuditTrail(props: { events: RegistryAuditEvent[] }) {
  return (
    <DataTable
      label="audit trail"
      columns={auditColumns}
      rows={[...props.events].sort((a, b) => b.at - a.at)}
      rowKey={event => event.id}
      empty="Nothing recorded yet."
      emptyAs="text"
    />
  );
}
