/**
 * State of one dependency of the ml backend.
 *
 * @public
 */
export type MlDependencyHealth = {
  status: 'ok' | 'error';
  /** Round trip of the probe in milliseconds. */
  latencyMs: number;
  /** Why the probe failed; absent when it succeeded. */
  message?: string;
};

/**
 * Body of `GET /api/ml/health`. `status` is `ok` only when every dependency is.
 *
 * @public
 */
export type MlHealthResponse = {
  status: 'ok' | 'degraded';
  database: MlDependencyHealth & { client: string };
  redis: MlDependencyHealth & {
    /** Where the URL came from: configuration, a server found on the default port, or a child the backend started. */
    source: 'config' | 'default-port' | 'embedded';
  };
};
