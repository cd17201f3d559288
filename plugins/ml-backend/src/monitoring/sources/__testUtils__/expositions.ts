import { once } from 'node:events';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * What a KServe Python model server (kserve 0.13, sklearnserver) answers on
 * `:8080/metrics`: the process and GC metrics of prometheus_client, then the
 * request_*_seconds histograms per model, with prometheus_client's default buckets.
 * `predict` holds the cumulative count per bucket bound (seconds).
 */
export function kserveExposition(options: {
  model: string;
  predict: Record<string, number>;
  sumSeconds: number;
}): string {
  const { model, predict, sumSeconds } = options;
  const bounds = [
    '0.005',
    '0.01',
    '0.025',
    '0.05',
    '0.075',
    '0.1',
    '0.25',
    '0.5',
    '0.75',
    '1.0',
    '2.5',
    '5.0',
    '7.5',
    '10.0',
    '+Inf',
  ];
  let cumulative = 0;
  const buckets = bounds.map(le => {
    cumulative = predict[le] ?? cumulative;
    return `request_predict_seconds_bucket{le="${le}",model_name="${model}"} ${cumulative.toFixed(
      1,
    )}`;
  });
  const total = cumulative;
  return `# HELP python_gc_objects_collected_total Objects collected during gc
# TYPE python_gc_objects_collected_total counter
python_gc_objects_collected_total{generation="0"} 1532.0
python_gc_objects_collected_total{generation="1"} 371.0
python_gc_objects_collected_total{generation="2"} 12.0
# HELP python_info Python platform information
# TYPE python_info gauge
python_info{implementation="CPython",major="3",minor="11",patchlevel="9",version="3.11.9"} 1.0
# HELP process_resident_memory_bytes Resident memory size in bytes.
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 2.31837696e+08
# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.
# TYPE process_start_time_seconds gauge
process_start_time_seconds 1.73330711258e+09
# HELP request_preprocess_seconds pre-process request latency
# TYPE request_preprocess_seconds histogram
request_preprocess_seconds_bucket{le="0.005",model_name="${model}"} ${total.toFixed(
    1,
  )}
request_preprocess_seconds_bucket{le="+Inf",model_name="${model}"} ${total.toFixed(
    1,
  )}
request_preprocess_seconds_count{model_name="${model}"} ${total.toFixed(1)}
request_preprocess_seconds_sum{model_name="${model}"} 0.0021
# HELP request_preprocess_seconds_created pre-process request latency
# TYPE request_preprocess_seconds_created gauge
request_preprocess_seconds_created{model_name="${model}"} 1.733307119e+09
# HELP request_predict_seconds predict request latency
# TYPE request_predict_seconds histogram
${buckets.join('\n')}
request_predict_seconds_count{model_name="${model}"} ${total.toFixed(1)}
request_predict_seconds_sum{model_name="${model}"} ${sumSeconds}
# HELP request_predict_seconds_created predict request latency
# TYPE request_predict_seconds_created gauge
request_predict_seconds_created{model_name="${model}"} 1.733307119e+09
# HELP request_postprocess_seconds post-process request latency
# TYPE request_postprocess_seconds histogram
request_postprocess_seconds_bucket{le="0.005",model_name="${model}"} ${total.toFixed(
    1,
  )}
request_postprocess_seconds_bucket{le="+Inf",model_name="${model}"} ${total.toFixed(
    1,
  )}
request_postprocess_seconds_count{model_name="${model}"} ${total.toFixed(1)}
request_postprocess_seconds_sum{model_name="${model}"} 0.0009
`;
}

/**
 * What Triton 24.05 answers on `:8002/metrics` for one model on one GPU: request
 * counters per model and version (failures by reason), cumulative durations in
 * microseconds, and GPU gauges the scraper ignores.
 */
export function tritonExposition(options: {
  model: string;
  success: number;
  failure: number;
  durationUs: number;
  /** Each GPU's utilisation, 0-1. */
  gpuUtilization?: number[];
}): string {
  const { model, success, failure, durationUs } = options;
  const gpus = (options.gpuUtilization ?? [0.41])
    .map((u, i) => `nv_gpu_utilization{gpu_uuid="GPU-${i}"} ${u}`)
    .join('\n');
  const labels = `model="${model}",version="1"`;
  return `# HELP nv_inference_request_success Number of successful inference requests, all batch sizes
# TYPE nv_inference_request_success counter
nv_inference_request_success{${labels}} ${success}
# HELP nv_inference_request_failure Number of failed inference requests, all batch sizes
# TYPE nv_inference_request_failure counter
nv_inference_request_failure{${labels},reason="REJECTED"} 0
nv_inference_request_failure{${labels},reason="CANCELED"} 0
nv_inference_request_failure{${labels},reason="BACKEND"} ${failure}
nv_inference_request_failure{${labels},reason="OTHER"} 0
# HELP nv_inference_count Number of inferences performed (does not include cached requests)
# TYPE nv_inference_count counter
nv_inference_count{${labels}} ${success * 4}
# HELP nv_inference_exec_count Number of model executions performed (does not include cached requests)
# TYPE nv_inference_exec_count counter
nv_inference_exec_count{${labels}} ${success}
# HELP nv_inference_request_duration_us Cumulative inference request duration in microseconds (includes cached requests)
# TYPE nv_inference_request_duration_us counter
nv_inference_request_duration_us{${labels}} ${durationUs}
# HELP nv_inference_queue_duration_us Cumulative inference queuing duration in microseconds (includes cached requests)
# TYPE nv_inference_queue_duration_us counter
nv_inference_queue_duration_us{${labels}} ${Math.round(durationUs / 10)}
# HELP nv_inference_pending_request_count Instantaneous number of pending requests awaiting execution per-model.
# TYPE nv_inference_pending_request_count gauge
nv_inference_pending_request_count{${labels}} 0
# HELP nv_gpu_utilization GPU utilization rate [0.0 - 1.0)
# TYPE nv_gpu_utilization gauge
${gpus}
# HELP nv_gpu_memory_used_bytes GPU used memory (bytes)
# TYPE nv_gpu_memory_used_bytes gauge
nv_gpu_memory_used_bytes{gpu_uuid="GPU-8f6c2b1e-0b7e-4b45-9d2b-3f4a2c1d9e77"} 2147483648
`;
}

/** A local HTTP server answering each path with the text `pages` holds for it now. */
export async function startMetricsServer(): Promise<{
  pages: Map<string, string>;
  url: (path: string) => string;
  close: () => Promise<void>;
  server: Server;
}> {
  const pages = new Map<string, string>();
  const server = createServer((req, res) => {
    const page = pages.get(req.url ?? '');
    if (page === undefined) {
      res.writeHead(404).end();
      return;
    }
    res
      .writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
      .end(page);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    pages,
    server,
    url: path => `http://127.0.0.1:${port}${path}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise(resolve => server.close(resolve));
    },
  };
}
