import Grid from '@mui/material/Grid';
import Typography from '@mui/material/Typography';
import { useTheme } from '@mui/material/styles';
import { SpendRow } from '@ml-portal/plugin-ml-common';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { MutedText } from '../common/MutedText';
import { teamName } from '../common/teams';
import { TeamTrend, teamTrends, TrendSeries } from './costSeries';
import { formatMoney, moneyAxis } from './money';
import { formatMonth } from './months';

const CHART_HEIGHT = 220;

/** One color per GPU type, the same in every team's chart; spot is the lighter shade. */
function useSeriesColor(gpuTypes: string[]) {
  const theme = useTheme();
  const palette = [
    theme.palette.primary.main,
    theme.palette.secondary.main,
    theme.palette.success.main,
    theme.palette.warning.main,
    theme.palette.info.main,
    theme.palette.error.main,
  ];
  return (series: TrendSeries) => ({
    fill: palette[gpuTypes.indexOf(series.gpuType) % palette.length],
    fillOpacity: series.spot ? 0.45 : 1,
  });
}

/** The y-axis of a team's stacked bars: from zero to its most expensive month. */
function stackedAxis(team: TeamTrend) {
  const monthTotals = team.rows.map(row =>
    team.series.reduce((sum, series) => sum + Number(row[series.key]), 0),
  );
  return moneyAxis(Math.max(0, ...monthTotals));
}

/**
 * Spend per team over the last months, one small stacked bar chart per team
 * (largest spender first), each bar split by GPU type and spot/on-demand.
 *
 * @internal
 */
export function SpendTrendChart(props: {
  trend: SpendRow[];
  months: string[];
}) {
  const teams = teamTrends(props.trend, props.months);
  const gpuTypes = [
    ...new Set(teams.flatMap(t => t.series.map(s => s.gpuType))),
  ].sort();
  const color = useSeriesColor(gpuTypes);

  if (teams.length === 0) {
    return (
      <MutedText>
        No GPU spend in {formatMonth(props.months[0], true)} –{' '}
        {formatMonth(props.months[props.months.length - 1], true)}.
      </MutedText>
    );
  }
  return (
    <Grid container spacing={2}>
      {teams.map(team => (
        <Grid
          item
          xs={12}
          md={teams.length > 1 ? 6 : 12}
          key={team.team}
          component="figure"
          aria-label={`${teamName(team.team)} spend per month`}
          sx={{ m: 0 }}
        >
          <Typography variant="subtitle2" component="figcaption">
            {teamName(team.team)} ·{' '}
            {formatMoney(team.totalMicros, { style: 'rounded' })} in{' '}
            {props.months.length} months
          </Typography>
          <ResponsiveContainer
            width="100%"
            height={CHART_HEIGHT}
            initialDimension={{ width: 480, height: CHART_HEIGHT }}
          >
            <BarChart
              data={team.rows}
              margin={{ top: 8, right: 8, bottom: 0, left: 8 }}
            >
              <CartesianGrid strokeDasharray="3 3" vertical={false} />
              <XAxis
                dataKey="month"
                tickFormatter={month => formatMonth(String(month), true)}
              />
              <YAxis width={64} {...stackedAxis(team)} />
              <Tooltip
                labelFormatter={month => formatMonth(String(month))}
                formatter={value => formatMoney(Number(value))}
              />
              <Legend />
              {team.series.map(series => (
                <Bar
                  key={series.key}
                  // A function, not the key: recharts reads dots in string keys as paths.
                  dataKey={(row: Record<string, number>) => row[series.key]}
                  name={series.key}
                  stackId="spend"
                  isAnimationActive={false}
                  {...color(series)}
                />
              ))}
            </BarChart>
          </ResponsiveContainer>
        </Grid>
      ))}
    </Grid>
  );
}
