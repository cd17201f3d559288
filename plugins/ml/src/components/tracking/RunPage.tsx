import {
  Content,
  InfoCard,
  Progress,
  ResponseErrorPanel,
  StructuredMetadataTable,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { DatasetInput, Metric, Tag } from '@ml-portal/plugin-ml-common';
import Grid from '@mui/material/Grid';
import { useState } from 'react';
import { useParams } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import { mlApiRef } from '../../api/MlApi';
import { DataColumn, DataTable } from '../common/DataTable';
import {
  formatDuration,
  formatMetricValue,
  formatTime,
  MISSING,
} from '../common/format';
import { GridCard } from '../common/GridCard';
import { KeyValueTable } from '../common/KeyValueTable';
import { LabeledSwitch } from '../common/LabeledSwitch';
import { PageTrail } from '../common/PageTrail';
import { RegisterModelButton } from '../registry/RegisterModelButton';
import { ArtifactBrowser } from './ArtifactBrowser';
import { LoggedModelsTable } from './LoggedModelsTable';
import { MetricSparkline } from './MetricSparkline';
import { runDuration } from './runFormat';
import { RunStatus } from './RunStatus';

const isSystemTag = (tag: Tag) => tag.key.startsWith('mlflow.');

function MetricsTable(props: { runId: string; metrics: Metric[] }) {
  const { runId, metrics } = props;
  const columns: DataColumn<Metric>[] = [
    { title: 'Key', render: metric => metric.key },
    {
      title: 'Latest',
      align: 'right',
      render: metric => formatMetricValue(metric.value),
    },
    { title: 'Step', align: 'right', render: metric => metric.step },
    {
      title: 'History',
      render: metric => (
        <MetricSparkline runId={runId} metricKey={metric.key} />
      ),
    },
  ];
  return (
    <DataTable
      label="metrics"
      columns={columns}
      rows={[...metrics].sort((a, b) => a.key.localeCompare(b.key))}
      rowKey={metric => metric.key}
      empty="This run logged no metrics."
      emptyAs="text"
    />
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
        <LabeledSwitch
          label={`System tags (${systemCount})`}
          checked={showSystem}
          onChange={setShowSystem}
          size="small"
        />
      }
    >
      <KeyValueTable label="tags" rows={shown} emptyText="No tags." />
    </InfoCard>
  );
}

const inputColumns: DataColumn<DatasetInput>[] = [
  { title: 'Dataset', render: ({ dataset }) => dataset.name },
  { title: 'Digest', render: ({ dataset }) => <code>{dataset.digest}</code> },
  {
    title: 'Source',
    wrap: 'anywhere',
    render: ({ dataset }) => `${dataset.sourceType}: ${dataset.source}`,
  },
  {
    title: 'Context',
    render: ({ tags }) =>
      tags.find(tag => tag.key === 'mlflow.data.context')?.value ?? MISSING,
  },
];

function InputsTable(props: { inputs: DatasetInput[] }) {
  return (
    <DataTable
      label="dataset inputs"
      columns={inputColumns}
      rows={props.inputs}
      rowKey={({ dataset }) => `${dataset.name}@${dataset.digest}`}
      empty="This run logged no dataset inputs."
      emptyAs="text"
    />
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
      <PageTrail
        crumbs={[
          { label: 'Experiments', to: '../..' },
          { label: experiment.name, to: '..' },
          { label: runName },
        ]}
      />
      <Grid container spacing={3}>
        <GridCard
          md={6}
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
        </GridCard>
        <GridCard md={6} title="Parameters">
          <KeyValueTable
            label="parameters"
            rows={data.params}
            emptyText="This run logged no parameters."
          />
        </GridCard>
        <GridCard md={6} title="Metrics">
          <MetricsTable runId={info.runId} metrics={data.metrics} />
        </GridCard>
        <Grid item xs={12} md={6}>
          <TagsCard tags={data.tags} />
        </Grid>
        <GridCard title="Inputs">
          <InputsTable inputs={inputs.datasetInputs} />
        </GridCard>
        <GridCard title="Logged models">
          <LoggedModelsTable runId={info.runId} />
        </GridCard>
        <GridCard title="Artifacts">
          <ArtifactBrowser runId={info.runId} />
        </GridCard>
      </Grid>
    </Content>
  );
}
