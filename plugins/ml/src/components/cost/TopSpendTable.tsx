import Box from '@mui/material/Box';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import { SpendItem } from '@ml-portal/plugin-ml-common';
import { useState } from 'react';
import { formatGpuHours, formatMoney } from './money';
import { SpendItemLink } from './SpendItemLink';
import { DataTable } from '../common/DataTable';
import { TeamFilterLink } from './TeamFilterLink';

type Kind = SpendItem['kind'];

const kinds: Array<{ kind: Kind; label: string; plural: string }> = [
  { kind: 'job', label: 'Job', plural: 'Jobs' },
  { kind: 'run', label: 'Run', plural: 'Runs' },
  { kind: 'experiment', label: 'Experiment', plural: 'Experiments' },
];

/**
 * The jobs, runs or experiments that cost the most this month, one kind at a
 * time: a job's GPU time is also its run's and its experiment's, so mixing
 * them would count it thrice.
 *
 * @internal
 */
export function TopSpendTable(props: { items: SpendItem[] }) {
  const [kind, setKind] = useState<Kind>('job');
  const items = props.items
    .filter(item => item.kind === kind)
    .sort((a, b) => b.costMicros - a.costMicros);
  const { label, plural } = kinds.find(k => k.kind === kind)!;
  return (
    <>
      <ToggleButtonGroup
        size="small"
        exclusive
        value={kind}
        onChange={(_event, value: Kind | null) => value && setKind(value)}
        aria-label="kind"
      >
        {kinds.map(k => (
          <ToggleButton key={k.kind} value={k.kind}>
            {k.plural}
          </ToggleButton>
        ))}
      </ToggleButtonGroup>
      <Box sx={{ mt: 1 }}>
        <DataTable
          label={`top ${plural.toLowerCase()}`}
          rows={items}
          emptyAs="text"
          rowKey={item => item.id}
          empty={`No ${plural.toLowerCase()} used GPU time this month.`}
          columns={[
            { title: label, render: item => <SpendItemLink item={item} /> },
            {
              title: 'Team',
              render: item => <TeamFilterLink team={item.team} />,
            },
            {
              title: 'Spend',
              align: 'right',
              render: item => formatMoney(item.costMicros),
            },
            {
              title: 'GPU time',
              align: 'right',
              render: item => formatGpuHours(item.gpuSeconds),
            },
          ]}
        />
      </Box>
    </>
  );
}
