/** How the backend reaches a cluster, the same for training and serving. */
interface KubernetesConnection {
  /** Path of a kubeconfig file to load. */
  kubeconfigPath?: string;
  /** Context of the kubeconfig to use instead of its current context. */
  context?: string;
  /**
   * Use the service account of the pod the backend runs in. Cannot be combined with
   * `kubeconfigPath` or `context`.
   */
  inCluster?: boolean;
}

export interface Config {
  ml?: {
    /** Compute targets that run training attempts outside the backend. */
    targets?: {
      /**
       * The `kubernetes` compute target (`@ml-portal/plugin-ml-backend-module-kubernetes`):
       * pools with `target: kubernetes` run as `batch/v1` Jobs. When absent, the target is
       * not registered. Cluster credentials come from a kubeconfig file
       * (`kubeconfigPath`), else the backend pod's service account (`inCluster`), else the
       * client's default chain (`KUBECONFIG`, `~/.kube/config`, in-cluster). The
       * backend's identity needs `create`, `get` and `delete` on `jobs` (batch) and
       * `list` on `pods` and `get` on `pods/log` in `namespace`.
       */
      kubernetes?: KubernetesConnection & {
        /** Namespace the training Jobs are created in, e.g. `ml-training`. */
        namespace: string;
        /** Service account the training pods run as. Defaults to the namespace's `default`. */
        serviceAccountName?: string;
        /**
         * Seconds a finished Job (and its pods and logs) is kept before Kubernetes deletes
         * it (`ttlSecondsAfterFinished`). Defaults to 3600.
         */
        ttlSecondsAfterFinished?: number;
        /** Secrets in `namespace` the kubelet uses to pull training images. */
        imagePullSecrets?: string[];
      };
    };
    /** Serving targets that make endpoints serve registered model versions. */
    serving?: {
      targets?: {
        /**
         * The `kubernetes` serving target
         * (`mlModuleKubernetesServingTarget` of `@ml-portal/plugin-ml-backend-module-kubernetes`):
         * endpoints as KServe InferenceServices, or as Deployments, a Service and HPAs
         * where KServe is not installed. When absent, the target is not registered. The
         * cluster connection is read as for `ml.targets.kubernetes`. The backend's identity
         * needs `get`, `create`, `update` and `delete` on `inferenceservices`
         * (serving.kserve.io) in KServe mode; on `deployments` (apps), `services` and
         * `horizontalpodautoscalers` (autoscaling), plus `list` on deployments and HPAs,
         * in deployment mode.
         */
        kubernetes?: KubernetesConnection & {
          /** Namespace the endpoints' resources are created in, e.g. `ml-serving`. */
          namespace: string;
          /**
           * `kserve`, `deployment`, or `auto` (the default): KServe when the cluster serves
           * `serving.kserve.io/v1beta1` InferenceServices, asked once.
           */
          mode?: 'kserve' | 'deployment' | 'auto';
          /**
           * Service account of the model server pods; KServe reads storage credentials
           * (S3, GCS) from the Secrets attached to it.
           */
          serviceAccountName?: string;
          /**
           * How each MLflow flavor is served, by flavor name. A flavor not listed is served
           * as `python_function`; without that entry, as KServe's `mlflow` format (v2).
           */
          flavors?: {
            [flavor: string]: {
              /** KServe model format, e.g. `sklearn`, `xgboost`, `mlflow` (the default). */
              modelFormat?: string;
              /** A KServe ServingRuntime to use instead of the one KServe picks. */
              runtime?: string;
              /** KServe protocol: `v1`, `v2` (the default for `mlflow`), `grpc-v1`, `grpc-v2`. */
              protocolVersion?: string;
              /** Deployment mode: the model server image (MLflow scoring protocol). */
              image?: string;
            };
          };
          /** CPU request of each model server replica. Defaults to `1`. */
          cpu?: string;
          /** Memory request and limit of each model server replica. Defaults to `2Gi`. */
          memory?: string;
          /** Deployment mode: the model server's port. Defaults to 8080. */
          port?: number;
          /**
           * Deployment mode: a per-pod custom metric of requests in flight that the HPAs
           * hold at the endpoint's `targetConcurrency`; CPU utilization when unset.
           */
          concurrencyMetric?: string;
          /** Deployment mode without `concurrencyMetric`: the HPA CPU target, percent. Defaults to 70. */
          cpuTargetUtilization?: number;
          /**
           * Where the portal reads each model server replica's Prometheus metrics, e.g.
           * `http://{podIP}:9088/metrics` (KServe's aggregated queue-proxy and model
           * server metrics); `{podIP}`, `{pod}` and `{namespace}` are filled in per pod.
           * Defaults to each pod's `prometheus.kserve.io/port`/`path` annotations, else
           * port 8080 (KServe) or `port` (deployment mode) and `/metrics`.
           */
          metricsUrl?: string;
        };
      };
    };
  };
}
