import { createExtensionPoint } from '@backstage/backend-plugin-api';
import { ExternalJobStatus } from './computeTargets';

/**
 * A registered model version as a serving target sees it.
 *
 * @public
 */
export type ServingModel = {
  /** Registered model name. */
  name: string;
  /** Model version number, as a string (`"3"`). */
  version: string;
  /**
   * Where the version's model directory (an MLflow model: an `MLmodel` file and its
   * weights) lives: `s3://…`, `gs://…`, `azureml://…`, `file://…` or `mlflow-artifacts:/…`.
   */
  artifactUri: string;
  /**
   * A directory on the backend's host holding the model's files, filled in by the
   * platform for targets that declare `needsLocalFiles`.
   */
  localPath?: string;
  /** The MLmodel flavor to serve, e.g. `python_function` or `portal_logistic`. */
  flavor?: string;
  /** Container image of the model server, where the endpoint names one. */
  image?: string;
};

/**
 * One model version deployed on an endpoint, with its share of the traffic.
 *
 * @public
 */
export type ServingDeployment = {
  /**
   * Platform-facing name of the deployment: derived from the endpoint and the version,
   * so an applied spec that is replayed finds the deployment it created before.
   */
  name: string;
  model: ServingModel;
  /** Percent of the endpoint's traffic, 0-100. The weights of an endpoint add to 100. */
  weight: number;
};

/**
 * Everything a serving target needs to make an endpoint serve: the desired state, never
 * a diff. It carries no secrets.
 *
 * @public
 */
export type EndpointSpec = {
  /** Unique in the portal; a DNS label (`[a-z0-9-]`, at most 63 characters). */
  name: string;
  kind: 'real-time' | 'serverless';
  /** Owner group entity ref, for labels and tags on the platform. */
  owner: string;
  region?: string;
  /** Instance or machine type (`ml.m5.large`, `n1-standard-4`), or the pool's. */
  instanceType?: string;
  /** GPUs per replica; 0 for CPU serving. */
  gpus: number;
  /** Node selector labels and taints of the pool the endpoint runs in (Kubernetes). */
  pool?: {
    name: string;
    labels: Record<string, string>;
    taints: Array<{
      key: string;
      value?: string;
      effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
    }>;
  };
  scaling: {
    /** 0 only for serverless: the endpoint scales to zero when idle. */
    minReplicas: number;
    maxReplicas: number;
    /** Concurrent requests per replica the autoscaler aims for. */
    targetConcurrency: number;
    /** Serverless: seconds without requests before the endpoint scales to zero. */
    scaleToZeroAfterSeconds?: number;
  };
  /** The stable deployment first, then the canary, when one runs. */
  deployments: ServingDeployment[];
};

/**
 * What a serving target reports about an endpoint.
 *
 * @public
 */
export type EndpointStatus = {
  state: 'updating' | 'ready' | 'failed' | 'not-found';
  /** Human-readable cause, shown on the endpoint's event timeline. */
  reason?: string;
  /** Where clients send scoring requests, where the platform exposes a URL. */
  url?: string;
  deployments: Array<{
    name: string;
    state: 'starting' | 'ready' | 'failed' | 'scaled-to-zero';
    reason?: string;
    replicas?: number;
    /** The model server's last log lines, where the target can read them (failures). */
    logTail?: string;
  }>;
};

/**
 * A batch scoring job on a platform with its own batch service (SageMaker transform jobs).
 *
 * @public
 */
export type BatchScoringRequest = {
  /** Derived from the job, so a replayed start finds the job it started before. */
  externalName: string;
  model: ServingModel;
  /** Dataset URIs: the input the model scores and where the predictions go. */
  inputUri: string;
  outputUri: string;
  contentType?: string;
  instanceType?: string;
  instanceCount?: number;
};

/**
 * Picks samples of one metric in a Prometheus exposition: by sample name (`_bucket`,
 * `_count`, `_total` suffixes included) and, optionally, label values that must match.
 *
 * @public
 */
export type PrometheusSampleMatcher = {
  name: string;
  labels?: Record<string, string>;
};

/**
 * How one kind of model server names its request metrics in its Prometheus exposition.
 * All counters are cumulative; the scraper keeps the previous values and writes deltas.
 *
 * @public
 */
export type PrometheusConvention = {
  /** For logs, e.g. `kserve`, `triton`, `torchserve`. */
  name: string;
  /** Counters whose sum is the number of requests; the convention applies when one is exposed. */
  requests: PrometheusSampleMatcher[];
  /** Counters of requests that failed on the server's side (5xx). */
  errors?: PrometheusSampleMatcher[];
  /** Counters of requests refused as bad input (4xx). */
  clientErrors?: PrometheusSampleMatcher[];
  /**
   * A latency histogram's `_bucket` samples (with their `le` label), and the unit of its
   * bounds in microseconds (1e6 for seconds, 1000 for milliseconds).
   */
  latencyBuckets?: PrometheusSampleMatcher & { unitMicros: number };
  /**
   * Where no histogram is exposed: a cumulative latency total and the count it is over
   * (Triton's `nv_inference_request_duration_us`); only the mean is known.
   */
  latencyTotal?: {
    sum: PrometheusSampleMatcher;
    count: PrometheusSampleMatcher;
    unitMicros: number;
  };
  /**
   * A gauge of GPU utilisation (Triton's `nv_gpu_utilization`, 0–1), averaged over the
   * replica's GPUs and scaled by `percentPerUnit` to percent (100 for a 0–1 ratio, 1 for a
   * gauge in percent).
   */
  gpuUtilization?: PrometheusSampleMatcher & { percentPerUnit: number };
};

/**
 * Where the numbers of one deployment's model server can be read, as a serving target
 * answers {@link ServingTarget.metricsSource}.
 *
 * - `prometheus`: the platform scrapes each URL (one per replica: a URL behind a load
 *   balancer would mix replicas' counters) for the Prometheus text exposition and reads
 *   the first of `conventions` (the platform's KServe/Knative, Triton and TorchServe
 *   defaults when absent) whose request counter is exposed.
 * - `minutes`: the target reads per-minute numbers from its platform's monitoring itself
 *   (SageMaker's CloudWatch metrics), with its own clients and credentials.
 *
 * @public
 */
export type ServingMetricsSource =
  | {
      kind: 'prometheus';
      urls: string[];
      conventions?: PrometheusConvention[];
    }
  | {
      kind: 'minutes';
      /** For logs, e.g. `CloudWatch AWS/SageMaker my-endpoint/variant-1`. */
      description: string;
      /**
       * The numbers of each minute in `[fromMinute, toMinute)` (epoch minutes) the
       * platform has; minutes without traffic may be missing. Called again for the same
       * minutes, it answers what the platform knows then: the platform replaces them.
       */
      read(range: {
        fromMinute: number;
        toMinute: number;
      }): Promise<ServingMetricsMinute[]>;
    };

/**
 * One minute of one deployment as a platform's monitoring reports it.
 *
 * @public
 */
export type ServingMetricsMinute = {
  /** Epoch minute (ms / 60000, floored). */
  minute: number;
  requests: number;
  /** Server-side failures (5xx). */
  errors: number;
  /** Requests refused as bad input (4xx). */
  clientErrors: number;
  /**
   * Latency percentiles of the minute in milliseconds, where the platform reports
   * percentiles rather than a histogram.
   */
  latencyPercentilesMs?: { p50?: number; p95?: number; p99?: number };
  /** Mean GPU utilisation of the minute in percent, where the platform reports it. */
  gpuUtilizationPercent?: number;
};

/**
 * One scoring request a platform captured, with its response where it captured that too.
 *
 * @public
 */
export type CapturedRequest = {
  /**
   * The request body as the model server takes it: an MLflow scoring payload
   * (`dataframe_split`, `dataframe_records`, `instances` or `inputs`); CSV rows come as
   * `dataframe_split` (with a header) or `instances` (without).
   */
  request: unknown;
  /** The response body (`{"predictions": [...]}` or a bare array), when captured. */
  response?: unknown;
  /** When the platform served it, epoch ms. */
  at: number;
};

/**
 * Where the requests a platform captured for one deployment can be read, as a serving
 * target answers {@link ServingTarget.captureSource}: SageMaker's data capture files in
 * S3, for instance. Reads are incremental: each returns a cursor, opaque to the caller,
 * that the next read starts after.
 *
 * @public
 */
export type ServingCaptureSource = {
  /** For logs, e.g. `s3://bucket/capture/my-endpoint/variant-1`. */
  description: string;
  /**
   * The captured requests after `cursor` (without one: those captured since `since`,
   * epoch ms), oldest first, reading at most `maxFiles` of the platform's files and
   * `maxBytes` of capture data. `cursor` in the answer is where the next read starts,
   * at most 1024 characters. `skipped` counts records or files that could not be read (a
   * content type that is neither JSON nor CSV, a file over `maxBytes`); they are not
   * read again.
   */
  read(options: {
    cursor?: string;
    since: number;
    maxFiles: number;
    maxBytes: number;
  }): Promise<{
    records: CapturedRequest[];
    cursor: string;
    skipped: number;
  }>;
};

/**
 * A place where model versions serve. Implementations make `apply` idempotent and
 * declarative: the spec is the whole desired state of the endpoint (its deployments and
 * their traffic weights), creating what is missing, updating what differs and removing
 * deployments the spec no longer lists. `apply` may return before the endpoint is ready;
 * `status` reports progress.
 *
 * Optional capabilities, checked by their presence:
 * - `route`: the portal's serving router sends requests to the deployment itself (the
 *   router splits the traffic); the target answers where a deployment listens, starting
 *   a serverless deployment that scaled to zero.
 * - `startBatch`/`batchStatus`: batch scoring on the platform's own service.
 * - `metricsSource`: where the deployment's request counts and latencies can be read,
 *   for endpoints the portal's router does not meter itself.
 * - `captureSource`: where the requests and responses the platform captured for a
 *   deployment can be read, the live data of drift for endpoints the router does not see.
 *
 * @public
 */
export interface ServingTarget {
  /** Referenced by endpoints' `target`. */
  readonly id: string;
  /** True when the platform must put the model's files in `model.localPath` before `apply`. */
  readonly needsLocalFiles?: boolean;
  apply(spec: EndpointSpec): Promise<void>;
  status(endpointName: string): Promise<EndpointStatus>;
  /** Removes the endpoint and its deployments; succeeds when they do not exist. */
  remove(endpointName: string): Promise<void>;
  route?(
    endpointName: string,
    deploymentName: string,
  ): Promise<{ url: string; coldStartMs?: number }>;
  startBatch?(request: BatchScoringRequest): Promise<{ externalId: string }>;
  batchStatus?(externalName: string): Promise<ExternalJobStatus>;
  /**
   * Where the numbers of a deployment's model server are read; `undefined` when there are
   * none to read (not running, or the target does not know). Called once per scrape, so
   * it may list the replicas running now.
   */
  metricsSource?(
    endpointName: string,
    deploymentName: string,
  ): Promise<ServingMetricsSource | undefined>;
  /**
   * Where the requests the platform captured for a deployment are read; `undefined` when
   * it captures none (capture not configured, or a kind of endpoint that cannot capture).
   */
  captureSource?(
    endpointName: string,
    deploymentName: string,
  ): Promise<ServingCaptureSource | undefined>;
}

/**
 * Lets modules add serving targets to the ml backend plugin.
 *
 * @public
 */
export interface MlServingTargetsExtensionPoint {
  addServingTarget(...targets: ServingTarget[]): void;
}

/**
 * Extension point for serving-target modules, e.g.
 * `mlServingTargetsExtensionPoint.addServingTarget(kserveTarget)`.
 *
 * @public
 */
export const mlServingTargetsExtensionPoint =
  createExtensionPoint<MlServingTargetsExtensionPoint>({
    id: 'ml.serving-targets',
  });
