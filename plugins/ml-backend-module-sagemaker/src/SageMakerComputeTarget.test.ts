import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { InputError } from '@backstage/errors';
import { DispatchRequest, GpuPool } from '@ml-portal/plugin-ml-node';
import {
  fakeSageMakerClient,
  FakeSageMakerServer,
  startFakeSageMakerServer,
} from './__testUtils__/fakeSageMakerServer';
import { SageMakerTargetSettings } from './config';
import { SageMakerComputeTarget } from './SageMakerComputeTarget';

const settings: SageMakerTargetSettings = {
  region: 'us-east-1',
  roleArn: 'arn:aws:iam::123456789012:role/ml-training',
  outputS3Uri: 's3://ml-output/jobs',
  checkpointS3Prefix: 's3://ml-output/checkpoints',
  volumeSizeGb: 50,
  spotMaxWaitFactor: 2,
};

const pool: GpuPool = {
  name: 'a10g-spot',
  target: 'sagemaker',
  region: 'us-east-1',
  gpuType: 'A10G',
  gpusPerNode: 4,
  spot: true,
  labels: {},
  taints: [],
  instanceType: 'ml.g5.12xlarge',
  compliance: [],
};

function dispatchRequest(
  overrides: Partial<DispatchRequest> = {},
): DispatchRequest {
  return {
    externalName: 'ml-attempt-7f3a9c',
    jobId: 'job-42',
    attemptId: 'attempt-7f3a9c',
    pool,
    image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/train:1.4',
    command: ['python', 'train.py', '--epochs', '10'],
    env: {
      MLFLOW_TRACKING_URI: 'http://portal:7007/api/ml/mlflow',
      MLFLOW_RUN_ID: 'run-1',
    },
    secretEnv: [
      {
        name: 'HF_TOKEN',
        secretRef:
          'arn:aws:secretsmanager:us-east-1:123456789012:secret:hf-token-AbCdEf',
      },
    ],
    resources: { gpus: 8 },
    maxRuntimeSeconds: 3600,
    ...overrides,
  };
}

describe('SageMakerComputeTarget', () => {
  let server: FakeSageMakerServer;
  let client: SageMakerClient;
  let target: SageMakerComputeTarget;

  beforeEach(async () => {
    server = await startFakeSageMakerServer();
    client = fakeSageMakerClient(server);
    target = SageMakerComputeTarget.create({ settings, client });
  });

  afterEach(async () => {
    client.destroy();
    await server.close();
  });

  it('creates a spot training job with checkpoints, env references and tags', async () => {
    const result = await target.dispatch(
      dispatchRequest({
        checkpoint: { uri: 's3://ml-ckpt/job-42', intervalSeconds: 600 },
      }),
    );

    expect(result.externalId).toBe(
      'arn:aws:sagemaker:us-east-1:123456789012:training-job/ml-attempt-7f3a9c',
    );
    expect(server.calls).toHaveLength(1);
    const { operation, body, authorization } = server.calls[0];
    expect(operation).toBe('CreateTrainingJob');
    expect(authorization).toContain('/us-east-1/sagemaker/aws4_request');
    expect(body).toEqual({
      TrainingJobName: 'ml-attempt-7f3a9c',
      RoleArn: 'arn:aws:iam::123456789012:role/ml-training',
      AlgorithmSpecification: {
        TrainingImage: '123456789012.dkr.ecr.us-east-1.amazonaws.com/train:1.4',
        TrainingInputMode: 'File',
        ContainerEntrypoint: ['python'],
        ContainerArguments: ['train.py', '--epochs', '10'],
      },
      OutputDataConfig: { S3OutputPath: 's3://ml-output/jobs' },
      ResourceConfig: {
        InstanceType: 'ml.g5.12xlarge',
        InstanceCount: 2,
        VolumeSizeInGB: 50,
      },
      StoppingCondition: {
        MaxRuntimeInSeconds: 3600,
        MaxWaitTimeInSeconds: 7200,
      },
      EnableManagedSpotTraining: true,
      CheckpointConfig: {
        S3Uri: 's3://ml-ckpt/job-42',
        LocalPath: '/opt/ml/checkpoints',
      },
      Environment: {
        MLFLOW_TRACKING_URI: 'http://portal:7007/api/ml/mlflow',
        MLFLOW_RUN_ID: 'run-1',
        CHECKPOINT_DIR: '/opt/ml/checkpoints',
        CHECKPOINT_URI: 's3://ml-ckpt/job-42',
        CHECKPOINT_INTERVAL_SECONDS: '600',
        HF_TOKEN_SECRET_ARN:
          'arn:aws:secretsmanager:us-east-1:123456789012:secret:hf-token-AbCdEf',
      },
      Tags: [
        { Key: 'ml.platform/job-id', Value: 'job-42' },
        { Key: 'ml.platform/attempt-id', Value: 'attempt-7f3a9c' },
        { Key: 'ml.platform/pool', Value: 'a10g-spot' },
      ],
    });
    expect(body.Environment).not.toHaveProperty('HF_TOKEN');
  });

  it('gives a spot job without a checkpoint one under the configured prefix', async () => {
    await target.dispatch(dispatchRequest({ maxRuntimeSeconds: undefined }));

    const { body } = server.calls[0];
    expect(body.CheckpointConfig).toEqual({
      S3Uri: 's3://ml-output/checkpoints/ml-attempt-7f3a9c',
      LocalPath: '/opt/ml/checkpoints',
    });
    expect(body.StoppingCondition).toEqual({
      MaxRuntimeInSeconds: 86400,
      MaxWaitTimeInSeconds: 172800,
    });
  });

  it('creates an on-demand job without spot settings or checkpoint', async () => {
    await target.dispatch(
      dispatchRequest({
        pool: {
          ...pool,
          spot: false,
          gpusPerNode: 1,
          instanceType: 'ml.g5.xlarge',
        },
        resources: { gpus: 1 },
        secretEnv: [],
        command: [],
      }),
    );

    const { body } = server.calls[0];
    expect(body.EnableManagedSpotTraining).toBe(false);
    expect(body.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 3600 });
    expect(body).not.toHaveProperty('CheckpointConfig');
    expect(body.ResourceConfig).toMatchObject({
      InstanceType: 'ml.g5.xlarge',
      InstanceCount: 1,
    });
    expect(body.AlgorithmSpecification).toEqual({
      TrainingImage: '123456789012.dkr.ecr.us-east-1.amazonaws.com/train:1.4',
      TrainingInputMode: 'File',
    });
  });

  it('returns the existing job when dispatch is replayed', async () => {
    const first = await target.dispatch(dispatchRequest());
    const second = await target.dispatch(dispatchRequest());

    expect(second).toEqual(first);
    expect(server.jobs.size).toBe(1);
    expect(server.calls.map(c => c.operation)).toEqual([
      'CreateTrainingJob',
      'CreateTrainingJob',
      'DescribeTrainingJob',
    ]);
  });

  it('normalises an external name that SageMaker would refuse, the same way every time', async () => {
    const externalName = 'ml_job.42/attempt_1';
    await target.dispatch(dispatchRequest({ externalName }));
    await target.dispatch(dispatchRequest({ externalName }));

    expect(server.jobs.size).toBe(1);
    const [name] = server.jobs.keys();
    expect(name).toMatch(/^ml-job-42-attempt-1-[0-9a-f]{8}$/);
    expect((await target.status(externalName)).state).toBe('pending');
  });

  it('maps the life of a job to platform states', async () => {
    await target.dispatch(dispatchRequest());
    const name = 'ml-attempt-7f3a9c';

    expect(await target.status(name)).toMatchObject({
      state: 'pending',
      reason: 'Launching requested ML instances',
      instanceType: 'ml.g5.12xlarge',
    });

    server.update(name, {
      SecondaryStatus: 'Training',
      StatusMessage: 'Training image download completed. Training in progress.',
    });
    const running = await target.status(name);
    expect(running).toMatchObject({
      state: 'running',
      reason: 'Training image download completed. Training in progress.',
    });
    expect(running.startedAt).toBeInstanceOf(Date);

    server.update(name, {
      SecondaryStatus: 'Interrupted',
      StatusMessage: 'Training job interrupted',
    });
    expect(await target.status(name)).toMatchObject({
      state: 'running',
      reason: 'spot interruption, SageMaker resumes from checkpoint',
    });

    server.update(name, { SecondaryStatus: 'Training' });
    server.update(name, {
      TrainingJobStatus: 'Completed',
      SecondaryStatus: 'Completed',
      StatusMessage: 'Training job completed',
      BillableTimeInSeconds: 1234,
    });
    const done = await target.status(name);
    expect(done).toMatchObject({
      state: 'succeeded',
      billableSeconds: 1234,
      instanceType: 'ml.g5.12xlarge',
    });
    expect(done.finishedAt).toBeInstanceOf(Date);
    expect(done.finishedAt!.getTime()).toBeGreaterThanOrEqual(
      done.startedAt!.getTime(),
    );
  });

  it('reports a failure with its FailureReason', async () => {
    await target.dispatch(dispatchRequest());
    server.update('ml-attempt-7f3a9c', {
      TrainingJobStatus: 'Failed',
      SecondaryStatus: 'Failed',
      FailureReason: 'AlgorithmError: CUDA out of memory',
      BillableTimeInSeconds: 90,
    });

    expect(await target.status('ml-attempt-7f3a9c')).toMatchObject({
      state: 'failed',
      reason: 'AlgorithmError: CUDA out of memory',
      billableSeconds: 90,
    });
  });

  it('reports a spot job out of wait time as preempted and one out of runtime as failed', async () => {
    await target.dispatch(dispatchRequest({ externalName: 'wait' }));
    await target.dispatch(dispatchRequest({ externalName: 'runtime' }));
    server.update('wait', {
      TrainingJobStatus: 'Stopped',
      SecondaryStatus: 'MaxWaitTimeExceeded',
      StatusMessage:
        'The job stopped because it exceeded the maximum allowed wait time',
    });
    server.update('runtime', {
      TrainingJobStatus: 'Stopped',
      SecondaryStatus: 'MaxRuntimeExceeded',
      StatusMessage:
        'The job stopped because it exceeded the maximum allowed runtime',
    });

    expect(await target.status('wait')).toMatchObject({
      state: 'preempted',
      reason: expect.stringMatching(/^MaxWaitTimeExceeded: /),
    });
    expect(await target.status('runtime')).toMatchObject({
      state: 'failed',
      reason: expect.stringMatching(/^MaxRuntimeExceeded: /),
    });
  });

  it('reports an unknown job as not-found', async () => {
    expect(await target.status('never-dispatched')).toEqual({
      state: 'not-found',
      reason: 'no such SageMaker training job',
    });
  });

  it('stops a job, and accepts stopping one that is gone or already stopped', async () => {
    await target.dispatch(dispatchRequest());
    await target.cancel('ml-attempt-7f3a9c');

    expect(server.jobs.get('ml-attempt-7f3a9c')!.TrainingJobStatus).toBe(
      'Stopping',
    );
    expect(await target.status('ml-attempt-7f3a9c')).toMatchObject({
      state: 'running',
    });

    server.update('ml-attempt-7f3a9c', {
      TrainingJobStatus: 'Stopped',
      SecondaryStatus: 'Stopped',
      StatusMessage: 'The job was stopped',
    });
    await expect(target.cancel('ml-attempt-7f3a9c')).resolves.toBeUndefined();
    await expect(target.cancel('never-dispatched')).resolves.toBeUndefined();
    expect(await target.status('ml-attempt-7f3a9c')).toMatchObject({
      state: 'failed',
      reason: 'The job was stopped',
    });
  });

  it('refuses env beyond SageMaker limits, naming the variable, before calling SageMaker', async () => {
    const tooLong = dispatchRequest({
      env: { MLFLOW_TRACKING_URI: 'x', DATASET_URIS: 'y'.repeat(513) },
    });
    await expect(target.dispatch(tooLong)).rejects.toThrow(
      "Environment variable 'DATASET_URIS' is 513 characters long; SageMaker allows at most 512",
    );
    await expect(target.dispatch(tooLong)).rejects.toBeInstanceOf(InputError);

    // 98 plain variables, the secret reference, CHECKPOINT_DIR and CHECKPOINT_URI.
    const tooMany = dispatchRequest({
      env: Object.fromEntries(
        Array.from({ length: 98 }, (_, i) => [`VAR_${i}`, String(i)]),
      ),
    });
    await expect(target.dispatch(tooMany)).rejects.toThrow(
      'SageMaker allows at most 100 environment variables; this job has 101',
    );

    await expect(
      target.dispatch(dispatchRequest({ env: { 'BAD-NAME': '1' } })),
    ).rejects.toThrow("Environment variable name 'BAD-NAME'");
    expect(server.calls).toHaveLength(0);
  });

  it('refuses a pool without an instance type, or in another region', async () => {
    await expect(
      target.dispatch(
        dispatchRequest({ pool: { ...pool, instanceType: undefined } }),
      ),
    ).rejects.toThrow("Pool 'a10g-spot' has no instanceType");
    await expect(
      target.dispatch(
        dispatchRequest({ pool: { ...pool, region: 'eu-west-1' } }),
      ),
    ).rejects.toThrow('is in region eu-west-1');
    expect(server.calls).toHaveLength(0);
  });

  it('passes on errors other than a taken name', async () => {
    server.failNext(
      'CreateTrainingJob',
      'ResourceLimitExceeded',
      'The account-level service limit for ml.g5.12xlarge for spot training job usage is 0 Instances',
    );

    await expect(target.dispatch(dispatchRequest())).rejects.toMatchObject({
      name: 'ResourceLimitExceeded',
      message: expect.stringContaining('service limit'),
    });
    expect(server.jobs.size).toBe(0);
  });
});
