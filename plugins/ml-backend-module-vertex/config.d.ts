export interface Config {
  ml?: {
    /** Compute targets that run training attempts outside the backend. */
    targets?: {
      /**
       * The `vertex` compute target (`@ml-portal/plugin-ml-backend-module-vertex`): pools
       * with `target: vertex` run as Vertex AI custom jobs. When absent, the target is not
       * registered. Credentials are never configured here: Application Default Credentials
       * find them (`GOOGLE_APPLICATION_CREDENTIALS`, workload identity federation, the
       * attached service account through the metadata server, or `gcloud auth
       * application-default login` on a workstation). The identity needs
       * `roles/aiplatform.user` on the project and `iam.serviceAccounts.actAs` on
       * `serviceAccount`.
       */
      vertex?: {
        /** Google Cloud project id of the custom jobs, e.g. `ml-training-prod`. */
        project: string;
        /** Vertex AI location (region) of the custom jobs, e.g. `europe-west4`. */
        location: string;
        /**
         * Cloud Storage location of the jobs' output, `gs://bucket/prefix`. Each job
         * writes below `<baseOutputDirectory>/<attempt>` (Vertex sets `AIP_MODEL_DIR`,
         * `AIP_CHECKPOINT_DIR` and `AIP_TENSORBOARD_LOG_DIR` there); spot jobs that bring
         * no checkpoint location checkpoint to `<baseOutputDirectory>/<attempt>/checkpoints`.
         */
        baseOutputDirectory: string;
        /**
         * Service account email the jobs run as, e.g.
         * `ml-training@ml-training-prod.iam.gserviceaccount.com`. It needs access to the
         * images, the output and checkpoint buckets, and `roles/secretmanager.secretAccessor`
         * on the secrets jobs reference. Defaults to the Vertex AI Custom Code Service Agent.
         */
        serviceAccount?: string;
        /**
         * VPC network the jobs are peered with, `projects/<project number>/global/networks/<name>`.
         * Requires VPC Network Peering for Vertex AI. Not peered when absent.
         */
        network?: string;
        /**
         * Vertex AI API endpoint: `host`, `host:port` or `https://host[:port]`, for Private
         * Service Connect endpoints; `http://host:port` only for local fakes and tests.
         * Defaults to the regional endpoint, `<location>-aiplatform.googleapis.com`.
         */
        apiEndpoint?: string;
      };
    };
  };
}
