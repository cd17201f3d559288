import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
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
import { chartSeries, ComparedRun, XAxisMode } from './chartSeries';
import { formatDuration, formatMetricValue } from '../common/format';
import { useMetricHistories } from './useMetricHistories';

/** Histories are downsampled on the server to about this many points per run. */
const CHART_POINTS = 1000;
const CHART_HEIGHT = 280;

const xAxisFormat: Record<XAxisMode, (x: number) => string> = {
  step: x => String(x),
  relative: x => formatDuration(x),
  wall: x => new Date(x).toLocaleTimeString(),
};

const xAxisLabel: Record<XAxisMode, (x: number) => string> = {
  step: x => `step ${x}`,
  relative: x => `${formatDuration(x)} after start`,
  wall: x => new Date(x).toLocaleString(),
};

/** One metric of several runs as overlaid lines, one color per run. @internal */
export function MetricComparisonChart(props: {
  metricKey: string;
  runs: ComparedRun[];
  xAxis: XAxisMode;
  smoothing: number;
  logScale: boolean;
}) {
  const { metricKey, runs, xAxis, smoothing, logScale } = props;
  const histories = useMetricHistories(
    runs.map(({ run }) => run.info.runId),
    metricKey,
    CHART_POINTS,
  );

  let chart;
  if (histories.loading) {
    chart = <Progress />;
  } else if (histories.error) {
    chart = (
      <ResponseErrorPanel
        error={histories.error}
        title={`Could not load the history of ${metricKey}`}
      />
    );
  } else {
    const lines = runs.map(({ run, name, color }, index) => ({
      name,
      color,
      runId: run.info.runId,
      points: chartSeries(histories.value![index].points, {
        xAxis,
        runStartTime: run.info.startTime,
        smoothing,
        logScale,
      }),
    }));
    const downsampled = histories.value!.filter(h => h.downsampled);
    chart = (
      <>
        <ResponsiveContainer
          width="100%"
          height={CHART_HEIGHT}
          initialDimension={{ width: 560, height: CHART_HEIGHT }}
        >
          <LineChart margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis
              dataKey="x"
              type="number"
              domain={['dataMin', 'dataMax']}
              tickFormatter={xAxisFormat[xAxis]}
              allowDuplicatedCategory={false}
            />
            <YAxis
              type="number"
              scale={logScale ? 'log' : 'auto'}
              domain={['auto', 'auto']}
              allowDataOverflow={logScale}
              tickFormatter={value => formatMetricValue(Number(value))}
              width={64}
            />
            <Tooltip
              labelFormatter={label => xAxisLabel[xAxis](Number(label))}
              formatter={value => formatMetricValue(Number(value))}
            />
            <Legend />
            {lines.map(line => (
              <Line
                key={line.runId}
                data={line.points}
                dataKey="y"
                name={line.name}
                stroke={line.color}
                dot={false}
                isAnimationActive={false}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
        {downsampled.length > 0 && (
          <Typography variant="caption" color="text.secondary">
            Downsampled to {CHART_POINTS} points from up to{' '}
            {Math.max(...downsampled.map(h => h.totalPoints))}.
          </Typography>
        )}
      </>
    );
  }

  return (
    <Box aria-label={`chart of ${metricKey}`} role="figure">
      <Typography variant="subtitle1" component="h3">
        {metricKey}
      </Typography>
      {chart}
    </Box>
  );
}
