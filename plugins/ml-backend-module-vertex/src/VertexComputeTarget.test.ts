import { protos } from '@google-cloud/aiplatform';
import { Socket } from 'node:net';
import { ConfigReader } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { DispatchRequest } from '@ml-portal/plugin-ml-node';
import { sampleDispatchRequest } from '@ml-portal/plugin-ml-node/testUtils';
import {
  FAKE_ADC_CLIENT_EMAIL,
  FakeVertexServer,
  useFakeVertexServer,
} from './__testUtils__/fakeVertexServer';
import { readVertexTargetSettings, VertexTargetSettings } from './config';
import { VertexComputeTarget } from './VertexComputeTarget';

const { AcceleratorType } = protos.google.cloud.aiplatform.v1;
const { Strategy } = protos.google.cloud.aiplatform.v1.Scheduling;

const HF_TOKEN_REF = 'projects/ml-training-prod/secrets/hf-token/versions/3';

const base = sampleDispatchRequest(
  {
    name: 'a100-spot',
    target: 'vertex',
    region: 'europe-west4',
    gpuType: 'A100',
    gpusPerNode: 8,
    spot: true,
    instanceType: 'a2-highgpu-2g',
  },
  {
    externalName: 'ml-attempt-7f3a9c',
    jobId: 'job-42',
    attemptId: 'attempt-7f3a9c',
    image: 'europe-west4-docker.pkg.dev/ml-training-prod/train/train:1.4',
    command: ['python', 'train.py', '--epochs', '10'],
    env: {
      MLFLOW_TRACKING_URI: 'http://portal:7007/api/ml/mlflow',
      MLFLOW_RUN_ID: 'run-1',
    },
    secretEnv: [{ name: 'HF_TOKEN', secretRef: HF_TOKEN_REF }],
    resources: { gpus: 2 },
    maxRuntimeSeconds: 3600,
  },
);
const { pool } = base;
const dispatchRequest = (
  overrides: Partial<DispatchRequest> = {},
): DispatchRequest => ({ ...base, ...overrides });

/** The custom job of a CreateCustomJob call, as the client sent it. */
const createdJob = (server: FakeVertexServer, index = 0) =>
  server.calls.filter(c => c.operation === 'CreateCustomJob')[index].body;

const envOf = (job: Record<string, any>): Record<string, string> =>
  Object.fromEntries(
    job.jobSpec.workerPoolSpecs[0].containerSpec.env.map(
      (e: { name: string; value: string }) => [e.name, e.value],
    ),
  );

describe('VertexComputeTarget', () => {
  const server = useFakeVertexServer();
  let settings: VertexTargetSettings;
  let target: VertexComputeTarget;

  beforeEach(() => {
    settings = readVertexTargetSettings(
      new ConfigReader({
        ml: {
          targets: {
            vertex: {
              project: 'ml-training-prod',
              location: 'europe-west4',
              baseOutputDirectory: 'gs://ml-output/jobs',
              serviceAccount:
                'ml-training@ml-training-prod.iam.gserviceaccount.com',
              network: 'projects/123456789012/global/networks/ml-vpc',
              apiEndpoint: server().endpoint,
            },
          },
        },
      }),
    )!;
    target = VertexComputeTarget.create({ settings });
  });

  afterEach(() => target.destroy());

  it('creates a spot custom job with accelerators, checkpoints, secret references and labels', async () => {
    const result = await target.dispatch(
      dispatchRequest({
        checkpoint: { uri: 'gs://ml-ckpt/job-42', intervalSeconds: 600 },
      }),
    );

    expect(result.externalId).toMatch(
      /^projects\/ml-training-prod\/locations\/europe-west4\/customJobs\/\d+$/,
    );
    const list = [
      'ListCustomJobs',
      '/v1/projects/ml-training-prod/locations/europe-west4/customJobs',
      'labels.ml_portal_attempt="ml-attempt-7f3a9c"',
    ];
    expect(server().calls.map(c => [c.operation, c.path, c.filter])).toEqual([
      list,
      [
        'CreateCustomJob',
        '/v1/projects/ml-training-prod/locations/europe-west4/customJobs',
        undefined,
      ],
      // Whether a racing dispatch of the attempt created one too.
      list,
    ]);
    expect(createdJob(server())).toEqual({
      displayName: 'ml-attempt-7f3a9c',
      labels: {
        ml_portal_attempt: 'ml-attempt-7f3a9c',
        ml_portal_job: 'job-42',
        ml_portal_pool: 'a100-spot',
      },
      webAccessUris: {},
      jobSpec: {
        workerPoolSpecs: [
          {
            replicaCount: '1',
            machineSpec: {
              machineType: 'a2-highgpu-2g',
              acceleratorType: AcceleratorType.NVIDIA_TESLA_A100,
              acceleratorCount: 2,
            },
            containerSpec: {
              imageUri:
                'europe-west4-docker.pkg.dev/ml-training-prod/train/train:1.4',
              command: ['python', 'train.py', '--epochs', '10'],
              env: [
                {
                  name: 'MLFLOW_TRACKING_URI',
                  value: 'http://portal:7007/api/ml/mlflow',
                },
                { name: 'MLFLOW_RUN_ID', value: 'run-1' },
                { name: 'CHECKPOINT_URI', value: 'gs://ml-ckpt/job-42' },
                { name: 'CHECKPOINT_DIR', value: '/gcs/ml-ckpt/job-42' },
                { name: 'CHECKPOINT_INTERVAL_SECONDS', value: '600' },
                {
                  name: 'ML_SECRET_REFS',
                  value: JSON.stringify({ HF_TOKEN: HF_TOKEN_REF }),
                },
              ],
            },
          },
        ],
        scheduling: {
          strategy: Strategy.SPOT,
          restartJobOnWorkerRestart: true,
          timeout: '3600s',
        },
        baseOutputDirectory: {
          outputUriPrefix: 'gs://ml-output/jobs/ml-attempt-7f3a9c',
        },
        serviceAccount: 'ml-training@ml-training-prod.iam.gserviceaccount.com',
        network: 'projects/123456789012/global/networks/ml-vpc',
      },
    });
  });

  it('signs its calls with Application Default Credentials, without any Google endpoint', async () => {
    const connect = jest.spyOn(Socket.prototype, 'connect');
    await target.status('ml-attempt-7f3a9c');
    const hosts = connect.mock.calls.map(([options]) => {
      // Node passes normalised arguments, `[options, callback]`.
      const [{ host }] = options as unknown as [{ host: string }];
      return host;
    });
    connect.mockRestore();
    expect(hosts.length).toBeGreaterThan(0);
    expect(new Set(hosts)).toEqual(new Set(['127.0.0.1']));

    const [scheme, token] = server().calls[0].authorization.split(' ');
    expect(scheme).toBe('Bearer');
    // A JWT the client signed with the fake service account's key: no token was fetched.
    const claims = JSON.parse(
      Buffer.from(token.split('.')[1], 'base64url').toString(),
    );
    expect(claims).toMatchObject({
      iss: FAKE_ADC_CLIENT_EMAIL,
      sub: FAKE_ADC_CLIENT_EMAIL,
      scope: expect.stringContaining(
        'https://www.googleapis.com/auth/cloud-platform',
      ),
    });
  });

  it('creates an on-demand job without spot scheduling, checkpoint, timeout or command', async () => {
    await target.dispatch(
      dispatchRequest({
        pool: {
          ...pool,
          spot: false,
          instanceType: 'g2-standard-8',
          gpuType: 'L4',
        },
        resources: { gpus: 1 },
        secretEnv: [],
        command: [],
        maxRuntimeSeconds: undefined,
      }),
    );

    const { jobSpec } = createdJob(server());
    expect(jobSpec.scheduling).toEqual({
      strategy: Strategy.STANDARD,
      restartJobOnWorkerRestart: false,
    });
    expect(jobSpec.workerPoolSpecs[0].machineSpec).toEqual({
      machineType: 'g2-standard-8',
      acceleratorType: AcceleratorType.NVIDIA_L4,
      acceleratorCount: 1,
    });
    expect(jobSpec.workerPoolSpecs[0].containerSpec).not.toHaveProperty(
      'command',
    );
    expect(Object.keys(envOf(createdJob(server())))).toEqual([
      'MLFLOW_TRACKING_URI',
      'MLFLOW_RUN_ID',
    ]);
  });

  it('gives a spot job without a checkpoint one in its output directory, mounted with FUSE', async () => {
    await target.dispatch(
      dispatchRequest({
        externalName: 'Attempt_7F3A9C',
        checkpoint: undefined,
      }),
    );

    const job = createdJob(server());
    const key = job.labels.ml_portal_attempt;
    expect(key).toMatch(/^attempt_7f3a9c-[0-9a-f]{8}$/);
    expect(job.displayName).toBe('Attempt_7F3A9C');
    expect(job.jobSpec.baseOutputDirectory.outputUriPrefix).toBe(
      `gs://ml-output/jobs/${key}`,
    );
    expect(envOf(job)).toMatchObject({
      CHECKPOINT_URI: `gs://ml-output/jobs/${key}/checkpoints`,
      CHECKPOINT_DIR: `/gcs/ml-output/jobs/${key}/checkpoints`,
    });
  });

  it.each([
    ['A100', 'NVIDIA_TESLA_A100'],
    ['a100-80gb', 'NVIDIA_A100_80GB'],
    ['H100', 'NVIDIA_H100_80GB'],
    ['L4', 'NVIDIA_L4'],
    ['T4', 'NVIDIA_TESLA_T4'],
    ['V100', 'NVIDIA_TESLA_V100'],
  ])('maps gpuType %s to %s', (gpuType, acceleratorType) => {
    const job = target.buildCustomJob(
      dispatchRequest({ pool: { ...pool, gpuType } }),
    );
    expect(job.jobSpec!.workerPoolSpecs![0].machineSpec).toEqual({
      machineType: 'a2-highgpu-2g',
      acceleratorType,
      acceleratorCount: 2,
    });
  });

  it('passes secrets only as Secret Manager references', async () => {
    await target.dispatch(
      dispatchRequest({
        secretEnv: [
          { name: 'HF_TOKEN', secretRef: HF_TOKEN_REF },
          { name: 'WANDB_API_KEY', secretRef: 'projects/123/secrets/wandb' },
        ],
      }),
    );
    const env = envOf(createdJob(server()));
    expect(env).not.toHaveProperty('HF_TOKEN');
    expect(env).not.toHaveProperty('WANDB_API_KEY');
    expect(JSON.parse(env.ML_SECRET_REFS)).toEqual({
      HF_TOKEN: HF_TOKEN_REF,
      WANDB_API_KEY: 'projects/123/secrets/wandb/versions/latest',
    });

    // A value handed over where a reference belongs never reaches Vertex AI.
    const leaked = dispatchRequest({
      externalName: 'leak',
      secretEnv: [{ name: 'HF_TOKEN', secretRef: 'hf_live_9f8e7d6c5b4a' }],
    });
    await expect(target.dispatch(leaked)).rejects.toThrow(
      "Secret 'HF_TOKEN' must reference a Secret Manager secret",
    );
    expect(server().calls).toHaveLength(3);
    expect(JSON.stringify(server().calls)).not.toContain(
      'hf_live_9f8e7d6c5b4a',
    );
  });

  it('returns the existing job when dispatch is replayed, also after a restart', async () => {
    const first = await target.dispatch(dispatchRequest());
    const replay = await target.dispatch(dispatchRequest());
    const restarted = VertexComputeTarget.create({ settings });
    const afterRestart = await restarted.dispatch(dispatchRequest());
    await restarted.destroy();

    expect(replay).toEqual(first);
    expect(afterRestart).toEqual(first);
    expect(server().jobs.size).toBe(1);
    expect(server().calls.map(c => c.operation)).toEqual([
      'ListCustomJobs',
      'CreateCustomJob',
      'ListCustomJobs',
      // A replay finds it by its label, in the same target or a new one.
      'ListCustomJobs',
      'ListCustomJobs',
    ]);
  });

  it('leaves one job running when two dispatches of an attempt race to create it', async () => {
    const other = VertexComputeTarget.create({ settings });
    // Both look before either creates: both create a job.
    server().barrier('ListCustomJobs', 2);
    const [a, b] = await Promise.all([
      target.dispatch(dispatchRequest()),
      other.dispatch(dispatchRequest()),
    ]);
    await other.destroy();

    const creates = server().calls.filter(
      c => c.operation === 'CreateCustomJob',
    );
    expect(creates).toHaveLength(2);
    expect(b).toEqual(a);
    const [oldest, newer] = [...server().jobs.values()].sort((x, y) =>
      x.createTime.localeCompare(y.createTime),
    );
    expect(a.externalId).toBe(oldest.name);
    expect(oldest.state).toBe('JOB_STATE_PENDING');
    expect(newer.state).toBe('JOB_STATE_CANCELLING');
    expect(await target.status('ml-attempt-7f3a9c')).toMatchObject({
      state: 'pending',
    });
  });

  it('cancels a duplicate a replayed dispatch finds, and keeps the oldest', async () => {
    const { externalId } = await target.dispatch(dispatchRequest());
    const twin = externalId.replace(/\d+$/, '9999');
    server().jobs.set(twin, {
      ...server().jobs.get(externalId),
      name: twin,
      state: 'JOB_STATE_RUNNING',
      createTime: new Date(Date.now() + 60_000).toISOString(),
    });

    expect(await target.dispatch(dispatchRequest())).toEqual({ externalId });
    expect(server().jobs.get(twin)!.state).toBe('JOB_STATE_CANCELLING');
    expect(server().jobs.get(externalId)!.state).toBe('JOB_STATE_PENDING');
    expect(
      server().calls.filter(c => c.operation === 'CreateCustomJob'),
    ).toHaveLength(1);
  });

  it('does not take a job with the same label but another display name for the attempt', async () => {
    const { externalId } = await target.dispatch(dispatchRequest());
    server().jobs.get(externalId)!.displayName = 'someone-else';

    const restarted = VertexComputeTarget.create({ settings });
    expect(await restarted.status('ml-attempt-7f3a9c')).toMatchObject({
      state: 'not-found',
    });
    await restarted.destroy();
  });

  it.each([
    [
      'JOB_STATE_QUEUED',
      undefined,
      { state: 'pending', reason: expect.stringContaining('quota') },
    ],
    ['JOB_STATE_PENDING', undefined, { state: 'pending' }],
    [
      'JOB_STATE_RUNNING',
      undefined,
      { state: 'running', startedAt: expect.any(Date) },
    ],
    [
      'JOB_STATE_SUCCEEDED',
      undefined,
      { state: 'succeeded', finishedAt: expect.any(Date) },
    ],
    [
      'JOB_STATE_FAILED',
      {
        code: 3,
        message:
          'The replica workerpool0-0 exited with a non-zero status of 1.',
      },
      {
        state: 'failed',
        reason: 'The replica workerpool0-0 exited with a non-zero status of 1.',
        finishedAt: expect.any(Date),
      },
    ],
    [
      'JOB_STATE_EXPIRED',
      undefined,
      { state: 'failed', reason: 'the job expired' },
    ],
    [
      'JOB_STATE_CANCELLING',
      undefined,
      { state: 'failed', reason: 'cancelled' },
    ],
    [
      'JOB_STATE_CANCELLED',
      { code: 1, message: 'CANCELED' },
      { state: 'failed', reason: 'cancelled' },
    ],
  ])('reports %s', async (state, error, expected) => {
    const { externalId } = await target.dispatch(dispatchRequest());
    server().update(externalId, { state: 'JOB_STATE_RUNNING' });
    server().update(externalId, { state, error });

    const status = await target.status('ml-attempt-7f3a9c');
    expect(status).toMatchObject({
      ...expected,
      instanceType: 'a2-highgpu-2g',
    });
  });

  it('reports times from the job', async () => {
    const { externalId } = await target.dispatch(dispatchRequest());
    expect(await target.status('ml-attempt-7f3a9c')).toEqual({
      state: 'pending',
      reason: 'provisioning the worker',
      startedAt: undefined,
      finishedAt: undefined,
      instanceType: 'a2-highgpu-2g',
    });
    server().update(externalId, { state: 'JOB_STATE_RUNNING' });
    server().update(externalId, { state: 'JOB_STATE_SUCCEEDED' });

    const job = server().jobs.get(externalId)!;
    const done = await target.status('ml-attempt-7f3a9c');
    expect(done.startedAt).toEqual(new Date(job.startTime));
    expect(done.finishedAt).toEqual(new Date(job.endTime));
    expect(done.finishedAt!.getTime()).toBeGreaterThan(
      done.startedAt!.getTime(),
    );
  });

  it('reports a spot job failed with STOCKOUT as preempted, and other failures as failed', async () => {
    const stockout = {
      code: 8,
      message:
        'Job failed with STOCKOUT: the spot VMs of workerpool0 were preempted.',
    };
    const spot = await target.dispatch(
      dispatchRequest({ externalName: 'spot' }),
    );
    const standard = await target.dispatch(
      dispatchRequest({
        externalName: 'standard',
        pool: { ...pool, spot: false },
      }),
    );
    const crashed = await target.dispatch(
      dispatchRequest({ externalName: 'crashed' }),
    );
    server().update(spot.externalId, {
      state: 'JOB_STATE_FAILED',
      error: stockout,
    });
    server().update(standard.externalId, {
      state: 'JOB_STATE_FAILED',
      error: stockout,
    });
    server().update(crashed.externalId, {
      state: 'JOB_STATE_FAILED',
      error: { code: 13, message: 'CUDA error: out of memory' },
    });

    expect(await target.status('spot')).toMatchObject({
      state: 'preempted',
      reason: `spot VMs reclaimed: ${stockout.message}`,
    });
    expect(await target.status('standard')).toMatchObject({
      state: 'failed',
      reason: stockout.message,
    });
    expect(await target.status('crashed')).toMatchObject({
      state: 'failed',
      reason: 'CUDA error: out of memory',
    });
  });

  it('reports an unknown job, or one deleted since, as not-found', async () => {
    expect(await target.status('never-dispatched')).toEqual({
      state: 'not-found',
      reason: 'no such Vertex AI custom job',
    });

    const { externalId } = await target.dispatch(dispatchRequest());
    server().jobs.delete(externalId);
    expect(await target.status('ml-attempt-7f3a9c')).toMatchObject({
      state: 'not-found',
    });
  });

  it('cancels a live job, and does nothing for one that is gone or has ended', async () => {
    const { externalId } = await target.dispatch(dispatchRequest());
    server().update(externalId, { state: 'JOB_STATE_RUNNING' });

    await target.cancel('ml-attempt-7f3a9c');
    expect(server().jobs.get(externalId)!.state).toBe('JOB_STATE_CANCELLING');
    expect(
      server().calls.filter(c => c.operation === 'CancelCustomJob'),
    ).toEqual([expect.objectContaining({ path: `/v1/${externalId}:cancel` })]);

    await target.cancel('ml-attempt-7f3a9c');
    server().update(externalId, { state: 'JOB_STATE_CANCELLED' });
    await target.cancel('ml-attempt-7f3a9c');
    await target.cancel('never-dispatched');
    expect(
      server().calls.filter(c => c.operation === 'CancelCustomJob'),
    ).toHaveLength(1);
    expect(await target.status('ml-attempt-7f3a9c')).toMatchObject({
      state: 'failed',
      reason: 'cancelled',
    });
  });

  it('follows the oldest of the jobs a racing dispatch left behind, and cancels them all', async () => {
    const { externalId } = await target.dispatch(dispatchRequest());
    const twin = externalId.replace(/\d+$/, '9999');
    server().jobs.set(twin, {
      ...server().jobs.get(externalId),
      name: twin,
      state: 'JOB_STATE_RUNNING',
      createTime: new Date(Date.now() + 60_000).toISOString(),
    });

    const restarted = VertexComputeTarget.create({ settings });
    expect((await restarted.status('ml-attempt-7f3a9c')).state).toBe('pending');
    await restarted.destroy();

    await target.cancel('ml-attempt-7f3a9c');
    expect(server().jobs.get(externalId)!.state).toBe('JOB_STATE_CANCELLING');
    expect(server().jobs.get(twin)!.state).toBe('JOB_STATE_CANCELLING');
  });

  it('surfaces API errors with the operation, the status and the message', async () => {
    server().failNext(
      'CreateCustomJob',
      'RESOURCE_EXHAUSTED',
      "Quota exceeded for quota metric 'Custom model training Nvidia A100 GPUs per region'",
    );
    const failure = target.dispatch(dispatchRequest());
    await expect(failure).rejects.toThrow(
      "Vertex AI CreateCustomJob for ml-attempt-7f3a9c failed: RESOURCE_EXHAUSTED: Quota exceeded for quota metric 'Custom model training Nvidia A100 GPUs per region'",
    );
    await expect(failure).rejects.toMatchObject({ code: 8 });
    expect(server().jobs.size).toBe(0);

    server().failNext(
      'ListCustomJobs',
      'PERMISSION_DENIED',
      "Permission 'aiplatform.customJobs.list' denied",
    );
    await expect(target.status('ml-attempt-7f3a9c')).rejects.toThrow(
      "Vertex AI ListCustomJobs for ml-attempt-7f3a9c failed: PERMISSION_DENIED: Permission 'aiplatform.customJobs.list' denied",
    );

    const { externalId } = await target.dispatch(dispatchRequest());
    server().update(externalId, { state: 'JOB_STATE_RUNNING' });
    server().failNext(
      'CancelCustomJob',
      'FAILED_PRECONDITION',
      'The job cannot be cancelled now.',
    );
    await expect(target.cancel('ml-attempt-7f3a9c')).rejects.toThrow(
      'Vertex AI CancelCustomJob for ml-attempt-7f3a9c failed: FAILED_PRECONDITION: The job cannot be cancelled now.',
    );
  });

  it.each<[string, Partial<DispatchRequest>, string]>([
    [
      'no machine type',
      { pool: { ...pool, instanceType: undefined } },
      "Pool 'a100-spot' has no instanceType",
    ],
    [
      'another region',
      { pool: { ...pool, region: 'us-central1' } },
      'is in region us-central1',
    ],
    [
      'an unknown GPU',
      { pool: { ...pool, gpuType: 'A10G' } },
      "gpuType 'A10G', which the vertex target cannot map",
    ],
    [
      'more GPUs than a node has',
      { resources: { gpus: 16 } },
      'has 8 GPUs per node, the job asks for 16',
    ],
    ['no image', { image: undefined }, 'needs a training image'],
    [
      'an S3 checkpoint',
      { checkpoint: { uri: 's3://ckpt/job-42' } },
      "needs a gs:// checkpoint location, got 's3://ckpt/job-42'",
    ],
    [
      'an invalid env name',
      { env: { 'BAD-NAME': '1' } },
      "Environment variable name 'BAD-NAME'",
    ],
    [
      'a secret shadowing a variable',
      { env: { HF_TOKEN: 'x' } },
      "Environment variable 'HF_TOKEN' is set more than once",
    ],
    [
      'too many variables',
      {
        env: Object.fromEntries(
          Array.from({ length: 98 }, (_, i) => [`VAR_${i}`, '1']),
        ),
      },
      'Vertex AI allows at most 100 environment variables; this job has 101',
    ],
    [
      'a display name over 128 characters',
      { externalName: 'x'.repeat(129) },
      'external name of 1 to 128 characters',
    ],
  ])(
    'refuses a request with %s before calling Vertex AI',
    async (_, overrides, message) => {
      const request = dispatchRequest(overrides);
      await expect(target.dispatch(request)).rejects.toThrow(message);
      await expect(target.dispatch(request)).rejects.toBeInstanceOf(InputError);
      expect(server().calls).toHaveLength(0);
    },
  );
});
