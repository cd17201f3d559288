import { useTheme } from '@mui/material/styles';
import Typography from '@mui/material/Typography';
import { Line, LineChart, XAxis, YAxis } from 'recharts';
import { useMetricHistories } from './useMetricHistories';

const SPARKLINE_POINTS = 50;

/** A small line of one metric of a run over its steps, without axes. @internal */
export function MetricSparkline(props: { runId: string; metricKey: string }) {
  const theme = useTheme();
  const { value, error } = useMetricHistories(
    [props.runId],
    props.metricKey,
    SPARKLINE_POINTS,
  );
  if (error) {
    return (
      <Typography variant="caption" color="error" title={error.message}>
        history unavailable
      </Typography>
    );
  }
  const points = (value?.[0]?.points ?? []).filter(point =>
    Number.isFinite(point.value),
  );
  if (points.length < 2) return null;
  return (
    <LineChart
      width={140}
      height={32}
      data={points}
      margin={{ top: 2, right: 2, bottom: 2, left: 2 }}
      aria-label={`${props.metricKey} history`}
    >
      <XAxis
        dataKey="step"
        type="number"
        domain={['dataMin', 'dataMax']}
        hide
      />
      <YAxis type="number" domain={['dataMin', 'dataMax']} hide />
      <Line
        dataKey="value"
        dot={false}
        isAnimationActive={false}
        stroke={theme.palette.primary.main}
        strokeWidth={1.5}
      />
    </LineChart>
  );
}
