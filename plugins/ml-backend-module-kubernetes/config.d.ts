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
      kubernetes?: {
        /** Namespace the training Jobs are created in, e.g. `ml-training`. */
        namespace: string;
        /** Path of a kubeconfig file to load. */
        kubeconfigPath?: string;
        /** Context of the kubeconfig to use instead of its current context. */
        context?: string;
        /**
         * Use the service account of the pod the backend runs in. Cannot be combined with
         * `kubeconfigPath` or `context`.
         */
        inCluster?: boolean;
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
  };
}
