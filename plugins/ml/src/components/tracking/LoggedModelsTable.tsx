import { useApi } from '@backstage/frontend-plugin-api';
import useAsync from 'react-use/esm/useAsync';
import { LoggedModel, mlApiRef } from '../../api/MlApi';
import { DataColumn, DataTable } from '../common/DataTable';
import { formatMetricValue, MISSING } from '../common/format';
import { Loaded } from '../common/Loaded';

const STATUS_LABELS: Record<LoggedModel['status'], string> = {
  LOGGED_MODEL_PENDING: 'Uploading',
  LOGGED_MODEL_READY: 'Ready',
  LOGGED_MODEL_UPLOAD_FAILED: 'Upload failed',
};

/**
 * A model's metrics as `key=value`, the dataset they were computed on after `@`; values
 * arrive revived (NaN and infinities as numbers), typed as the wire's strings.
 */
function metricsText(model: LoggedModel): string {
  if (model.metrics.length === 0) return MISSING;
  // The latest point per key and dataset.
  const latest = new Map<string, LoggedModel['metrics'][number]>();
  for (const metric of model.metrics) {
    const key = `${metric.key}@${metric.datasetName ?? ''}`;
    const seen = latest.get(key);
    if (!seen || metric.step >= seen.step) latest.set(key, metric);
  }
  return [...latest.values()]
    .map(
      m =>
        `${m.key}${
          m.datasetName ? `@${m.datasetName}` : ''
        }=${formatMetricValue(Number(m.value))}`,
    )
    .join(', ');
}

const columns: DataColumn<LoggedModel>[] = [
  { title: 'Name', render: model => model.name },
  { title: 'Status', render: model => STATUS_LABELS[model.status] },
  { title: 'Type', render: model => model.modelType ?? MISSING },
  { title: 'Step', align: 'right', render: model => model.step ?? MISSING },
  { title: 'Metrics', wrap: 'anywhere', render: metricsText },
  { title: 'Model id', render: model => <code>{model.modelId}</code> },
];

/**
 * The MLflow 3 logged models a run produced (`mlflow.<flavor>.log_model` in MLflow 3
 * logs a model as its own record, with its metrics), for the run and compare pages.
 *
 * @internal
 */
export function LoggedModelsTable(props: { runId: string }) {
  const mlApi = useApi(mlApiRef);
  const state = useAsync(
    () => mlApi.listRunLoggedModels(props.runId),
    [mlApi, props.runId],
  );
  return (
    <Loaded state={state} errorTitle="Could not list the run's logged models">
      {models => (
        <DataTable
          label="logged models"
          columns={columns}
          rows={models}
          rowKey={model => model.modelId}
          empty="This run logged no MLflow 3 models."
          emptyAs="text"
        />
      )}
    </Loaded>
  );
}
