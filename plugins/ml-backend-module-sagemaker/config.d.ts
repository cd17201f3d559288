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
  };
}
