import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { Loaded } from '../common/Loaded';
import { CHART_MARGIN, ResponsiveChart } from '../common/ResponsiveChart';
import {
  chartSeries,
  ChartOptions,
  ComparedRun,
  XAxisMode,
} from './chartSeries';
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
  options: ChartOptions;
}) {
  const { metricKey, runs, options } = props;
  const { xAxis, logScale } = options;
  const histories = useMetricHistories(
    runs.map(({ run }) => run.info.runId),
    metricKey,
    CHART_POINTS,
  );

  return (
    <Box aria-label={`chart of ${metricKey}`} role="figure">
      <Typography variant="subtitle1" component="h3">
        {metricKey}
      </Typography>
      <Loaded
        state={histories}
        errorTitle={`Could not load the history of ${metricKey}`}
      >
        {loaded => {
          const downsampled = loaded.filter(h => h.downsampled);
          return (
            <>
              <ResponsiveChart height={CHART_HEIGHT}>
                <LineChart margin={CHART_MARGIN}>
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
                  {runs.map(({ run, name, color }, index) => (
                    <Line
                      key={run.info.runId}
                      data={chartSeries(loaded[index].points, {
                        ...options,
                        runStartTime: run.info.startTime,
                      })}
                      dataKey="y"
                      name={name}
                      stroke={color}
                      dot={false}
                      isAnimationActive={false}
                    />
                  ))}
                </LineChart>
              </ResponsiveChart>
              {downsampled.length > 0 && (
                <Typography variant="caption" color="text.secondary">
                  Downsampled to {CHART_POINTS} points from up to{' '}
                  {Math.max(...downsampled.map(h => h.totalPoints))}.
                </Typography>
              )}
            </>
          );
        }}
      </Loaded>
    </Box>
  );
}
