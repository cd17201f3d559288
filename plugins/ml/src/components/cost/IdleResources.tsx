import { IdleResource } from '@ml-portal/plugin-ml-common';
import { MISSING } from '../common/format';
import { DataTable } from '../common/DataTable';
import { formatMoney } from './money';
import { TeamFilterLink } from './TeamFilterLink';

const kindLabel: Record<IdleResource['kind'], string> = {
  endpoint: 'Endpoint',
  pool: 'GPU pool',
};

/**
 * What was paid for and not used, costliest first: reserved pools this month,
 * endpoints with replicas up and few requests over the last hours (with what
 * scaling to zero saved where they do).
 *
 * @internal
 */
export function IdleResources(props: { idle: IdleResource[] }) {
  const idle = [...props.idle].sort((a, b) => b.costMicros - a.costMicros);
  return (
    <DataTable
      label="idle resources"
      rows={idle}
      emptyAs="text"
      rowKey={resource => `${resource.kind}:${resource.name}`}
      empty="Nothing sat idle this month. Serving endpoints without traffic and GPU pools without jobs appear here, with what their idle time cost."
      columns={[
        { title: 'Name', render: resource => resource.name },
        {
          title: 'Kind',
          render: resource => kindLabel[resource.kind] ?? resource.kind,
        },
        {
          title: 'Team',
          render: resource =>
            resource.team ? <TeamFilterLink team={resource.team} /> : MISSING,
        },
        {
          title: 'Idle cost',
          align: 'right',
          render: resource => formatMoney(resource.costMicros),
        },
        {
          title: 'Requests',
          align: 'right',
          render: resource =>
            resource.requests === undefined
              ? MISSING
              : `${resource.requests.toLocaleString('en-US')} in ${
                  resource.windowHours
                } h`,
        },
        {
          title: 'Scale-to-zero saving',
          align: 'right',
          render: resource =>
            resource.scaleToZeroSavingsMicros === undefined
              ? MISSING
              : formatMoney(resource.scaleToZeroSavingsMicros),
        },
        { title: 'Why', wrap: true, render: resource => resource.message },
      ]}
    />
  );
}
