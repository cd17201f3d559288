import { TokenCredential } from '@azure/core-auth';
import { InputError } from '@backstage/errors';
import { DispatchRequest, GpuPool } from '@ml-portal/plugin-ml-node';
import { sampleDispatchRequest } from '@ml-portal/plugin-ml-node/testUtils';
import {
  FakeAzureMlServer,
  startFakeAzureMlServer,
} from './__testUtils__/fakeAzureMlServer';
import { AzureMlComputeTarget } from './AzureMlComputeTarget';
import { AzureMlTargetSettings } from './config';

const workspaceId =
  '/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/ml-rg/providers/Microsoft.MachineLearningServices/workspaces/ml-ws';
const image = 'mlportal.azurecr.io/train:1.4';
const imageEnvironmentId = `${workspaceId}/environments/ml-portal-image/versions/16707d7b2b934302eed7cff0bc1e7048`;
const hfTokenId = 'https://ml-secrets.vault.azure.net/secrets/hf-token';

/** A credential that hands out one fixed token and records the scopes asked for. */
const scopes: string[] = [];
const credential: TokenCredential = {
  getToken: async scope => {
    scopes.push(...[scope].flat());
    return { token: 'fixed-token', expiresOnTimestamp: Date.now() + 3600_000 };
  },
};

const pool: GpuPool = sampleDispatchRequest({
  name: 'a100-spot',
  target: 'azureml',
  region: 'eastus',
  gpuType: 'A100',
  gpusPerNode: 4,
  spot: true,
  instanceType: 'a100-lowpri',
}).pool;

/** A spot attempt with env, a secret reference and a runtime limit; tests override the rest. */
const dispatchRequest = (overrides: Partial<DispatchRequest> = {}) =>
  sampleDispatchRequest(pool, {
    externalName: 'ml-attempt-7f3a9c',
    jobId: 'job-42',
    attemptId: 'attempt-7f3a9c',
    image,
    command: ['python', 'train.py', '--name', "Bob's run", '--lr=0.1'],
    env: {
      MLFLOW_TRACKING_URI: 'http://portal:7007/api/ml/mlflow',
      MLFLOW_RUN_ID: 'run-1',
    },
    secretEnv: [{ name: 'HF_TOKEN', secretRef: hfTokenId }],
    resources: { gpus: 4 },
    maxRuntimeSeconds: 5400,
    ...overrides,
  });

describe('AzureMlComputeTarget', () => {
  let server: FakeAzureMlServer;
  let target: AzureMlComputeTarget;
  let settings: AzureMlTargetSettings;

  beforeEach(async () => {
    server = await startFakeAzureMlServer();
    server.addCompute('a100-lowpri', { vmPriority: 'LowPriority' });
    server.addCompute('a100', { vmPriority: 'Dedicated' });
    settings = {
      subscriptionId: '00000000-1111-2222-3333-444444444444',
      resourceGroup: 'ml-rg',
      workspace: 'ml-ws',
      experimentName: 'ml-portal',
      checkpointDatastore: 'workspaceblobstore',
      endpoint: server.endpoint,
    };
    target = AzureMlComputeTarget.create({ settings, credential });
  });

  afterEach(async () => {
    await server.close();
  });

  it('creates a command job on the pool cluster in an environment wrapping the image', async () => {
    const result = await target.dispatch(
      dispatchRequest({
        checkpoint: {
          uri: 'azureml://datastores/checkpoints/paths/job-42',
          intervalSeconds: 600,
        },
      }),
    );

    expect(result.externalId).toBe(`${workspaceId}/jobs/ml-attempt-7f3a9c`);
    expect(server.calls.map(c => `${c.method} ${c.operation}`)).toEqual([
      'GET GetJob',
      'GET GetCompute',
      'PUT PutEnvironment',
      'PUT PutJob',
    ]);
    for (const call of server.calls) {
      expect(call.authorization).toBe('Bearer fixed-token');
    }
    expect(scopes).toContain(`${server.endpoint}/.default`);
    expect(server.calls[2]).toMatchObject({
      path: imageEnvironmentId,
      body: { properties: { image, isAnonymous: true, osType: 'Linux' } },
    });
    expect(server.calls[3].path).toBe(`${workspaceId}/jobs/ml-attempt-7f3a9c`);
    expect(server.calls[3].body).toEqual({
      properties: {
        jobType: 'Command',
        displayName: 'job-42 attempt-7f3a9c',
        experimentName: 'ml-portal',
        computeId: `${workspaceId}/computes/a100-lowpri`,
        environmentId: imageEnvironmentId,
        command: `export CHECKPOINT_DIR="\${{outputs.checkpoints}}" && python train.py --name 'Bob'"'"'s run' --lr=0.1`,
        environmentVariables: {
          MLFLOW_TRACKING_URI: 'http://portal:7007/api/ml/mlflow',
          MLFLOW_RUN_ID: 'run-1',
          CHECKPOINT_URI: 'azureml://datastores/checkpoints/paths/job-42',
          CHECKPOINT_INTERVAL_SECONDS: '600',
          HF_TOKEN_SECRET_ID: hfTokenId,
        },
        resources: { instanceCount: 1 },
        limits: { jobLimitsType: 'Command', timeout: 'PT1H30M' },
        outputs: {
          checkpoints: {
            jobOutputType: 'uri_folder',
            mode: 'ReadWriteMount',
            uri: 'azureml://datastores/checkpoints/paths/job-42',
            description: 'Checkpoints, shared by all attempts of the job',
          },
        },
        tags: {
          'ml.platform/job-id': 'job-42',
          'ml.platform/attempt-id': 'attempt-7f3a9c',
          'ml.platform/pool': 'a100-spot',
        },
      },
    });
  });

  it('never puts a secret value into the request, only the Key Vault reference', async () => {
    const secretValue = 'hf_live_value_that_must_not_leak';
    process.env.HF_TOKEN = secretValue;
    try {
      await target.dispatch(dispatchRequest());
    } finally {
      delete process.env.HF_TOKEN;
    }

    const { environmentVariables } = server.calls.find(
      c => c.operation === 'PutJob',
    )!.body!.properties;
    expect(environmentVariables).not.toHaveProperty('HF_TOKEN');
    expect(environmentVariables.HF_TOKEN_SECRET_ID).toBe(hfTokenId);
    expect(JSON.stringify(server.calls)).not.toContain(secretValue);

    await expect(
      target.dispatch(
        dispatchRequest({
          externalName: 'other',
          secretEnv: [{ name: 'HF_TOKEN', secretRef: 'hf-token' }],
        }),
      ),
    ).rejects.toThrow(
      'secretEnv HF_TOKEN: the azureml target needs a Key Vault secret identifier',
    );
  });

  it('creates an on-demand job without checkpoint or timeout, with the configured environment when there is no image', async () => {
    target = AzureMlComputeTarget.create({
      settings: { ...settings, environment: 'azureml:pytorch-train:3' },
      credential,
    });
    await target.dispatch(
      dispatchRequest({
        pool: { ...pool, spot: false, instanceType: 'a100' },
        image: undefined,
        secretEnv: [],
        command: ['torchrun', '--nproc-per-node=4', 'train.py'],
        maxRuntimeSeconds: undefined,
        checkpoint: undefined,
      }),
    );

    expect(server.calls.map(c => c.operation)).toEqual([
      'GetJob',
      'GetCompute',
      'PutJob',
    ]);
    const { properties } = server.calls[2].body!;
    expect(properties).toMatchObject({
      computeId: `${workspaceId}/computes/a100`,
      environmentId: 'azureml:pytorch-train:3',
      command: 'torchrun --nproc-per-node=4 train.py',
    });
    expect(properties).not.toHaveProperty('limits');
    expect(properties).not.toHaveProperty('outputs');
    expect(properties.environmentVariables).not.toHaveProperty(
      'CHECKPOINT_URI',
    );
  });

  it('puts relative checkpoint locations into the checkpoint datastore and refuses foreign ones', async () => {
    await target.dispatch(
      dispatchRequest({
        checkpoint: { uri: '.data/checkpoints/job-42' },
        maxRuntimeSeconds: 93784,
      }),
    );
    const { properties } = server.calls.find(c => c.operation === 'PutJob')!
      .body!;
    expect(properties.outputs.checkpoints.uri).toBe(
      'azureml://datastores/workspaceblobstore/paths/.data/checkpoints/job-42',
    );
    expect(properties.environmentVariables.CHECKPOINT_URI).toBe(
      'azureml://datastores/workspaceblobstore/paths/.data/checkpoints/job-42',
    );
    expect(properties.limits.timeout).toBe('P1DT2H3M4S');

    for (const uri of ['s3://bucket/ckpt', '/tmp/ckpt', '../elsewhere']) {
      await expect(
        target.dispatch(dispatchRequest({ checkpoint: { uri } })),
      ).rejects.toThrow(`got '${uri}'`);
    }
  });

  it('returns the existing job when dispatch is replayed', async () => {
    const first = await target.dispatch(dispatchRequest());
    const second = await target.dispatch(dispatchRequest());

    expect(second).toEqual(first);
    expect(server.jobs.size).toBe(1);
    expect(server.calls.map(c => c.operation)).toEqual([
      'GetJob',
      'GetCompute',
      'PutEnvironment',
      'PutJob',
      'GetJob',
    ]);
  });

  it('refuses a replay whose job name belongs to another attempt', async () => {
    await target.dispatch(dispatchRequest());

    await expect(
      target.dispatch(dispatchRequest({ attemptId: 'attempt-other' })),
    ).rejects.toThrow(
      'Azure ML job ml-attempt-7f3a9c belongs to attempt attempt-7f3a9c, not attempt-other',
    );
  });

  it('returns the job a concurrent dispatch created between its read and its create', async () => {
    const first = await target.dispatch(dispatchRequest());
    // The replay's read misses the job, as if another dispatch created it just after.
    server.failNext(
      'GetJob',
      404,
      'UserError',
      'Job ml-attempt-7f3a9c not found.',
    );
    server.calls.length = 0;

    expect(await target.dispatch(dispatchRequest())).toEqual(first);
    expect(server.jobs.size).toBe(1);
    expect(server.calls.map(c => c.operation)).toEqual([
      'GetJob',
      'PutJob',
      'GetJob',
    ]);
  });

  it('creates one job when two dispatches of an attempt race: the job name is the attempt', async () => {
    const other = AzureMlComputeTarget.create({ settings, credential });
    // Both read before either creates: both try to create the job.
    server.barrier('GetJob', 2);
    const [a, b] = await Promise.all([
      target.dispatch(dispatchRequest()),
      other.dispatch(dispatchRequest()),
    ]);

    expect(b).toEqual(a);
    expect(server.jobs.size).toBe(1);
    expect(server.calls.filter(c => c.operation === 'PutJob')).toHaveLength(2);
  });

  it('normalises an external name that Azure ML would refuse, the same way every time', async () => {
    const externalName = 'ml.job:42/attempt 1';
    await target.dispatch(dispatchRequest({ externalName }));
    await target.dispatch(dispatchRequest({ externalName }));

    expect(server.jobs.size).toBe(1);
    const [name] = server.jobs.keys();
    expect(name).toMatch(/^ml-job-42-attempt-1-[0-9a-f]{8}$/);
    expect((await target.status(externalName)).state).toBe('pending');
  });

  it('checks that a spot pool names a low-priority cluster and other pools a dedicated one', async () => {
    await expect(
      target.dispatch(
        dispatchRequest({ pool: { ...pool, instanceType: 'a100' } }),
      ),
    ).rejects.toThrow(
      "Pool 'a100-spot' is spot, but compute 'a100' does not run low-priority VMs (Dedicated)",
    );
    await expect(
      target.dispatch(
        dispatchRequest({ pool: { ...pool, spot: false, name: 'a100' } }),
      ),
    ).rejects.toThrow(
      "Pool 'a100' is not spot, but compute cluster 'a100-lowpri' runs low-priority VMs",
    );
    server.addCompute('aks', { computeType: 'Kubernetes' });
    await expect(
      target.dispatch(
        dispatchRequest({ pool: { ...pool, instanceType: 'aks' } }),
      ),
    ).rejects.toThrow(
      "compute 'aks' does not run low-priority VMs (Kubernetes)",
    );
    await expect(
      target.dispatch(
        dispatchRequest({ pool: { ...pool, instanceType: 'missing' } }),
      ),
    ).rejects.toThrow(
      "Pool 'a100-spot' names compute cluster 'missing', which workspace ml-ws does not have",
    );
    expect(server.jobs.size).toBe(0);

    // A cluster that matched is not read again.
    server.calls.length = 0;
    await target.dispatch(dispatchRequest());
    await target.dispatch(dispatchRequest({ externalName: 'second' }));
    expect(
      server.calls.filter(c => c.path.endsWith('/computes/a100-lowpri')),
    ).toHaveLength(1);
  });

  it('maps the life of a job to platform states, with times from run history', async () => {
    await target.dispatch(dispatchRequest());
    const name = 'ml-attempt-7f3a9c';

    for (const status of [
      'NotStarted',
      'Starting',
      'Provisioning',
      'Preparing',
      'Queued',
      'Paused',
      'Unknown',
    ]) {
      server.update(name, { status });
      expect(await target.status(name)).toEqual({
        state: 'pending',
        reason: status,
        instanceType: 'a100-lowpri',
      });
    }

    server.update(name, { status: 'Running' });
    const running = await target.status(name);
    expect(running).toMatchObject({
      state: 'running',
      instanceType: 'a100-lowpri',
    });
    expect(running.startedAt).toBeInstanceOf(Date);
    expect(running.finishedAt).toBeUndefined();

    server.update(name, { status: 'NotResponding' });
    expect(await target.status(name)).toMatchObject({
      state: 'running',
      reason: 'NotResponding: Azure ML gets no heartbeat from the job',
    });
    server.update(name, { status: 'Finalizing' });
    expect((await target.status(name)).state).toBe('running');

    server.update(name, { status: 'Completed' });
    const done = await target.status(name);
    expect(done).toMatchObject({
      state: 'succeeded',
      instanceType: 'a100-lowpri',
    });
    expect(done.finishedAt).toBeInstanceOf(Date);
    expect(done.finishedAt!.getTime()).toBeGreaterThanOrEqual(
      done.startedAt!.getTime(),
    );
    expect(server.calls.at(-1)).toMatchObject({
      operation: 'GetRunDetails',
      path: `/history/v1.0${workspaceId}/runs/${name}/details`,
      authorization: 'Bearer fixed-token',
    });
  });

  it('reports a failure with the run error, and a preempted run as preempted', async () => {
    await target.dispatch(dispatchRequest({ externalName: 'oom' }));
    await target.dispatch(dispatchRequest({ externalName: 'preempted' }));
    server.update('oom', {
      status: 'Failed',
      error: {
        code: 'UserError',
        message:
          'Execution failed. User process exited with status code 1: CUDA out of memory',
      },
    });
    server.update('preempted', {
      status: 'Failed',
      error: {
        code: 'UserError',
        message:
          'AzureMLCompute job failed. PreemptionError: Nodes of this job got pre-empted. Check if the run has failed or restarted. Reason: Received pre-emption warning signal',
      },
    });

    expect(await target.status('oom')).toMatchObject({
      state: 'failed',
      reason: expect.stringContaining('CUDA out of memory'),
    });
    expect(await target.status('preempted')).toMatchObject({
      state: 'preempted',
      reason: expect.stringMatching(
        /^low-priority nodes preempted: AzureMLCompute job failed\. PreemptionError/,
      ),
    });
  });

  it('reports a failure without run details, linking the studio', async () => {
    await target.dispatch(dispatchRequest());
    server.update('ml-attempt-7f3a9c', { status: 'Failed' });
    server.failNext(
      'GetRunDetails',
      403,
      'Forbidden',
      'No access to run history',
    );
    const logger = { warn: jest.fn(), info: jest.fn() } as any;
    target = AzureMlComputeTarget.create({ settings, credential, logger });

    expect(await target.status('ml-attempt-7f3a9c')).toEqual({
      state: 'failed',
      reason:
        'Azure ML reports the job Failed; see https://ml.azure.com/runs/ml-attempt-7f3a9c',
      instanceType: 'a100-lowpri',
    });
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining(
        'could not read the run details of job ml-attempt-7f3a9c',
      ),
    );
  });

  it('reports an unknown job as not-found, but a missing workspace as an error', async () => {
    expect(await target.status('never-dispatched')).toEqual({
      state: 'not-found',
      reason: 'no such Azure ML job',
    });

    server.failNext(
      'GetJob',
      404,
      'ParentResourceNotFound',
      'Workspace ml-ws not found',
    );
    await expect(target.status('never-dispatched')).rejects.toThrow(
      'Azure ML could not read job never-dispatched in workspace ml-ws (404 ParentResourceNotFound); caused by RestError: Workspace ml-ws not found',
    );
  });

  it('cancels a job, and accepts cancelling one that is gone or already ended', async () => {
    await target.dispatch(dispatchRequest());
    server.calls.length = 0;
    await target.cancel('ml-attempt-7f3a9c');

    // The cancel request, and the SDK's first poll of the operation it started.
    expect(server.calls.map(c => `${c.method} ${c.operation}`)).toEqual([
      'POST CancelJob',
      'GET GetOperation',
    ]);
    expect(server.calls[0].path).toBe(
      `${workspaceId}/jobs/ml-attempt-7f3a9c/cancel`,
    );
    expect(await target.status('ml-attempt-7f3a9c')).toMatchObject({
      state: 'failed',
      reason: 'cancelled',
    });

    server.update('ml-attempt-7f3a9c', { status: 'Canceled' });
    await expect(target.cancel('ml-attempt-7f3a9c')).resolves.toBeUndefined();
    await expect(target.cancel('never-dispatched')).resolves.toBeUndefined();
    expect(await target.status('ml-attempt-7f3a9c')).toMatchObject({
      state: 'failed',
      reason: 'cancelled',
    });
  });

  it('passes on a cancel refused for a running job', async () => {
    await target.dispatch(dispatchRequest());
    server.update('ml-attempt-7f3a9c', { status: 'Running' });
    server.failNext(
      'CancelJob',
      403,
      'AuthorizationFailed',
      'The client has no permission to perform action jobs/cancel/action',
    );

    await expect(target.cancel('ml-attempt-7f3a9c')).rejects.toThrow(
      'Azure ML could not cancel job ml-attempt-7f3a9c in workspace ml-ws (403 AuthorizationFailed); caused by RestError: The client has no permission',
    );
  });

  it('surfaces API errors with the operation, status, ARM code and message', async () => {
    server.failNext(
      'PutJob',
      400,
      'UserError',
      'Quota exceeded for low-priority cores in eastus',
    );

    const error = await target.dispatch(dispatchRequest()).catch(e => e);
    expect(error.message).toBe(
      'Azure ML could not create job ml-attempt-7f3a9c in workspace ml-ws (400 UserError); caused by RestError: Quota exceeded for low-priority cores in eastus',
    );
    expect(server.jobs.size).toBe(0);
  });

  it('refuses requests Azure ML could not run before calling it', async () => {
    const refused: Array<[Partial<DispatchRequest>, string]> = [
      [
        { pool: { ...pool, instanceType: undefined } },
        "Pool 'a100-spot' has no instanceType",
      ],
      [
        { pool: { ...pool, instanceType: 'a/../b' } },
        'is not an Azure ML compute name',
      ],
      [{ resources: { gpus: 8 } }, 'runs a job on one node; pool'],
      [
        { image: undefined },
        'needs an image, or ml.targets.azureml.environment',
      ],
      [{ command: [] }, 'needs a command'],
      [
        { command: ['echo', '${{outputs.x}}'] },
        "Command item 1 contains '${{'",
      ],
      [{ env: { 'BAD-NAME': '1' } }, "Environment variable name 'BAD-NAME'"],
      [
        { env: { HF_TOKEN: 'x' } },
        "'HF_TOKEN' is both a plain variable and a secret reference",
      ],
      [{ maxRuntimeSeconds: 0 }, 'maxRuntimeSeconds must be positive'],
    ];
    for (const [overrides, message] of refused) {
      const error = await target
        .dispatch(dispatchRequest(overrides))
        .catch(e => e);
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toContain(message);
    }
    expect(server.calls).toHaveLength(0);
  });

  it('reads run details only from Azure ML hosts, never sending its token elsewhere', async () => {
    await target.dispatch(dispatchRequest());
    server.update('ml-attempt-7f3a9c', { status: 'Running' });
    server.jobs.get(
      'ml-attempt-7f3a9c',
    )!.properties.services.Tracking.endpoint =
      'azureml://collector.example.com/mlflow/v1.0/subscriptions/x';
    const fetchSpy = jest.spyOn(global, 'fetch');
    try {
      const status = await target.status('ml-attempt-7f3a9c');
      expect(status).toEqual({ state: 'running', instanceType: 'a100-lowpri' });
      expect(fetchSpy).not.toHaveBeenCalled();
    } finally {
      fetchSpy.mockRestore();
    }
  });
});
