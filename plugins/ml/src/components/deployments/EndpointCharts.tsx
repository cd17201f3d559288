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
  ReferenceLine,
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

/** How far back the charts look without a range chosen, in minutes. */
const CHART_MINUTES = 60;
/** Beyond a day the points are hours: the axis names the day too. */
const DAY_MINUTES = 1440;
const CHART_HEIGHT = 240;
/** How often the charts load again while the endpoint changes (a canary runs). @internal */
export const METRICS_REFRESH_MS = 15_000;

/** An SLO target drawn across a chart. @internal */
export type ChartTarget = { value: number; label: string };

type Series = {
  key: string;
  color: string;
  dashed?: boolean;
  /** Finer than dashed: p99 beside p50's dashes. */
  dotted?: boolean;
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

const dashArray = (line: Series) => {
  if (line.dotted) return '1 3';
  return line.dashed ? '4 3' : undefined;
};

/** `60 minutes`, `24 hours`, `7 days`: how far back a range reaches. */
function spanLabel(minutes: number) {
  if (minutes % DAY_MINUTES === 0 && minutes > DAY_MINUTES) {
    return `${minutes / DAY_MINUTES} days`;
  }
  if (minutes % 60 === 0 && minutes > 60) return `${minutes / 60} hours`;
  return `${minutes} minutes`;
}

const errorRate = (point: EndpointMetricPoint) =>
  point.requests > 0 ? point.errors / point.requests : undefined;

function MinuteChart(props: {
  title: string;
  series: Series[];
  format: (value: number) => string;
  /** The value axis' top at least (an error rate of 0 would otherwise scale to 400%). */
  minTop?: number;
  target?: ChartTarget;
  timeLabel: (epochMs: number) => string;
}) {
  const { title, series, format, minTop, target, timeLabel } = props;
  const theme = useTheme();
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
            tickFormatter={x => timeLabel(Number(x))}
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
            labelFormatter={x => timeLabel(Number(x))}
            formatter={value => format(Number(value))}
          />
          <Legend />
          {target && (
            <ReferenceLine
              y={target.value}
              // The target stays in sight when every point is far below it.
              ifOverflow="extendDomain"
              stroke={theme.palette.error.main}
              strokeDasharray="6 4"
              label={{ value: target.label, position: 'insideTopRight' }}
            />
          )}
          {series.map(line => (
            <Line
              key={line.key}
              data={line.points}
              dataKey="y"
              name={line.key}
              stroke={line.color}
              strokeDasharray={dashArray(line)}
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

/** The SLO targets the charts draw, where the endpoint has them. @internal */
export type ChartSlo = { p95Ms?: number; errorRate?: number };

function Charts(props: { metrics: EndpointMetrics; slo?: ChartSlo }) {
  const { metrics, slo } = props;
  const theme = useTheme();
  const palette = [
    theme.palette.primary.main,
    theme.palette.secondary.main,
    theme.palette.success.main,
    theme.palette.warning.main,
  ];
  const versions = metrics.versions.filter(v => v.points.length > 0);
  if (versions.length === 0) {
    return (
      <MutedText>
        No requests in the last {spanLabel(metrics.minutes)}: the charts fill in
        as the endpoint is called.
      </MutedText>
    );
  }
  const timeLabel =
    metrics.minutes > DAY_MINUTES
      ? (x: number) =>
          new Date(x).toLocaleString(undefined, {
            month: 'short',
            day: 'numeric',
            hour: '2-digit',
            minute: '2-digit',
          })
      : (x: number) => new Date(x).toLocaleTimeString();
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
    {
      key: `v${v.version} p99`,
      color: color(index),
      dotted: true,
      points: seriesOf(v.points, point => point.p99Ms),
    },
  ]);
  const errors = versions.map((v, index) => ({
    key: `v${v.version}`,
    color: color(index),
    points: seriesOf(v.points, errorRate),
  }));
  // Only model servers that report it (a scraped Triton) have GPU utilisation.
  const gpu = versions
    .map((v, index) => ({
      key: `v${v.version}`,
      color: color(index),
      points: seriesOf(v.points, point => point.gpuUtilizationPercent),
    }))
    .filter(line => line.points.length > 0);
  return (
    <Grid container spacing={2}>
      <Grid item xs={12} md={6}>
        <MinuteChart
          title="Latency per version"
          series={latency}
          format={formatLatency}
          timeLabel={timeLabel}
          target={
            slo?.p95Ms === undefined
              ? undefined
              : {
                  value: slo.p95Ms,
                  label: `SLO p95 ${formatLatency(slo.p95Ms)}`,
                }
          }
        />
      </Grid>
      <Grid item xs={12} md={6}>
        <MinuteChart
          title="Error rate per version"
          series={errors}
          format={formatPercent}
          minTop={0.04}
          timeLabel={timeLabel}
          target={
            slo?.errorRate === undefined
              ? undefined
              : {
                  value: slo.errorRate,
                  label: `SLO ${formatPercent(slo.errorRate)}`,
                }
          }
        />
      </Grid>
      {gpu.length > 0 && (
        <Grid item xs={12} md={6}>
          <MinuteChart
            title="GPU utilisation per version"
            series={gpu}
            format={value => `${value.toFixed(0)}%`}
            minTop={100}
            timeLabel={timeLabel}
          />
        </Grid>
      )}
    </Grid>
  );
}

/**
 * Latency (p50, p95, p99) and error rate per version over the last `minutes`
 * (by minute, by hour beyond a day) from the serving router, with the SLO
 * targets as lines; loaded again while `live`.
 *
 * @internal
 */
export function EndpointCharts(props: {
  endpoint: string;
  live: boolean;
  minutes?: number;
  slo?: ChartSlo;
}) {
  const { endpoint, live, minutes = CHART_MINUTES, slo } = props;
  const mlApi = useApi(mlApiRef);
  const metrics = usePolledAsync(
    () => mlApi.getEndpointMetrics({ endpoint, minutes }),
    [mlApi, endpoint, minutes],
    () => (live ? METRICS_REFRESH_MS : null),
  );
  return (
    <Loaded state={metrics} errorTitle="Could not load the endpoint's metrics">
      {value => <Charts metrics={value} slo={slo} />}
    </Loaded>
  );
}
