import {
  Box,
  Chip,
  LinearProgress,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@material-ui/core';
import Alert from '@material-ui/lab/Alert';
import { BudgetStatus } from '@ml-portal/plugin-ml-common';
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
    <Box display="flex" flexDirection="column" style={{ gap: 8 }}>
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
    <Box display="flex" style={{ gap: 4 }}>
      {budget.thresholds.map(threshold => {
        const crossed = budget.crossed.includes(threshold);
        return (
          <Chip
            key={threshold}
            size="small"
            label={formatShare(threshold)}
            color={crossed ? 'secondary' : 'default'}
            variant={crossed ? 'default' : 'outlined'}
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

/** Each team's budget for the month: spend, forecast, thresholds crossed and holds. @internal */
export function BudgetsTable(props: { budgets: BudgetStatus[] }) {
  const { budgets } = props;
  if (budgets.length === 0) {
    return (
      <Typography variant="body2" color="textSecondary">
        No budget is set for this month. Budgets per team and month alert at
        their thresholds; hard budgets also hold the team's new jobs once spent.
      </Typography>
    );
  }
  return (
    <Box overflow="auto">
      <Table size="small" aria-label="budgets">
        <TableHead>
          <TableRow>
            <TableCell>Team</TableCell>
            <TableCell align="right">Budget</TableCell>
            <TableCell align="right">Spent</TableCell>
            <TableCell style={{ minWidth: 120 }}>Used</TableCell>
            <TableCell align="right">Forecast</TableCell>
            <TableCell>Thresholds</TableCell>
            <TableCell>Kind</TableCell>
            <TableCell>Status</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {budgets.map(budget => {
            const used =
              budget.amountMicros > 0
                ? budget.spentMicros / budget.amountMicros
                : 1;
            return (
              <TableRow key={budget.team}>
                <TableCell>
                  <TeamFilterLink team={budget.team} />
                </TableCell>
                <TableCell align="right">
                  {formatMoney(budget.amountMicros)}
                </TableCell>
                <TableCell align="right">
                  {formatMoney(budget.spentMicros)}
                </TableCell>
                <TableCell>
                  <Typography variant="caption">{formatShare(used)}</Typography>
                  <LinearProgress
                    variant="determinate"
                    value={Math.min(100, used * 100)}
                    color={used >= 1 ? 'secondary' : 'primary'}
                    aria-label={`${teamName(budget.team)} budget used`}
                  />
                </TableCell>
                <TableCell align="right">
                  {formatMoney(budget.forecastMicros)}
                </TableCell>
                <TableCell>
                  <Thresholds budget={budget} />
                </TableCell>
                <TableCell>{budget.hard ? 'Hard' : 'Soft'}</TableCell>
                <TableCell>
                  <BudgetState budget={budget} />
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </Box>
  );
}
