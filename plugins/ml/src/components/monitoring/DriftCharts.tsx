import { DriftThresholds, FeatureDrift } from '@ml-portal/plugin-ml-common';
import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import { useTheme } from '@mui/material/styles';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { MutedText } from '../common/MutedText';
import { CHART_MARGIN, ResponsiveChart } from '../common/ResponsiveChart';
import { formatPercent } from '../deployments/deploymentFormat';
import { featureHistory, formatStatistic } from './monitoringFormat';

const CHART_HEIGHT = 220;

function ChartFigure(props: { title: string; children: JSX.Element }) {
  return (
    <Box role="figure" aria-label={props.title}>
      <Typography variant="subtitle2" component="h3">
        {props.title}
      </Typography>
      <ResponsiveChart height={CHART_HEIGHT}>{props.children}</ResponsiveChart>
    </Box>
  );
}

/**
 * A feature's share of rows per bin (numbers) or category, in the training
 * baseline and in the live window side by side.
 *
 * @internal
 */
export function DriftHistogram(props: { drift: FeatureDrift }) {
  const { drift } = props;
  const theme = useTheme();
  const bars = drift.baseline.labels.map((label, index) => ({
    label,
    baseline: drift.baseline.shares[index] ?? 0,
    live: drift.live.shares[index] ?? 0,
  }));
  return (
    <ChartFigure title={`${drift.feature}: baseline and live`}>
      <BarChart data={bars} margin={CHART_MARGIN}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis dataKey="label" />
        <YAxis
          tickFormatter={value => formatPercent(Number(value))}
          width={56}
        />
        <Tooltip formatter={value => formatPercent(Number(value))} />
        <Legend />
        <Bar
          dataKey="baseline"
          name="baseline (training)"
          fill={theme.palette.grey[500]}
          isAnimationActive={false}
        />
        <Bar
          dataKey="live"
          name="live"
          fill={theme.palette.primary.main}
          isAnimationActive={false}
        />
      </BarChart>
    </ChartFigure>
  );
}

/**
 * A feature's PSI (and KS statistic, for numbers) in each past drift window,
 * with its warning and alert levels.
 *
 * @internal
 */
export function DriftOverTime(props: {
  feature: string;
  history: Parameters<typeof featureHistory>[0];
  thresholds: Required<DriftThresholds>;
}) {
  const { feature, history, thresholds } = props;
  const theme = useTheme();
  const points = featureHistory(history, feature);
  if (points.length < 2) {
    return (
      <MutedText>
        PSI over time shows from the second judged window of {feature}.
      </MutedText>
    );
  }
  const hasKs = points.some(point => point.ks !== undefined);
  const time = (x: number) =>
    new Date(x).toLocaleString(undefined, {
      month: 'short',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
    });
  return (
    <ChartFigure title={`${feature}: drift over time`}>
      <LineChart data={points} margin={CHART_MARGIN}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis
          dataKey="at"
          type="number"
          domain={['dataMin', 'dataMax']}
          tickFormatter={x => time(Number(x))}
        />
        <YAxis
          tickFormatter={value => formatStatistic(Number(value))}
          width={48}
        />
        <Tooltip
          labelFormatter={x => time(Number(x))}
          formatter={value => formatStatistic(Number(value))}
        />
        <Legend />
        <ReferenceLine
          y={thresholds.psiWarn}
          ifOverflow="extendDomain"
          stroke={theme.palette.warning.main}
          strokeDasharray="6 4"
          label={{
            value: `warn ${thresholds.psiWarn}`,
            position: 'insideTopLeft',
          }}
        />
        <ReferenceLine
          y={thresholds.psiAlert}
          ifOverflow="extendDomain"
          stroke={theme.palette.error.main}
          strokeDasharray="6 4"
          label={{
            value: `alert ${thresholds.psiAlert}`,
            position: 'insideTopLeft',
          }}
        />
        <Line
          dataKey="psi"
          name="PSI"
          stroke={theme.palette.primary.main}
          isAnimationActive={false}
        />
        {hasKs && (
          <Line
            dataKey="ks"
            name="KS statistic"
            stroke={theme.palette.secondary.main}
            strokeDasharray="4 3"
            isAnimationActive={false}
          />
        )}
      </LineChart>
    </ChartFigure>
  );
}
