import {
  Content,
  InfoCard,
  Progress,
  ResponseErrorPanel,
  StructuredMetadataTable,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import {
  FormControlLabel,
  Grid,
  Switch,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@material-ui/core';
import { DatasetInput, Metric, Tag } from '@ml-portal/plugin-ml-common';
import { useState } from 'react';
import { useParams } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import { mlApiRef } from '../../api/MlApi';
import { RegisterModelButton } from '../registry/RegisterModelButton';
import { ArtifactBrowser } from './ArtifactBrowser';
import {
  formatDuration,
  formatMetricValue,
  formatTime,
  MISSING,
  runDuration,
} from './format';
import { KeyValueTable } from './KeyValueTable';
import { MetricSparkline } from './MetricSparkline';
import { RunStatus } from './RunStatus';
import { TrackingTrail } from './TrackingTrail';

const isSystemTag = (tag: Tag) => tag.key.startsWith('mlflow.');

function MetricsTable(props: { runId: string; metrics: Metric[] }) {
  const { runId, metrics } = props;
  if (metrics.length === 0) {
    return (
      <Typography variant="body2" color="textSecondary">
        This run logged no metrics.
      </Typography>
    );
  }
  return (
    <Table size="small" aria-label="metrics">
      <TableHead>
        <TableRow>
          <TableCell>Key</TableCell>
          <TableCell align="right">Latest</TableCell>
          <TableCell align="right">Step</TableCell>
          <TableCell>History</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {[...metrics]
          .sort((a, b) => a.key.localeCompare(b.key))
          .map(metric => (
            <TableRow key={metric.key}>
              <TableCell>{metric.key}</TableCell>
              <TableCell align="right">
                {formatMetricValue(metric.value)}
              </TableCell>
              <TableCell align="right">{metric.step}</TableCell>
              <TableCell>
                <MetricSparkline runId={runId} metricKey={metric.key} />
              </TableCell>
            </TableRow>
          ))}
      </TableBody>
    </Table>
  );
}

function TagsCard(props: { tags: Tag[] }) {
  const [showSystem, setShowSystem] = useState(false);
  const systemCount = props.tags.filter(isSystemTag).length;
  const shown = showSystem
    ? props.tags
    : props.tags.filter(tag => !isSystemTag(tag));
  return (
    <InfoCard
      title="Tags"
      action={
        <FormControlLabel
          control={
            <Switch
              checked={showSystem}
              onChange={event => setShowSystem(event.target.checked)}
              size="small"
            />
          }
          label={`System tags (${systemCount})`}
        />
      }
    >
      <KeyValueTable label="tags" rows={shown} emptyText="No tags." />
    </InfoCard>
  );
}

function InputsTable(props: { inputs: DatasetInput[] }) {
  if (props.inputs.length === 0) {
    return (
      <Typography variant="body2" color="textSecondary">
        This run logged no dataset inputs.
      </Typography>
    );
  }
  return (
    <Table size="small" aria-label="dataset inputs">
      <TableHead>
        <TableRow>
          <TableCell>Dataset</TableCell>
          <TableCell>Digest</TableCell>
          <TableCell>Source</TableCell>
          <TableCell>Context</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {props.inputs.map(({ dataset, tags }) => (
          <TableRow key={`${dataset.name}@${dataset.digest}`}>
            <TableCell>{dataset.name}</TableCell>
            <TableCell>
              <code>{dataset.digest}</code>
            </TableCell>
            <TableCell style={{ wordBreak: 'break-all' }}>
              {dataset.sourceType}: {dataset.source}
            </TableCell>
            <TableCell>
              {tags.find(tag => tag.key === 'mlflow.data.context')?.value ??
                MISSING}
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

/** One run: what it was, what it logged, what it read and wrote. @internal */
export function RunPage() {
  const { experimentId = '', runId = '' } = useParams();
  const mlApi = useApi(mlApiRef);
  const { value, loading, error } = useAsync(
    () => Promise.all([mlApi.getRun(runId), mlApi.getExperiment(experimentId)]),
    [mlApi, runId, experimentId],
  );

  if (loading) return <Progress />;
  if (error) {
    return (
      <Content>
        <ResponseErrorPanel error={error} title="Could not load the run" />
      </Content>
    );
  }
  const [{ info, data, inputs }, experiment] = value!;
  const runName = info.runName || info.runId;

  return (
    <Content>
      <TrackingTrail
        crumbs={[
          { label: 'Experiments', to: '../..' },
          { label: experiment.name, to: '..' },
          { label: runName },
        ]}
      />
      <Grid container spacing={3}>
        <Grid item xs={12} md={6}>
          <InfoCard
            title={runName}
            action={<RegisterModelButton runId={info.runId} />}
          >
            <StructuredMetadataTable
              metadata={{
                status: <RunStatus status={info.status} />,
                started: formatTime(info.startTime),
                ended: formatTime(info.endTime),
                duration: formatDuration(runDuration(info)),
                user: info.userId ?? MISSING,
                artifactUri: <code>{info.artifactUri}</code>,
                runId: <code>{info.runId}</code>,
              }}
            />
          </InfoCard>
        </Grid>
        <Grid item xs={12} md={6}>
          <InfoCard title="Parameters">
            <KeyValueTable
              label="parameters"
              rows={data.params}
              emptyText="This run logged no parameters."
            />
          </InfoCard>
        </Grid>
        <Grid item xs={12} md={6}>
          <InfoCard title="Metrics">
            <MetricsTable runId={info.runId} metrics={data.metrics} />
          </InfoCard>
        </Grid>
        <Grid item xs={12} md={6}>
          <TagsCard tags={data.tags} />
        </Grid>
        <Grid item xs={12}>
          <InfoCard title="Inputs">
            <InputsTable inputs={inputs.datasetInputs} />
          </InfoCard>
        </Grid>
        <Grid item xs={12}>
          <InfoCard title="Artifacts">
            <ArtifactBrowser runId={info.runId} />
          </InfoCard>
        </Grid>
      </Grid>
    </Content>
  );
}
