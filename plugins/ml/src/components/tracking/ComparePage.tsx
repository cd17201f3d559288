import {
  Content,
  EmptyState,
  InfoCard,
  Link,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import Box from '@mui/material/Box';
import FormControlLabel from '@mui/material/FormControlLabel';
import Grid from '@mui/material/Grid';
import Slider from '@mui/material/Slider';
import Switch from '@mui/material/Switch';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import Typography from '@mui/material/Typography';
import { useMemo, useState } from 'react';
import { useParams, useSearchParams } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import { mlApiRef } from '../../api/MlApi';
import { formatMetricValue, MISSING } from '../common/format';
import { GridCard } from '../common/GridCard';
import { MutedText } from '../common/MutedText';
import { PageTrail } from '../common/PageTrail';
import {
  ComparedRun,
  MAX_COMPARED_RUNS,
  runColor,
  XAxisMode,
} from './chartSeries';
import { DiffTable } from './DiffTable';
import { KeySelect } from './KeySelect';
import { MetricComparisonChart } from './MetricComparisonChart';
import { ParamScatter } from './ParamScatter';
import { distinctKeys, latestMetric, paramValue } from './runFormat';

const DEFAULT_CHARTS = 6;

const controlRow = {
  display: 'flex',
  alignItems: 'center',
  flexWrap: 'wrap',
  gap: 3,
} as const;

function ChartControls(props: {
  xAxis: XAxisMode;
  onXAxis: (mode: XAxisMode) => void;
  smoothing: number;
  onSmoothing: (weight: number) => void;
  logScale: boolean;
  onLogScale: (on: boolean) => void;
}) {
  return (
    <Box sx={controlRow}>
      <ToggleButtonGroup
        size="small"
        exclusive
        value={props.xAxis}
        onChange={(_event, mode) => mode && props.onXAxis(mode)}
        aria-label="x axis"
      >
        <ToggleButton value="step">Step</ToggleButton>
        <ToggleButton value="relative">Relative time</ToggleButton>
        <ToggleButton value="wall">Wall time</ToggleButton>
      </ToggleButtonGroup>
      <Box sx={{ width: 220 }}>
        <Typography variant="caption" id="smoothing-label">
          Smoothing {props.smoothing.toFixed(2)}
        </Typography>
        <Slider
          aria-labelledby="smoothing-label"
          min={0}
          max={0.99}
          step={0.01}
          value={props.smoothing}
          onChange={(_event, value) => props.onSmoothing(value as number)}
        />
      </Box>
      <FormControlLabel
        control={
          <Switch
            checked={props.logScale}
            onChange={event => props.onLogScale(event.target.checked)}
          />
        }
        label="Log scale"
      />
    </Box>
  );
}

function Comparison(props: { experimentId: string; runIds: string[] }) {
  const { experimentId, runIds } = props;
  const mlApi = useApi(mlApiRef);
  const [chosenMetrics, setChosenMetrics] = useState<string[]>();
  const [xAxis, setXAxis] = useState<XAxisMode>('step');
  const [smoothing, setSmoothing] = useState(0);
  const [logScale, setLogScale] = useState(false);

  const loaded = useAsync(
    () =>
      Promise.all([
        mlApi.getExperiment(experimentId),
        Promise.all(runIds.map(runId => mlApi.getRun(runId))),
      ]),
    [mlApi, experimentId, runIds.join(',')],
  );
  const runs: ComparedRun[] = useMemo(
    () =>
      (loaded.value?.[1] ?? []).map((run, index) => ({
        run,
        name: run.info.runName || run.info.runId,
        color: runColor(index),
      })),
    [loaded.value],
  );

  if (loaded.loading) return <Progress />;
  if (loaded.error) {
    return (
      <ResponseErrorPanel
        error={loaded.error}
        title="Could not load the runs"
      />
    );
  }

  const metricKeys = distinctKeys(runs.map(({ run }) => run.data.metrics));
  const paramKeys = distinctKeys(runs.map(({ run }) => run.data.params));
  const charted = chosenMetrics ?? metricKeys.slice(0, DEFAULT_CHARTS);

  return (
    <>
      <PageTrail
        crumbs={[
          { label: 'Experiments', to: '../..' },
          { label: loaded.value![0].name, to: '..' },
          { label: `Compare ${runs.length} runs` },
        ]}
      />
      <Grid container spacing={3}>
        <GridCard title="Metrics over time">
          <Box sx={{ ...controlRow, mb: 2 }}>
            <KeySelect
              label="Metrics"
              keys={metricKeys}
              selected={charted}
              onChange={setChosenMetrics}
            />
            <ChartControls
              xAxis={xAxis}
              onXAxis={setXAxis}
              smoothing={smoothing}
              onSmoothing={setSmoothing}
              logScale={logScale}
              onLogScale={setLogScale}
            />
          </Box>
          {charted.length === 0 ? (
            <MutedText>
              {metricKeys.length === 0
                ? 'These runs logged no metrics.'
                : 'Choose metrics to chart.'}
            </MutedText>
          ) : (
            <Grid container spacing={2}>
              {charted.map(metricKey => (
                <Grid item xs={12} lg={6} key={metricKey}>
                  <MetricComparisonChart
                    metricKey={metricKey}
                    runs={runs}
                    xAxis={xAxis}
                    smoothing={smoothing}
                    logScale={logScale}
                  />
                </Grid>
              ))}
            </Grid>
          )}
        </GridCard>
        <GridCard title="Param against metric">
          <ParamScatter runs={runs} />
        </GridCard>
        <Grid item xs={12} lg={6}>
          <InfoCard title="Parameters">
            <DiffTable
              label="parameter differences"
              runs={runs}
              rows={paramKeys.map(key => ({
                key,
                values: runs.map(({ run }) => paramValue(run.data.params, key)),
              }))}
              format={value => value ?? MISSING}
            />
          </InfoCard>
        </Grid>
        <Grid item xs={12} lg={6}>
          <InfoCard title="Latest metrics">
            <DiffTable
              label="metric differences"
              runs={runs}
              rows={metricKeys.map(key => ({
                key,
                values: runs.map(({ run }) =>
                  latestMetric(run.data.metrics, key),
                ),
              }))}
              format={formatMetricValue}
            />
          </InfoCard>
        </Grid>
      </Grid>
    </>
  );
}

/** Runs of an experiment side by side: `compare?runs=<id>,<id>,...`. @internal */
export function ComparePage() {
  const { experimentId = '' } = useParams();
  const [searchParams] = useSearchParams();
  const runIds = [
    ...new Set(
      (searchParams.get('runs') ?? '')
        .split(',')
        .map(id => id.trim())
        .filter(Boolean),
    ),
  ];

  if (runIds.length < 2 || runIds.length > MAX_COMPARED_RUNS) {
    return (
      <Content>
        <EmptyState
          missing="info"
          title={`Choose 2 to ${MAX_COMPARED_RUNS} runs to compare`}
          description={`This link names ${runIds.length}. Select runs in the experiment's table and press Compare.`}
          action={<Link to="..">Back to the experiment</Link>}
        />
      </Content>
    );
  }
  return (
    <Content>
      <Comparison experimentId={experimentId} runIds={runIds} />
    </Content>
  );
}
