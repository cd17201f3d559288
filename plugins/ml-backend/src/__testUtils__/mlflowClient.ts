// The npm `mlflow` package: the MLflow REST client published for Node. It is old and
// has quirks, so it is wrapped here rather than forked: it console.logs every request
// body, one path lacks a slash (`experimentsset-experiment-tag`), and it throws errors as
// nested JSON strings.
import MLflow from 'mlflow';

/** An MLflow error as the client saw it: HTTP status and MLflow's error body. */
export type MlflowClientError = {
  status: number;
  data: { error_code: string; message: string };
};

function unwrap(error: unknown): MlflowClientError {
  // new Error(new Error(JSON.stringify({ status, statusText, data }))).message
  const text = String((error as Error).message).replace(/^Error: /, '');
  return JSON.parse(text);
}

/** Its declared types require fields MLflow treats as optional; call it loosely. */
type LooseApi = Record<string, (params: any) => Promise<any>>;

/** The real client, pointed at `<baseUrl>/api/ml/mlflow`, with its quirks smoothed over. */
export function createMlflowClient(trackingUri: string) {
  const client = new MLflow({ endpoint: trackingUri });
  const quiet = async <T>(call: () => Promise<T>): Promise<T> => {
    const log = console.log;
    console.log = () => {};
    try {
      return await call();
    } finally {
      console.log = log;
    }
  };
  return {
    experiments: client.Experiments as unknown as LooseApi,
    runs: client.Runs as unknown as LooseApi,
    metrics: client.Metrics as unknown as LooseApi,
    /** Runs a client call without its request-body logging. */
    call: quiet,
    /** The client's own method posts to a path without its slash. */
    setExperimentTag: (params: {
      experiment_id: string;
      key: string;
      value: string;
    }) =>
      quiet(() =>
        (client.Experiments as any).req('post', '/set-experiment-tag', params),
      ),
    /** Resolves to the MLflow error a failing call produced. */
    async error(call: () => Promise<unknown>): Promise<MlflowClientError> {
      try {
        await quiet(call);
      } catch (error) {
        return unwrap(error);
      }
      throw new Error('Expected the MLflow call to fail');
    },
  };
}
