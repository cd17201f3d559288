export interface Config {
  ml?: {
    /** Compute targets that run training attempts outside the backend. */
    targets?: {
      /**
       * The `sagemaker` compute target (`@ml-portal/plugin-ml-backend-module-sagemaker`):
       * pools with `target: sagemaker` run as SageMaker training jobs. When absent, the
       * target is not registered. Credentials are never configured here: the AWS SDK's
       * default chain finds them (environment, shared profile, web identity, container or
       * instance role).
       */
      sagemaker?: {
        /** AWS region of the training jobs, e.g. `us-east-1`. */
        region: string;
        /**
         * IAM role SageMaker assumes to run the jobs (`RoleArn`), e.g.
         * `arn:aws:iam::123456789012:role/ml-training`. It needs read access to the
         * training images, the checkpoint and output locations, and to the Secrets Manager
         * secrets jobs reference.
         */
        roleArn: string;
        /** Where SageMaker writes model artifacts (`OutputDataConfig.S3OutputPath`), `s3://bucket/prefix`. */
        outputS3Uri: string;
        /**
         * Checkpoint location of spot jobs that bring none: `<prefix>/<training job name>`.
         * Defaults to `<outputS3Uri>/checkpoints`.
         */
        checkpointS3Prefix?: string;
        /** Size of the ML storage volume per instance (`VolumeSizeInGB`). Defaults to 50. */
        volumeSizeGb?: number;
        /**
         * Managed spot training's `MaxWaitTimeInSeconds` as a multiple (at least 1) of the
         * job's maximum runtime: how long SageMaker may wait for spot capacity, runtime
         * included. Defaults to 2.
         */
        spotMaxWaitFactor?: number;
        /** SageMaker API endpoint, for VPC interface endpoints and tests. Defaults to the region's. */
        endpoint?: string;
        /**
         * CloudWatch Logs API endpoint, where the target reads the training jobs' logs
         * (log group `/aws/sagemaker/TrainingJobs`), for VPC interface endpoints and tests.
         * Defaults to the region's. The backend's AWS identity needs `logs:DescribeLogStreams`
         * and `logs:GetLogEvents` on that log group.
         */
        logsEndpoint?: string;
      };
    };
    serving?: {
      /** Serving targets that run endpoints and batch scoring outside the backend. */
      targets?: {
        /**
         * The `sagemaker` serving target (`mlModuleSageMakerServingTarget` of
         * `@ml-portal/plugin-ml-backend-module-sagemaker`): endpoints with `target:
         * sagemaker` become SageMaker real-time or serverless endpoints, batch scoring
         * becomes SageMaker batch transform jobs. When absent, the target is not
         * registered. Credentials are never configured here: the AWS SDK's default chain
         * finds them.
         */
        sagemaker?: {
          /** AWS region of the endpoints, e.g. `us-east-1`. */
          region: string;
          /**
           * IAM role SageMaker assumes to run the models (`ExecutionRoleArn`), e.g.
           * `arn:aws:iam::123456789012:role/ml-serving`. It needs to pull the images and
           * read the model artifacts and batch input, and write batch output.
           */
          executionRoleArn: string;
          /**
           * Model server image (an ECR URI) per MLmodel flavor, e.g.
           * `python_function: 123456789012.dkr.ecr.us-east-1.amazonaws.com/mlflow-pyfunc:2.17`,
           * for models whose endpoint names no image. A model without a flavor is
           * `python_function`.
           */
          images?: { [flavor: string]: string };
          serverless?: {
            /** `MemorySizeInMB` of serverless variants: 1024 to 6144 in steps of 1024. Defaults to 2048. */
            memorySizeMb?: number;
            /**
             * The most `MaxConcurrency` a serverless variant gets (1-200); below it, an
             * endpoint's `maxReplicas` × `targetConcurrency`. Defaults to 20.
             */
            maxConcurrency?: number;
          };
          /** Instance type of batch transform jobs that ask for none. Defaults to `ml.m5.large`. */
          batchInstanceType?: string;
          /** SageMaker API endpoint, for VPC interface endpoints and tests. Defaults to the region's. */
          endpoint?: string;
          /**
           * CloudWatch API endpoint, where the endpoints' metrics (`AWS/SageMaker`
           * invocations, errors, model latency) are read. Defaults to the region's.
           */
          metricsEndpoint?: string;
          /**
           * Data capture of real-time endpoints (SageMaker captures none on serverless
           * ones): SageMaker writes a share of the requests and responses to
           * `<s3Uri>/<endpoint>/<variant>/yyyy/mm/dd/hh/*.jsonl`, and the platform reads them
           * as the live data of drift. The execution role needs `s3:PutObject` there, the
           * backend's identity `s3:ListBucket` and `s3:GetObject`. Endpoints take it up at
           * their next apply.
           */
          dataCapture?: {
            /** `DestinationS3Uri`, `s3://bucket/prefix`. */
            s3Uri: string;
            /** Percent of requests captured (`InitialSamplingPercentage`), 1-100. Defaults to 20. */
            samplingPercent?: number;
            /**
             * Whether captured CSV requests start with a header row naming the features, as
             * MLflow's scoring server expects. Without one, features are named f0, f1, ….
             * Defaults to true.
             */
            csvHeader?: boolean;
            /** S3 API endpoint where the files are read (path-style), for VPC endpoints and tests. */
            s3Endpoint?: string;
          };
        };
      };
    };
  };
}
