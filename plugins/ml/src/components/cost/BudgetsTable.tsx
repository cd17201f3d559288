import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import LinearProgress from '@mui/material/LinearProgress';
import Typography from '@mui/material/Typography';
import { BudgetStatus } from '@ml-portal/plugin-ml-common';
import { DataColumn, DataTable } from '../common/DataTable';
import { teamName } from '../common/teams';
import { formatMoney, formatShare } from './money';
import { formatMonth } from './months';
import { TeamFilterLink } from './TeamFilterLink';

/**
 * One alert per team whose hard budget is spent: admission holds its new
 * training jobs until the budget is raised or the month ends.
 *
 * @internal
 */
export function BudgetHolds(props: { budgets: BudgetStatus[] }) {
  const holding = props.budgets.filter(budget => budget.holding);
  if (holding.length === 0) return null;
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1 }}>
      {holding.map(budget => (
        <Alert severity="error" key={budget.team}>
          <strong>New jobs held for budget: {teamName(budget.team)}.</strong>{' '}
          {formatMoney(budget.spentMicros)} of its hard budget of{' '}
          {formatMoney(budget.amountMicros)} for {formatMonth(budget.month)} is
          spent. Training jobs the team submits wait in the queue until the
          budget is raised or the month ends.
        </Alert>
      ))}
    </Box>
  );
}

function Thresholds(props: { budget: BudgetStatus }) {
  const { budget } = props;
  return (
    <Box sx={{ display: 'flex', gap: 0.5 }}>
      {budget.thresholds.map(threshold => {
        const crossed = budget.crossed.includes(threshold);
        return (
          <Chip
            key={threshold}
            size="small"
            label={formatShare(threshold)}
            color={crossed ? 'secondary' : 'default'}
            variant={crossed ? 'filled' : 'outlined'}
            title={crossed ? 'Crossed' : 'Not crossed'}
            aria-label={`${formatShare(threshold)} ${
              crossed ? 'crossed' : 'not crossed'
            }`}
          />
        );
      })}
    </Box>
  );
}

/** The share of its budget a team has spent; all of a zero budget. @internal */
export function usedShare(budget: BudgetStatus): number {
  return budget.amountMicros > 0 ? budget.spentMicros / budget.amountMicros : 1;
}

/** How much of its budget a team has spent, as a share and a bar. */
function BudgetUsed(props: { budget: BudgetStatus }) {
  const { budget } = props;
  const used = usedShare(budget);
  return (
    <>
      <Typography variant="caption">{formatShare(used)}</Typography>
      <LinearProgress
        variant="determinate"
        value={Math.min(100, used * 100)}
        color={used >= 1 ? 'secondary' : 'primary'}
        aria-label={`${teamName(budget.team)} budget used`}
        sx={{ minWidth: 120 }}
      />
    </>
  );
}

function BudgetState(props: { budget: BudgetStatus }) {
  const { budget } = props;
  if (budget.holding) {
    return (
      <Typography variant="body2" color="error">
        <strong>Holding new jobs</strong>
      </Typography>
    );
  }
  if (budget.spentMicros >= budget.amountMicros) {
    return (
      <Typography variant="body2" color="error">
        Over budget
      </Typography>
    );
  }
  if (budget.forecastMicros > budget.amountMicros) {
    return (
      <Typography variant="body2" color="error">
        Forecast over budget
      </Typography>
    );
  }
  return <Typography variant="body2">On track</Typography>;
}

const budgetColumns: DataColumn<BudgetStatus>[] = [
  { title: 'Team', render: budget => <TeamFilterLink team={budget.team} /> },
  {
    title: 'Budget',
    align: 'right',
    render: budget => formatMoney(budget.amountMicros),
  },
  {
    title: 'Spent',
    align: 'right',
    render: budget => formatMoney(budget.spentMicros),
  },
  { title: 'Used', render: budget => <BudgetUsed budget={budget} /> },
  {
    title: 'Forecast',
    align: 'right',
    render: budget => formatMoney(budget.forecastMicros),
  },
  { title: 'Thresholds', render: budget => <Thresholds budget={budget} /> },
  { title: 'Kind', render: budget => (budget.hard ? 'Hard' : 'Soft') },
  { title: 'Status', render: budget => <BudgetState budget={budget} /> },
];

/**
 * Each team's budget for the month: spend, forecast, thresholds crossed and holds;
 * with `onEdit` (the platform team), each row can be changed.
 *
 * @internal
 */
export function BudgetsTable(props: {
  budgets: BudgetStatus[];
  onEdit?: (budget: BudgetStatus) => void;
}) {
  const { onEdit } = props;
  const columns: DataColumn<BudgetStatus>[] = onEdit
    ? [
        ...budgetColumns,
        {
          title: '',
          render: budget => (
            <Button size="small" onClick={() => onEdit(budget)}>
              Edit
            </Button>
          ),
        },
      ]
    : budgetColumns;
  return (
    <DataTable
      label="budgets"
      columns={columns}
      rows={props.budgets}
      rowKey={budget => budget.team}
      emptyAs="text"
      empty="No budget is set for this month. Budgets per team and month alert at their thresholds; hard budgets also hold the team's new jobs once spent."
    />
  );
}
