import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import {
  CartesianGrid,
  Cell,
  Scatter,
  ScatterChart,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { formatMetricValue } from '../common/format';
import { MutedText } from '../common/MutedText';
import { CHART_MARGIN, ResponsiveChart } from '../common/ResponsiveChart';
import { SelectField } from '../common/SelectField';
import { ComparedRun, numericParam } from './chartSeries';
import { keysByVariation, latestMetric, paramValue } from './runFormat';

const SCATTER_HEIGHT = 300;

const keyChoice = { minWidth: 180, mr: 2 };

type ScatterPoint = {
  name: string;
  color: string;
  x: number | string;
  y: number;
};

function PointTooltip(props: {
  active?: boolean;
  payload?: ReadonlyArray<{ payload?: ScatterPoint }>;
  param: string;
  metric: string;
}) {
  const point = props.active ? props.payload?.[0]?.payload : undefined;
  if (!point) return null;
  return (
    <Box
      sx={{
        bgcolor: 'background.paper',
        p: 1,
        border: 1,
        borderColor: 'divider',
      }}
    >
      <Typography variant="subtitle2">{point.name}</Typography>
      <Typography variant="body2">
        {props.param}: {point.x}
      </Typography>
      <Typography variant="body2">
        {props.metric}: {formatMetricValue(point.y)}
      </Typography>
    </Box>
  );
}

/**
 * One param against one metric across the compared runs; the param axis is
 * numeric when every value parses as a number, categorical otherwise.
 *
 * @internal
 */
export function ParamScatter(props: { runs: ComparedRun[] }) {
  const { runs } = props;
  // Keys that differ between the runs first: a param every run shares plots one column.
  const paramKeys = keysByVariation(runs.map(({ run }) => run.data.params));
  const metricKeys = keysByVariation(runs.map(({ run }) => run.data.metrics));
  const [param, setParam] = useState(paramKeys[0] ?? '');
  const [metric, setMetric] = useState(metricKeys[0] ?? '');

  if (paramKeys.length === 0 || metricKeys.length === 0) {
    return (
      <MutedText>
        The runs need a param and a metric to plot one against the other.
      </MutedText>
    );
  }

  const raw = runs.flatMap(({ run, name, color }) => {
    const x = paramValue(run.data.params, param);
    const y = latestMetric(run.data.metrics, metric);
    return x !== undefined && y !== undefined && Number.isFinite(y)
      ? [{ name, color, x, y }]
      : [];
  });
  const numeric = raw.every(point => numericParam(point.x) !== undefined);
  const points: ScatterPoint[] = raw.map(point => ({
    ...point,
    x: numeric ? numericParam(point.x)! : point.x,
  }));

  return (
    <Box>
      <Box sx={{ mb: 2 }}>
        <SelectField
          label="Param (x)"
          options={paramKeys}
          value={param}
          onChange={setParam}
          sx={keyChoice}
        />
        <SelectField
          label="Metric (y)"
          options={metricKeys}
          value={metric}
          onChange={setMetric}
          sx={keyChoice}
        />
      </Box>
      {points.length === 0 ? (
        <MutedText>
          No run has both {param} and a finite {metric}.
        </MutedText>
      ) : (
        <ResponsiveChart height={SCATTER_HEIGHT}>
          <ScatterChart margin={CHART_MARGIN}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis
              dataKey="x"
              name={param}
              type={numeric ? 'number' : 'category'}
              domain={numeric ? ['auto', 'auto'] : undefined}
              allowDuplicatedCategory={false}
            />
            <YAxis
              dataKey="y"
              name={metric}
              type="number"
              domain={['auto', 'auto']}
              tickFormatter={value => formatMetricValue(Number(value))}
              width={64}
            />
            <Tooltip content={<PointTooltip param={param} metric={metric} />} />
            <Scatter data={points} isAnimationActive={false}>
              {points.map(point => (
                <Cell key={point.name} fill={point.color} />
              ))}
            </Scatter>
          </ScatterChart>
        </ResponsiveChart>
      )}
    </Box>
  );
}
