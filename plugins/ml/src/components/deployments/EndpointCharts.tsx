import { useApi } from '@backstage/frontend-plugin-api';
import {
  EndpointMetricPoint,
  EndpointMetrics,
} from '@ml-portal/plugin-ml-common';
import Box from '@mui/material/Box';
import Grid from '@mui/material/Grid';
import Typography from '@mui/material/Typography';
import { useTheme } from '@mui/material/styles';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { mlApiRef } from '../../api/MlApi';
import { Loaded } from '../common/Loaded';
import { MutedText } from '../common/MutedText';
import { CHART_MARGIN, ResponsiveChart } from '../common/ResponsiveChart';
import { usePolledAsync } from '../common/usePolledAsync';
import { formatLatency, formatPercent } from './deploymentFormat';

/** How far back the charts look, in minutes. */
const CHART_MINUTES = 60;
const CHART_HEIGHT = 240;
/** How often the charts load again while the endpoint changes (a canary runs). @internal */
export const METRICS_REFRESH_MS = 15_000;

type Series = {
  key: string;
  color: string;
  dashed?: boolean;
  points: Array<{ x: number; y: number }>;
};

/** One value per minute of a version, leaving out the minutes without one. */
function seriesOf(
  points: EndpointMetricPoint[],
  value: (point: EndpointMetricPoint) => number | undefined,
) {
  return points.flatMap(point => {
    const y = value(point);
    return y === undefined ? [] : [{ x: point.minute, y }];
  });
}

const errorRate = (point: EndpointMetricPoint) =>
  point.requests > 0 ? point.errors / point.requests : undefined;

function MinuteChart(props: {
  title: string;
  series: Series[];
  format: (value: number) => string;
  /** The value axis' top at least (an error rate of 0 would otherwise scale to 400%). */
  minTop?: number;
}) {
  const { title, series, format, minTop } = props;
  return (
    <Box role="figure" aria-label={title}>
      <Typography variant="subtitle2" component="h3">
        {title}
      </Typography>
      <ResponsiveChart height={CHART_HEIGHT}>
        <LineChart margin={CHART_MARGIN}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis
            dataKey="x"
            type="number"
            domain={['dataMin', 'dataMax']}
            tickFormatter={x => new Date(x).toLocaleTimeString()}
            allowDuplicatedCategory={false}
          />
          <YAxis
            tickFormatter={value => format(Number(value))}
            width={64}
            domain={
              minTop === undefined
                ? undefined
                : [0, (top: number) => Math.max(top, minTop)]
            }
          />
          <Tooltip
            labelFormatter={x => new Date(Number(x)).toLocaleTimeString()}
            formatter={value => format(Number(value))}
          />
          <Legend />
          {series.map(line => (
            <Line
              key={line.key}
              data={line.points}
              dataKey="y"
              name={line.key}
              stroke={line.color}
              strokeDasharray={line.dashed ? '4 3' : undefined}
              // A line needs two minutes: until then each minute shows as a dot.
              dot={line.points.length < 3}
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveChart>
    </Box>
  );
}

function Charts(props: { metrics: EndpointMetrics }) {
  const theme = useTheme();
  const palette = [
    theme.palette.primary.main,
    theme.palette.secondary.main,
    theme.palette.success.main,
    theme.palette.warning.main,
  ];
  const versions = props.metrics.versions.filter(v => v.points.length > 0);
  if (versions.length === 0) {
    return (
      <MutedText>
        No requests in the last {props.metrics.minutes} minutes.
      </MutedText>
    );
  }
  const color = (index: number) => palette[index % palette.length];
  const latency = versions.flatMap((v, index) => [
    {
      key: `v${v.version} p50`,
      color: color(index),
      dashed: true,
      points: seriesOf(v.points, point => point.p50Ms),
    },
    {
      key: `v${v.version} p95`,
      color: color(index),
      points: seriesOf(v.points, point => point.p95Ms),
    },
  ]);
  const errors = versions.map((v, index) => ({
    key: `v${v.version}`,
    color: color(index),
    points: seriesOf(v.points, errorRate),
  }));
  return (
    <Grid container spacing={2}>
      <Grid item xs={12} md={6}>
        <MinuteChart
          title="Latency per version"
          series={latency}
          format={formatLatency}
        />
      </Grid>
      <Grid item xs={12} md={6}>
        <MinuteChart
          title="Error rate per version"
          series={errors}
          format={formatPercent}
          minTop={0.04}
        />
      </Grid>
    </Grid>
  );
}

/**
 * Latency (p50, p95) and error rate per version and minute from the serving
 * router, loaded again while `live`.
 *
 * @internal
 */
export function EndpointCharts(props: { endpoint: string; live: boolean }) {
  const { endpoint, live } = props;
  const mlApi = useApi(mlApiRef);
  const metrics = usePolledAsync(
    () => mlApi.getEndpointMetrics({ endpoint, minutes: CHART_MINUTES }),
    [mlApi, endpoint],
    () => (live ? METRICS_REFRESH_MS : null),
  );
  return (
    <Loaded state={metrics} errorTitle="Could not load the endpoint's metrics">
      {value => <Charts metrics={value} />}
    </Loaded>
  );
}
