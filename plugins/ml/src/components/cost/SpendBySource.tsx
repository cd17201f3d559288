import { SpendRow, SpendSource } from '@ml-portal/plugin-ml-common';
import { DataTable } from '../common/DataTable';
import { formatMoney } from './money';
import { TeamFilterLink } from './TeamFilterLink';

const SOURCES: Array<{ source: SpendSource; title: string }> = [
  { source: 'training', title: 'Training' },
  { source: 'endpoint', title: 'Serving' },
  { source: 'storage', title: 'Storage' },
];

type TeamSpend = { team: string; total: number } & Partial<
  Record<SpendSource, number>
>;

/**
 * Each team's spend of the month by what it paid for: training jobs beside
 * serving endpoints (and storage where recorded), the costliest team first.
 *
 * @internal
 */
export function SpendBySource(props: { rows: SpendRow[] }) {
  const byTeam = new Map<string, TeamSpend>();
  for (const row of props.rows) {
    const spend = byTeam.get(row.team) ?? { team: row.team, total: 0 };
    const source = row.source ?? 'training';
    spend[source] = (spend[source] ?? 0) + row.costMicros;
    spend.total += row.costMicros;
    byTeam.set(row.team, spend);
  }
  const teams = [...byTeam.values()].sort((a, b) => b.total - a.total);
  // Storage only where some was recorded; training and serving always.
  const sources = SOURCES.filter(
    s => s.source !== 'storage' || teams.some(t => t.storage !== undefined),
  );
  return (
    <DataTable
      label="spend by source"
      rows={teams}
      rowKey={spend => spend.team}
      emptyAs="text"
      empty="No spend recorded this month."
      columns={[
        {
          title: 'Team',
          render: spend => <TeamFilterLink team={spend.team} />,
        },
        ...sources.map(({ source, title }) => ({
          title,
          align: 'right' as const,
          render: (spend: TeamSpend) => formatMoney(spend[source] ?? 0),
        })),
        {
          title: 'Total',
          align: 'right',
          render: spend => formatMoney(spend.total),
        },
      ]}
    />
  );
}
