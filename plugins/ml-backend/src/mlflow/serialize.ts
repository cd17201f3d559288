import {
  DatasetInput,
  Experiment,
  Metric,
  ModelVersion,
  RegisteredModel,
  Run,
  RunInfo,
  Tag,
} from '@ml-portal/plugin-ml-common';
import { validateDatasetInput } from '../shared/validation';
import {
  LoggedModel,
  LoggedModelMetric,
  ModelOutput,
} from '../tracking/LoggedModelStore';
import { PointColumns } from '../tracking/metricChunks';

/** MLflow's JSON for doubles: non-finite values become strings (protobuf JSON rules). */
export function mlflowNumber(value: number): number | string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return value;
}

const tags = (list: Tag[]) => list.map(({ key, value }) => ({ key, value }));

/** @internal */
export function experimentJson(e: Experiment) {
  return {
    experiment_id: e.experimentId,
    name: e.name,
    artifact_location: e.artifactLocation,
    lifecycle_stage: e.lifecycleStage,
    last_update_time: e.lastUpdateTime,
    creation_time: e.creationTime,
    tags: tags(e.tags),
  };
}

/** Points per part of {@link metricHistoryJson}: a chunk's worth, ~330 KB of text. */
const HISTORY_PART_POINTS = 4096;

/**
 * get-history's answer written from the columns in parts, one JSON.stringify of
 * {@link metricJson}'s objects per part: the text of the whole, without the whole
 * list of objects nor one string of it (a history may hold millions of points).
 *
 * @internal
 */
export function* metricHistoryJson(
  key: string,
  points: PointColumns,
  nextPageToken?: string,
): Generator<string> {
  const { steps, timestamps, values } = points;
  yield '{"metrics":[';
  for (let start = 0; start < steps.length; start += HISTORY_PART_POINTS) {
    const end = Math.min(steps.length, start + HISTORY_PART_POINTS);
    const part = new Array(end - start);
    for (let i = start; i < end; i++) {
      part[i - start] = metricJson({
        key,
        value: values[i],
        timestamp: timestamps[i],
        step: steps[i],
      });
    }
    const list = JSON.stringify(part);
    yield `${start === 0 ? '' : ','}${list.slice(1, -1)}`;
  }
  yield nextPageToken === undefined
    ? ']}'
    : `],"next_page_token":${JSON.stringify(nextPageToken)}}`;
}

/** @internal */
export function metricJson(m: Metric) {
  return {
    key: m.key,
    value: mlflowNumber(m.value),
    timestamp: m.timestamp,
    step: m.step,
  };
}

/** @internal */
export function runInfoJson(info: RunInfo) {
  return {
    run_id: info.runId,
    run_uuid: info.runId,
    run_name: info.runName,
    experiment_id: info.experimentId,
    user_id: info.userId ?? '',
    status: info.status,
    start_time: info.startTime,
    ...(info.endTime !== undefined && { end_time: info.endTime }),
    artifact_uri: info.artifactUri,
    lifecycle_stage: info.lifecycleStage,
  };
}

function datasetInputJson(input: DatasetInput) {
  const { dataset } = input;
  return {
    tags: tags(input.tags),
    dataset: {
      name: dataset.name,
      digest: dataset.digest,
      source_type: dataset.sourceType,
      source: dataset.source,
      ...(dataset.schema !== undefined && { schema: dataset.schema }),
      ...(dataset.profile !== undefined && { profile: dataset.profile }),
    },
  };
}

/** MLflow's `Metric` of a logged model: its run and dataset besides the point. @internal */
export function modelMetricJson(m: LoggedModelMetric) {
  return {
    ...metricJson(m),
    ...(m.datasetName !== undefined && { dataset_name: m.datasetName }),
    ...(m.datasetDigest !== undefined && { dataset_digest: m.datasetDigest }),
    model_id: m.modelId,
    run_id: m.runId,
  };
}

/**
 * MLflow 3's `LoggedModel` message as MLflow writes it (protobuf JSON: unset fields and
 * empty lists left out, int64 as numbers, the status by name). @internal
 */
export function loggedModelJson(model: LoggedModel) {
  return {
    info: {
      model_id: model.modelId,
      experiment_id: model.experimentId,
      name: model.name,
      creation_timestamp_ms: model.creationTimestamp,
      last_updated_timestamp_ms: model.lastUpdatedTimestamp,
      artifact_uri: model.artifactUri,
      status: model.status,
      ...(model.modelType !== undefined && { model_type: model.modelType }),
      ...(model.sourceRunId !== undefined && {
        source_run_id: model.sourceRunId,
      }),
      ...(model.statusMessage !== undefined && {
        status_message: model.statusMessage,
      }),
      ...(model.tags.length > 0 && { tags: tags(model.tags) }),
    },
    data: {
      ...(model.params.length > 0 && {
        params: model.params.map(({ key, value }) => ({ key, value })),
      }),
      ...(model.metrics.length > 0 && {
        metrics: model.metrics.map(modelMetricJson),
      }),
    },
  };
}

/**
 * MLflow's `Run`; MLflow 3's model inputs and `outputs` (the logged models the run read
 * and logged) only when it has some, so MLflow 2.x clients see the run as before.
 * @internal
 */
export function runJson(
  run: Run,
  models: { outputs: ModelOutput[]; modelInputs: string[] } = {
    outputs: [],
    modelInputs: [],
  },
) {
  const { outputs, modelInputs } = models;
  return {
    info: runInfoJson(run.info),
    data: {
      metrics: run.data.metrics.map(metricJson),
      params: run.data.params.map(({ key, value }) => ({ key, value })),
      tags: tags(run.data.tags),
    },
    inputs: {
      dataset_inputs: run.inputs.datasetInputs.map(datasetInputJson),
      ...(modelInputs.length > 0 && {
        model_inputs: modelInputs.map(modelId => ({ model_id: modelId })),
      }),
    },
    ...(outputs.length > 0 && {
      outputs: {
        model_outputs: outputs.map(o => ({
          model_id: o.modelId,
          step: o.step,
        })),
      },
    }),
  };
}

/**
 * Parses a dataset input from MLflow's request shape, checking its types and MLflow's
 * limits. @internal
 */
export function datasetInputFrom(raw: unknown): DatasetInput {
  return validateDatasetInput(raw);
}

/** MLflow's `ModelVersion` message (version numbers are strings). @internal */
export function modelVersionJson(v: ModelVersion) {
  return {
    name: v.name,
    version: v.version,
    creation_timestamp: v.creationTimestamp,
    last_updated_timestamp: v.lastUpdatedTimestamp,
    ...(v.userId !== undefined && { user_id: v.userId }),
    current_stage: v.currentStage,
    ...(v.description !== undefined && { description: v.description }),
    source: v.source,
    ...(v.runId !== undefined && { run_id: v.runId }),
    ...(v.modelId !== undefined && { model_id: v.modelId }),
    status: v.status,
    ...(v.statusMessage !== undefined && { status_message: v.statusMessage }),
    tags: tags(v.tags),
    aliases: v.aliases,
  };
}

/** MLflow's `RegisteredModel` message, with `latest_versions` and `aliases`. @internal */
export function registeredModelJson(m: RegisteredModel) {
  return {
    name: m.name,
    creation_timestamp: m.creationTimestamp,
    last_updated_timestamp: m.lastUpdatedTimestamp,
    ...(m.description !== undefined && { description: m.description }),
    latest_versions: m.latestVersions.map(modelVersionJson),
    tags: tags(m.tags),
    aliases: m.aliases.map(({ alias, version }) => ({ alias, version })),
  };
}
