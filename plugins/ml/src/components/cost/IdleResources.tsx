import { IdleResource } from '@ml-portal/plugin-ml-common';
import { MISSING } from '../tracking/format';
import { CostTable } from './CostTable';
import { formatMoney } from './money';
import { TeamFilterLink } from './TeamFilterLink';

const kindLabel: Record<IdleResource['kind'], string> = {
  endpoint: 'Endpoint',
  pool: 'GPU pool',
};

/** What was paid for and not used this month, costliest first. @internal */
export function IdleResources(props: { idle: IdleResource[] }) {
  const idle = [...props.idle].sort((a, b) => b.costMicros - a.costMicros);
  return (
    <CostTable
      label="idle resources"
      rows={idle}
      rowKey={resource => `${resource.kind}:${resource.name}`}
      empty="Nothing sat idle this month. Serving endpoints without traffic and GPU pools without jobs appear here, with what their idle time cost."
      columns={[
        { title: 'Name', cell: resource => resource.name },
        {
          title: 'Kind',
          cell: resource => kindLabel[resource.kind] ?? resource.kind,
        },
        {
          title: 'Team',
          cell: resource =>
            resource.team ? <TeamFilterLink team={resource.team} /> : MISSING,
        },
        {
          title: 'Idle cost',
          align: 'right',
          cell: resource => formatMoney(resource.costMicros),
        },
        { title: 'Why', cell: resource => resource.message },
      ]}
    />
  );
}
