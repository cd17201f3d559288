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
    /** Serving targets that run endpoints outside the backend. */
    serving?: {
      targets?: {
        /**
         * The `vertex` serving target (`mlModuleVertexServingTarget` of
         * `@ml-portal/plugin-ml-backend-module-vertex`): endpoints with `target: vertex`
         * become Vertex AI endpoints, each deployment an uploaded model deployed to it.
         * When absent, the target is not registered. Credentials come from Application
         * Default Credentials, as for the compute target; the identity needs
         * `roles/aiplatform.user` (and `iam.serviceAccounts.actAs` on `serviceAccount`).
         */
        vertex?: {
          /** Google Cloud project id of the endpoints, e.g. `ml-serving-prod`. */
          project: string;
          /** Vertex AI location (region) of the endpoints, e.g. `europe-west4`. */
          location: string;
          /**
           * Model server image per MLmodel flavor (`python_function`, `sklearn`, ...), for
           * models whose endpoint names no image. It must serve the MLflow model Vertex
           * copies from `artifactUri` into `AIP_STORAGE_URI`.
           */
          images?: { [flavor: string]: string };
          /** Machine type of endpoints that name no instance type, e.g. `n1-standard-4`. */
          machineType?: string;
          /** Accelerator of endpoints with GPUs, e.g. `NVIDIA_L4`. Required for GPUs. */
          acceleratorType?: string;
          /** The model server's prediction route. Defaults to `/invocations`. */
          predictRoute?: string;
          /** The model server's health route. Defaults to `/ping`. */
          healthRoute?: string;
          /** The port the model server listens on. Defaults to 8080. */
          port?: number;
          /** Service account email the model servers run as. */
          serviceAccount?: string;
          /**
           * How long `apply` waits for an endpoint to be created or a model uploaded, and
           * `remove` for each undeploy, in seconds. Defaults to 3600.
           */
          operationTimeoutSeconds?: number;
          /** Vertex AI API endpoint, as for the compute target. */
          apiEndpoint?: string;
        };
      };
    };
  };
}
