import Box from '@mui/material/Box';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useTheme } from '@mui/material/styles';
import { BudgetStatus, SpendRow } from '@ml-portal/plugin-ml-common';
import { useId, useState } from 'react';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { MutedText } from '../common/MutedText';
import { teamName } from '../common/teams';
import { burnDown } from './costSeries';
import { formatMoney, moneyAxis } from './money';
import { daysElapsed } from './months';

const CHART_HEIGHT = 260;

/**
 * The team to show first: the one furthest into (or past) its budget by its
 * forecast, else the biggest spender.
 */
function mostPressingTeam(teams: string[], budgets: BudgetStatus[]) {
  const pressure = (team: string) => {
    const budget = budgets.find(b => b.team === team);
    return budget && budget.amountMicros > 0
      ? budget.forecastMicros / budget.amountMicros
      : -1;
  };
  return [...teams].sort((a, b) => pressure(b) - pressure(a))[0];
}

/**
 * A team's month day by day: cumulative spend, its budget, and the forecast to
 * the month's end. Without a team filter, a select picks the team.
 *
 * @internal
 */
export function BudgetBurnDown(props: {
  month: string;
  daily: SpendRow[];
  budgets: BudgetStatus[];
  now?: Date;
}) {
  const { month, daily, budgets } = props;
  const theme = useTheme();
  const selectId = useId();
  // Teams with a budget first: they have a line to burn down towards.
  const teams = [
    ...new Set([...budgets.map(b => b.team), ...daily.map(row => row.team)]),
  ];
  const [chosen, setChosen] = useState<string>();
  const team =
    chosen && teams.includes(chosen)
      ? chosen
      : mostPressingTeam(teams, budgets);

  if (!team) {
    return <MutedText>No spend or budget this month.</MutedText>;
  }
  const budget = budgets.find(b => b.team === team);
  const points = burnDown({
    month,
    team,
    daily,
    budget,
    daysElapsed: daysElapsed(month, props.now ?? new Date()),
  });
  const axis = moneyAxis(
    Math.max(
      0,
      ...points.flatMap(point => [
        point.spentMicros ?? 0,
        point.forecastMicros ?? 0,
        point.budgetMicros ?? 0,
      ]),
    ),
  );

  return (
    <Box
      component="figure"
      sx={{ m: 0 }}
      aria-label={`${teamName(team)} burn-down`}
    >
      {teams.length > 1 && (
        <TextField
          id={selectId}
          select
          size="small"
          label="Burn-down of"
          value={team}
          onChange={event => setChosen(event.target.value)}
          sx={{ minWidth: 220, mb: 1 }}
        >
          {teams.map(t => (
            <MenuItem key={t} value={t}>
              {teamName(t)}
            </MenuItem>
          ))}
        </TextField>
      )}
      <ResponsiveContainer
        width="100%"
        height={CHART_HEIGHT}
        initialDimension={{ width: 560, height: CHART_HEIGHT }}
      >
        <LineChart
          data={points}
          margin={{ top: 8, right: 16, bottom: 0, left: 8 }}
        >
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="day" />
          <YAxis width={64} {...axis} />
          <Tooltip
            labelFormatter={day => `${month}-${String(day).padStart(2, '0')}`}
            formatter={value => formatMoney(Number(value))}
          />
          <Legend />
          <Line
            dataKey="spentMicros"
            name="Spent"
            stroke={theme.palette.primary.main}
            strokeWidth={2}
            dot={false}
            isAnimationActive={false}
          />
          <Line
            dataKey="forecastMicros"
            name="Forecast"
            stroke={theme.palette.primary.main}
            strokeDasharray="6 4"
            dot={false}
            isAnimationActive={false}
          />
          {budget && (
            <Line
              dataKey="budgetMicros"
              name="Budget"
              stroke={theme.palette.error.main}
              dot={false}
              isAnimationActive={false}
            />
          )}
        </LineChart>
      </ResponsiveContainer>
      {!budget && (
        <Typography variant="caption" color="text.secondary">
          {teamName(team)} has no budget this month, so there is no forecast.
        </Typography>
      )}
    </Box>
  );
}
