import {
  DatasetInput,
  Experiment,
  MetricHistory,
  Run,
  RunStatus,
} from '@ml-portal/plugin-ml-common';

/** Test data for the tracking pages. @internal */
export const experiment: Experiment = {
  experimentId: '7',
  name: 'churn-model',
  owner: 'group:default/growth',
  artifactLocation: 's3://mlflow/7',
  lifecycleStage: 'active',
  creationTime: Date.UTC(2025, 0, 1),
  lastUpdateTime: Date.UTC(2025, 0, 2),
  tags: [],
};

const start = Date.UTC(2025, 0, 2, 10, 0, 0);

/** A run with the given metrics, params and tags. @internal */
export function makeRun(options: {
  runId: string;
  runName?: string;
  status?: RunStatus;
  metrics?: Record<string, number>;
  params?: Record<string, string>;
  tags?: Record<string, string>;
  datasetInputs?: DatasetInput[];
}): Run {
  return {
    info: {
      runId: options.runId,
      runName: options.runName ?? options.runId,
      experimentId: experiment.experimentId,
      userId: 'alice',
      status: options.status ?? 'FINISHED',
      startTime: start,
      endTime: start + 192_000,
      artifactUri: `s3://mlflow/7/${options.runId}/artifacts`,
      lifecycleStage: 'active',
    },
    data: {
      metrics: Object.entries(options.metrics ?? {}).map(([key, value]) => ({
        key,
        value,
        timestamp: start + 60_000,
        step: 10,
      })),
      params: Object.entries(options.params ?? {}).map(([key, value]) => ({
        key,
        value,
      })),
      tags: Object.entries(options.tags ?? {}).map(([key, value]) => ({
        key,
        value,
      })),
    },
    inputs: { datasetInputs: options.datasetInputs ?? [] },
  };
}

/** A metric history rising by one a step, or made of the given values. @internal */
export function makeHistory(
  runId: string,
  key: string,
  values: number[] = [1, 2, 3],
): MetricHistory {
  return {
    runId,
    key,
    points: values.map((value, step) => ({
      key,
      value,
      step,
      timestamp: start + step * 1000,
    })),
    totalPoints: values.length,
    downsampled: false,
  };
}
