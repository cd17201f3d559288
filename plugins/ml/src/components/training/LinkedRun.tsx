import { Link, Progress, ResponseErrorPanel } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import Box from '@mui/material/Box';
import Grid from '@mui/material/Grid';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';
import { mlApiRef } from '../../api/MlApi';
import { formatMetricValue } from '../common/format';
import { MutedText } from '../common/MutedText';
import { useMlPaths } from '../common/mlPaths';
import { MetricSparkline } from '../tracking/MetricSparkline';
import { RunStatus } from '../tracking/RunStatus';
import { usePolledAsync } from '../common/usePolledAsync';

/** How often a running job's run is fetched again for its latest metrics. @internal */
export const RUN_REFRESH_MS = 10000;

/**
 * The MLflow run a job logs to: a link to its page and its latest metrics, each
 * with its history as a sparkline.
 *
 * @internal
 */
export function LinkedRun(props: {
  runId: string;
  experimentId?: string;
  live: boolean;
}) {
  const { runId, live } = props;
  const mlApi = useApi(mlApiRef);
  const paths = useMlPaths();
  const run = usePolledAsync(
    () => mlApi.getRun(runId),
    [mlApi, runId],
    () => (live ? RUN_REFRESH_MS : null),
  );
  if (run.loading) return <Progress />;
  if (!run.value) {
    return (
      <ResponseErrorPanel error={run.error!} title="Could not load the run" />
    );
  }
  const { info, data } = run.value;
  const experimentId = props.experimentId ?? info.experimentId;
  const metrics = [...data.metrics].sort((a, b) => a.key.localeCompare(b.key));
  return (
    <>
      <Box sx={{ display: 'flex', alignItems: 'baseline', mb: 2, gap: 2 }}>
        {paths ? (
          <Link to={paths.run(experimentId, runId)}>
            {info.runName || runId}
          </Link>
        ) : (
          info.runName || runId
        )}
        <RunStatus status={info.status} />
      </Box>
      {metrics.length === 0 ? (
        <MutedText>The run has logged no metrics yet.</MutedText>
      ) : (
        <Grid container spacing={1} aria-label="latest metrics">
          {metrics.map(metric => (
            <Grid item key={metric.key}>
              <Paper variant="outlined" sx={{ p: 1, minWidth: 156 }}>
                <Typography variant="caption" color="text.secondary">
                  {metric.key} · step {metric.step}
                </Typography>
                <Typography variant="h6">
                  {formatMetricValue(metric.value)}
                </Typography>
                <MetricSparkline runId={runId} metricKey={metric.key} />
              </Paper>
            </Grid>
          ))}
        </Grid>
      )}
    </>
  );
}
