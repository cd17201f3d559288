import { PrometheusConvention } from '@ml-portal/plugin-ml-node';

/**
 * What the common model servers expose, in the order they are tried: the first whose
 * request counter appears in a scrape is read, so a KServe pod whose aggregated port
 * serves both Knative's queue-proxy and the model server's metrics counts once.
 *
 * - Knative queue-proxy (KServe Serverless, `serving.kserve.io/enable-metric-aggregation`):
 *   every request with its response code class, latency in milliseconds.
 * - KServe model servers (`kserve.ModelServer`, >= 0.10): `request_predict_seconds`, a
 *   histogram per model; they count no errors.
 * - Triton: `nv_inference_request_success` / `_failure` and a cumulative duration in
 *   microseconds: only a mean latency.
 * - TorchServe: `ts_inference_requests_total`, `Requests4XX`/`Requests5XX` and a cumulative
 *   latency in microseconds.
 *
 * @internal
 */
export const DEFAULT_CONVENTIONS: PrometheusConvention[] = [
  {
    name: 'knative',
    requests: [{ name: 'revision_app_request_count' }],
    errors: [
      {
        name: 'revision_app_request_count',
        labels: { response_code_class: '5xx' },
      },
    ],
    clientErrors: [
      {
        name: 'revision_app_request_count',
        labels: { response_code_class: '4xx' },
      },
    ],
    latencyBuckets: {
      name: 'revision_app_request_latencies_bucket',
      unitMicros: 1000,
    },
  },
  {
    name: 'kserve',
    requests: [{ name: 'request_predict_seconds_count' }],
    latencyBuckets: { name: 'request_predict_seconds_bucket', unitMicros: 1e6 },
  },
  {
    name: 'triton',
    requests: [
      { name: 'nv_inference_request_success' },
      { name: 'nv_inference_request_failure' },
    ],
    errors: [{ name: 'nv_inference_request_failure' }],
    latencyTotal: {
      sum: { name: 'nv_inference_request_duration_us' },
      count: { name: 'nv_inference_request_success' },
      unitMicros: 1,
    },
    gpuUtilization: { name: 'nv_gpu_utilization', percentPerUnit: 100 },
  },
  {
    name: 'torchserve',
    requests: [{ name: 'ts_inference_requests_total' }],
    errors: [{ name: 'Requests5XX' }],
    clientErrors: [{ name: 'Requests4XX' }],
    latencyTotal: {
      sum: { name: 'ts_inference_latency_microseconds' },
      count: { name: 'ts_inference_requests_total' },
      unitMicros: 1,
    },
  },
];
