import Typography from '@mui/material/Typography';
import { Reconciliation as ReconciliationRow } from '@ml-portal/plugin-ml-common';
import { formatMoney, formatShare } from './money';
import { formatMonth } from './months';
import { DataTable } from '../common/DataTable';
import { TeamFilterLink } from './TeamFilterLink';

function Difference(props: { row: ReconciliationRow }) {
  const { billedMicros, estimatedMicros } = props.row;
  const difference = billedMicros - estimatedMicros;
  return (
    <>
      {formatMoney(difference, { signed: true })}
      {estimatedMicros > 0 && difference !== 0 && (
        <Typography variant="caption" color="text.secondary" component="span">
          {' '}
          ({difference > 0 ? '+' : ''}
          {formatShare(difference / estimatedMicros)})
        </Typography>
      )}
    </>
  );
}

/** Billed (imported) against estimated spend, per team: how far the estimate is off. @internal */
export function ReconciliationTable(props: {
  rows: ReconciliationRow[];
  month: string;
}) {
  return (
    <DataTable
      label="reconciliation"
      rows={props.rows}
      emptyAs="text"
      rowKey={row => `${row.team}:${row.month}:${row.source}`}
      empty={`No bill is imported for ${formatMonth(
        props.month,
      )}. Import an OpenCost allocation export or an AWS Cost and Usage Report to compare what was billed with the estimate from the jobs' GPU time.`}
      columns={[
        { title: 'Team', render: row => <TeamFilterLink team={row.team} /> },
        { title: 'Month', render: row => formatMonth(row.month, true) },
        { title: 'Source', render: row => row.source },
        {
          title: 'Billed',
          align: 'right',
          render: row => formatMoney(row.billedMicros),
        },
        {
          title: 'Estimated',
          align: 'right',
          render: row => formatMoney(row.estimatedMicros),
        },
        {
          title: 'Billed − estimated',
          align: 'right',
          render: row => <Difference row={row} />,
        },
      ]}
    />
  );
}
