import {
  Content,
  EmptyState,
  Link,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import Box from '@mui/material/Box';
import Grid from '@mui/material/Grid';
import Slider from '@mui/material/Slider';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import Typography from '@mui/material/Typography';
import { useMemo, useState } from 'react';
import { useParams, useSearchParams } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import { mlApiRef } from '../../api/MlApi';
import { formatMetricValue, MISSING } from '../common/format';
import { GridCard } from '../common/GridCard';
import { LabeledSwitch } from '../common/LabeledSwitch';
import { MutedText } from '../common/MutedText';
import { PageTrail } from '../common/PageTrail';
import {
  ChartOptions,
  ComparedRun,
  MAX_COMPARED_RUNS,
  runColor,
} from './chartSeries';
import { DiffTable } from './DiffTable';
import { KeySelect } from './KeySelect';
import { LoggedModelsTable } from './LoggedModelsTable';
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
  options: ChartOptions;
  onChange: (options: ChartOptions) => void;
}) {
  const { options } = props;
  const change = (changed: Partial<ChartOptions>) =>
    props.onChange({ ...options, ...changed });
  return (
    <Box sx={controlRow}>
      <ToggleButtonGroup
        size="small"
        exclusive
        value={options.xAxis}
        onChange={(_event, xAxis) => xAxis && change({ xAxis })}
        aria-label="x axis"
      >
        <ToggleButton value="step">Step</ToggleButton>
        <ToggleButton value="relative">Relative time</ToggleButton>
        <ToggleButton value="wall">Wall time</ToggleButton>
      </ToggleButtonGroup>
      <Box sx={{ width: 220 }}>
        <Typography variant="caption" id="smoothing-label">
          Smoothing {options.smoothing.toFixed(2)}
        </Typography>
        <Slider
          aria-labelledby="smoothing-label"
          min={0}
          max={0.99}
          step={0.01}
          value={options.smoothing}
          onChange={(_event, value) => change({ smoothing: value as number })}
        />
      </Box>
      <LabeledSwitch
        label="Log scale"
        checked={options.logScale}
        onChange={logScale => change({ logScale })}
      />
    </Box>
  );
}

function Comparison(props: { experimentId: string; runIds: string[] }) {
  const { experimentId, runIds } = props;
  const mlApi = useApi(mlApiRef);
  const [chosenMetrics, setChosenMetrics] = useState<string[]>();
  const [chartOptions, setChartOptions] = useState<ChartOptions>({
    xAxis: 'step',
    smoothing: 0,
    logScale: false,
  });

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
            <ChartControls options={chartOptions} onChange={setChartOptions} />
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
                    options={chartOptions}
                  />
                </Grid>
              ))}
            </Grid>
          )}
        </GridCard>
        <GridCard title="Param against metric">
          <ParamScatter runs={runs} />
        </GridCard>
        <GridCard lg={6} title="Parameters">
          <DiffTable
            label="parameter differences"
            runs={runs}
            keys={paramKeys}
            valueOf={(run, key) => paramValue(run.data.params, key)}
            format={value => value ?? MISSING}
          />
        </GridCard>
        <GridCard lg={6} title="Latest metrics">
          <DiffTable
            label="metric differences"
            runs={runs}
            keys={metricKeys}
            valueOf={(run, key) => latestMetric(run.data.metrics, key)}
            format={formatMetricValue}
          />
        </GridCard>
        <GridCard title="Logged models">
          {runs.map(({ run, name, color }) => (
            <Box key={run.info.runId} sx={{ mb: 2 }}>
              <Typography variant="subtitle2" sx={{ color }}>
                {name}
              </Typography>
              <LoggedModelsTable runId={run.info.runId} />
            </Box>
          ))}
        </GridCard>
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
