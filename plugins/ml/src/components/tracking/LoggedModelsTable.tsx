import { useApi } from '@backstage/frontend-plugin-api';
import useAsync from 'react-use/esm/useAsync';
import { LoggedModel, mlApiRef } from '../../api/MlApi';
import { DataColumn, DataTable } from '../common/DataTable';
import { formatMetricValue, MISSING } from '../common/format';
import { Loaded } from '../common/Loaded';
import { formatMoney } from '../cost/money';

const STATUS_LABELS: Record<LoggedModel['status'], string> = {
  LOGGED_MODEL_PENDING: 'Uploading',
  LOGGED_MODEL_READY: 'Ready',
  LOGGED_MODEL_UPLOAD_FAILED: 'Upload failed',
};

/**
 * A model's metrics as `key=value`, the dataset they were computed on after `@`: the
 * latest of each (the portal keeps one per key, dataset and run). Values arrive revived
 * (NaN and infinities as numbers), typed as the wire's strings.
 */
function metricsText(model: LoggedModel): string {
  if (model.metrics.length === 0) return MISSING;
  return model.metrics
    .map(
      m =>
        `${m.key}${
          m.datasetName ? `@${m.datasetName}` : ''
        }=${formatMetricValue(Number(m.value))}`,
    )
    .join(', ');
}

/** What making the model cost in GPU time; a dash where the caller may not read it. */
function TrainingCost(props: { modelId: string }) {
  const mlApi = useApi(mlApiRef);
  const state = useAsync(
    () => mlApi.getLoggedModelCost(props.modelId),
    [mlApi, props.modelId],
  );
  if (state.loading) return <>…</>;
  if (state.error || !state.value) return <>{MISSING}</>;
  return <>{formatMoney(state.value.trainingMicros)}</>;
}

const columns: DataColumn<LoggedModel>[] = [
  { title: 'Name', render: model => model.name },
  { title: 'Status', render: model => STATUS_LABELS[model.status] },
  { title: 'Type', render: model => model.modelType ?? MISSING },
  { title: 'Step', align: 'right', render: model => model.step ?? MISSING },
  { title: 'Metrics', wrap: 'anywhere', render: metricsText },
  {
    title: 'GPU cost',
    align: 'right',
    render: model => <TrainingCost modelId={model.modelId} />,
  },
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
