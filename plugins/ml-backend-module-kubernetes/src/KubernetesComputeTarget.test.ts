import { DispatchRequest, GpuPool } from '@ml-portal/plugin-ml-node';
import { FakeKubeApiServer } from './__testUtils__/fakeKubeApiServer';
import { KubernetesComputeTarget } from './KubernetesComputeTarget';

const NAME = 'ml-0123456789abcdef0123';

const spotPool: GpuPool = {
  name: 'a100-spot',
  target: 'kubernetes',
  region: 'us-east-1',
  gpuType: 'A100',
  gpusPerNode: 8,
  spot: true,
  labels: {
    'node.kubernetes.io/instance-type': 'p4d.24xlarge',
    'karpenter.sh/capacity-type': 'spot',
  },
  taints: [
    { key: 'nvidia.com/gpu', effect: 'NoSchedule' },
    { key: 'spot', value: 'true', effect: 'NoExecute' },
  ],
  compliance: [],
};

function request(overrides: Partial<DispatchRequest> = {}): DispatchRequest {
  return {
    externalName: NAME,
    jobId: '6a1f0b52-0c11-4c1e-9d55-3f1f5b0e2a10',
    attemptId: '0123456789abcdef0123456789abcdef',
    pool: spotPool,
    image: 'ghcr.io/acme/train:1.4',
    command: ['python', 'train.py', '--epochs', '3'],
    env: { MLFLOW_TRACKING_URI: 'http://portal/api/ml/mlflow', ML_JOB_ID: 'j' },
    secretEnv: [
      { name: 'HF_TOKEN', secretRef: 'hf-credentials/token' },
      { name: 'WANDB_API_KEY', secretRef: 'wandb.keys/api_key' },
    ],
    resources: { gpus: 2, cpu: 16, memoryMiB: 65536 },
    maxRuntimeSeconds: 7200,
    checkpoint: { uri: 's3://ckpt/jobs/j', intervalSeconds: 600 },
    ...overrides,
  };
}

describe('KubernetesComputeTarget', () => {
  let fake: FakeKubeApiServer;
  let target: KubernetesComputeTarget;

  beforeEach(async () => {
    fake = await FakeKubeApiServer.start();
    target = new KubernetesComputeTarget({
      kubeConfig: fake.kubeConfig(),
      namespace: 'ml',
      serviceAccountName: 'trainer',
      imagePullSecrets: ['ghcr-pull'],
    });
  });

  afterEach(() => fake.close());

  describe('dispatch', () => {
    it('creates a Job for the pool with GPU limits, placement, failure policy and secret references', async () => {
      // A value the backend holds must never reach the cluster.
      process.env.HF_TOKEN = 'hf_backend_secret_value';
      try {
        const { externalId } = await target.dispatch(request());

        const posts = fake.requests.filter(r => r.method === 'POST');
        expect(posts).toHaveLength(1);
        expect(posts[0].path).toBe('/apis/batch/v1/namespaces/ml/jobs');
        const job = posts[0].body!;
        expect(externalId).toBe(fake.jobs.get(NAME)!.metadata.uid);

        const labels = {
          'ml.platform/job-id': '6a1f0b52-0c11-4c1e-9d55-3f1f5b0e2a10',
          'ml.platform/attempt-id': '0123456789abcdef0123456789abcdef',
          'ml.platform/pool': 'a100-spot',
          'app.kubernetes.io/managed-by': 'ml-portal',
        };
        expect(job.apiVersion).toBe('batch/v1');
        expect(job.kind).toBe('Job');
        expect(job.metadata).toMatchObject({ name: NAME, namespace: 'ml' });
        expect(job.metadata.labels).toEqual(labels);
        expect(job.metadata.annotations).toMatchObject({
          'ml.platform/external-name': NAME,
          'ml.platform/gpu-type': 'A100',
          'ml.platform/spot': 'true',
        });
        expect(job.spec).toMatchObject({
          backoffLimit: 0,
          activeDeadlineSeconds: 7200,
          ttlSecondsAfterFinished: 3600,
        });
        expect(job.spec.podFailurePolicy).toEqual({
          rules: [
            {
              action: 'Ignore',
              onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }],
            },
            {
              action: 'FailJob',
              onExitCodes: {
                containerName: 'train',
                operator: 'NotIn',
                values: [0],
              },
            },
          ],
        });

        const pod = job.spec.template;
        expect(pod.metadata.labels).toEqual(labels);
        expect(pod.spec).toMatchObject({
          restartPolicy: 'Never',
          serviceAccountName: 'trainer',
          imagePullSecrets: [{ name: 'ghcr-pull' }],
          nodeSelector: spotPool.labels,
          tolerations: [
            { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
            {
              key: 'spot',
              operator: 'Equal',
              value: 'true',
              effect: 'NoExecute',
            },
          ],
        });
        expect(pod.spec.containers).toHaveLength(1);
        const container = pod.spec.containers[0];
        expect(container).toMatchObject({
          name: 'train',
          image: 'ghcr.io/acme/train:1.4',
          command: ['python', 'train.py', '--epochs', '3'],
          resources: {
            limits: { 'nvidia.com/gpu': '2', cpu: '16', memory: '65536Mi' },
            requests: { cpu: '16', memory: '65536Mi' },
          },
        });
        expect(container.env).toEqual([
          { name: 'MLFLOW_TRACKING_URI', value: 'http://portal/api/ml/mlflow' },
          { name: 'ML_JOB_ID', value: 'j' },
          { name: 'CHECKPOINT_URI', value: 's3://ckpt/jobs/j' },
          { name: 'CHECKPOINT_INTERVAL_SECONDS', value: '600' },
          {
            name: 'HF_TOKEN',
            valueFrom: {
              secretKeyRef: { name: 'hf-credentials', key: 'token' },
            },
          },
          {
            name: 'WANDB_API_KEY',
            valueFrom: { secretKeyRef: { name: 'wandb.keys', key: 'api_key' } },
          },
        ]);
        expect(JSON.stringify(job)).not.toContain('hf_backend_secret_value');
      } finally {
        delete process.env.HF_TOKEN;
      }
    });

    it('omits what the request does not ask for', async () => {
      const plain = new KubernetesComputeTarget({
        kubeConfig: fake.kubeConfig(),
        namespace: 'ml',
        ttlSecondsAfterFinished: 0,
      });
      await plain.dispatch(
        request({
          pool: { ...spotPool, labels: {}, taints: [] },
          secretEnv: [],
          resources: { gpus: 0, cpu: 0.5 },
          maxRuntimeSeconds: undefined,
          checkpoint: { uri: 'file:///mnt/ckpt/j' },
          command: [],
        }),
      );
      const job = fake.requests[0].body!;
      expect(job.spec.ttlSecondsAfterFinished).toBe(0);
      expect(job.spec).not.toHaveProperty('activeDeadlineSeconds');
      const { spec } = job.spec.template;
      for (const key of [
        'nodeSelector',
        'tolerations',
        'serviceAccountName',
        'imagePullSecrets',
      ]) {
        expect(spec).not.toHaveProperty(key);
      }
      expect(spec.containers[0]).not.toHaveProperty('command');
      expect(spec.containers[0].resources).toEqual({
        limits: { cpu: '500m' },
        requests: { cpu: '500m' },
      });
      expect(spec.containers[0].env).toContainEqual({
        name: 'CHECKPOINT_DIR',
        value: '/mnt/ckpt/j',
      });
    });

    it('creates one Job when dispatched twice, and returns the same id', async () => {
      const first = await target.dispatch(request());
      const second = await target.dispatch(request());

      expect(second).toEqual(first);
      expect(fake.jobs.size).toBe(1);
      expect(fake.requests.map(r => `${r.method} ${r.path}`)).toEqual([
        'POST /apis/batch/v1/namespaces/ml/jobs',
        'POST /apis/batch/v1/namespaces/ml/jobs',
        `GET /apis/batch/v1/namespaces/ml/jobs/${NAME}`,
      ]);
    });

    it('refuses a Job of the same name that belongs to another attempt', async () => {
      await target.dispatch(request());

      await expect(
        target.dispatch(request({ attemptId: 'another-attempt' })),
      ).rejects.toMatchObject({
        name: 'ConflictError',
        message: expect.stringContaining('belongs to attempt'),
      });
      expect(fake.jobs.size).toBe(1);
    });

    it('normalises external names that are not DNS-1123 labels, the same way every time', async () => {
      const externalName = 'Attempt_7/Retry.2';
      await target.dispatch(request({ externalName }));

      const [name] = [...fake.jobs.keys()];
      expect(name).toMatch(/^attempt-7-retry-2-[0-9a-f]{8}$/);
      await expect(target.status(externalName)).resolves.toMatchObject({
        state: 'pending',
      });
      await target.cancel(externalName);
      expect(fake.jobs.size).toBe(0);
    });

    it.each([
      ['no image', { image: undefined }, 'needs a container image'],
      [
        'more GPUs than a node has',
        { resources: { gpus: 16 } },
        'nodes of pool',
      ],
      ['fractional GPUs', { resources: { gpus: 1.5 } }, 'non-negative integer'],
      ['a zero runtime', { maxRuntimeSeconds: 0 }, 'maxRuntimeSeconds'],
      [
        'a secret reference that is no <secret>/<key>',
        { secretEnv: [{ name: 'TOKEN', secretRef: 'just-a-value' }] },
        'not a Kubernetes Secret reference',
      ],
      [
        'a secret shadowing a plain variable',
        { secretEnv: [{ name: 'ML_JOB_ID', secretRef: 's/k' }] },
        'also set as a plain environment variable',
      ],
    ] as Array<[string, Partial<DispatchRequest>, string]>)(
      'rejects %s before calling the API',
      async (_label, overrides, message) => {
        await expect(target.dispatch(request(overrides))).rejects.toMatchObject(
          { name: 'InputError', message: expect.stringContaining(message) },
        );
        expect(fake.requests).toEqual([]);
      },
    );

    it('turns an API rejection into an error that names the server reason', async () => {
      const elsewhere = new KubernetesComputeTarget({
        kubeConfig: fake.kubeConfig(),
        namespace: 'missing',
      });
      await expect(elsewhere.dispatch(request())).rejects.toThrow(
        /Kubernetes could not create Job missing\/ml-0123456789abcdef0123: 404 NotFound/,
      );
    });
  });

  describe('status', () => {
    beforeEach(() => target.dispatch(request()));

    it('is pending with the scheduler reason while the pod cannot be placed', async () => {
      fake.unschedulable(
        NAME,
        '0/3 nodes are available: 3 Insufficient nvidia.com/gpu.',
      );

      await expect(target.status(NAME)).resolves.toEqual({
        state: 'pending',
        reason:
          'Unschedulable: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu.',
      });
    });

    it('is running, with start time and node, once the pod runs', async () => {
      fake.run(NAME, 'ip-10-0-1-7');

      const status = await target.status(NAME);

      expect(status).toEqual({
        state: 'running',
        startedAt: expect.any(Date),
        instanceType: 'ip-10-0-1-7',
      });
      expect(status.startedAt!.toISOString()).toBe(
        fake.pod(NAME).status.startTime,
      );
    });

    it('is succeeded when the Job completes', async () => {
      fake.run(NAME);
      fake.exit(NAME, 0);

      const status = await target.status(NAME);

      expect(status).toMatchObject({
        state: 'succeeded',
        instanceType: 'gpu-node-1',
      });
      expect(status.finishedAt!.toISOString()).toBe(
        fake.jobs.get(NAME)!.status.completionTime,
      );
    });

    it('is failed with the exit code when the training code fails', async () => {
      fake.run(NAME);
      fake.exit(NAME, 137, 'OOMKilled');

      await expect(target.status(NAME)).resolves.toMatchObject({
        state: 'failed',
        reason: 'container train exited with code 137 (OOMKilled)',
        finishedAt: expect.any(Date),
      });
      // The FailJob rule ended the Job, not the backoff limit.
      expect(fake.jobs.get(NAME)!.status.conditions[0].reason).toBe(
        'PodFailurePolicy',
      );
    });

    it('is failed with the Job reason when the deadline passes while running', async () => {
      fake.run(NAME);
      fake.exceedDeadline(NAME);

      await expect(target.status(NAME)).resolves.toMatchObject({
        state: 'failed',
        reason: 'DeadlineExceeded: Job was active too long',
      });
    });

    it('keeps a preempted attempt alive while Kubernetes replaces its pod, and resumes it', async () => {
      fake.run(NAME, 'spot-node-1');
      fake.disrupt(
        NAME,
        'DeletionByTaintManager',
        'Taint manager: deleting due to NoExecute taint',
      );

      // The Ignore rule: the Job did not fail, a replacement pod was created.
      expect(fake.podsOf(NAME)).toHaveLength(2);
      expect(fake.jobs.get(NAME)!.status.conditions).toBeUndefined();
      fake.unschedulable(NAME, '0/3 nodes are available: no spot capacity.');
      const waiting = await target.status(NAME);
      expect(waiting.state).toBe('pending');
      expect(waiting.reason).toMatch(
        /^pod ml-0123456789abcdef0123-\w+ was evicted \(DeletionByTaintManager: Taint manager: deleting due to NoExecute taint\); replacement pod: Unschedulable: 0\/3 nodes are available: no spot capacity\.$/,
      );

      fake.run(NAME, 'spot-node-2');
      await expect(target.status(NAME)).resolves.toMatchObject({
        state: 'running',
        instanceType: 'spot-node-2',
        reason: expect.stringContaining('resumed after 1 eviction(s)'),
      });
    });

    it('is preempted when the Job ran out of time after an eviction', async () => {
      fake.run(NAME);
      fake.disrupt(NAME, 'PreemptionByScheduler', 'Preempted by ml/urgent');
      fake.exceedDeadline(NAME);

      const status = await target.status(NAME);

      expect(status.state).toBe('preempted');
      expect(status.reason).toContain(
        'PreemptionByScheduler: Preempted by ml/urgent',
      );
      expect(status.reason).toContain('its replacement did not start');
    });

    it('is preempted when an eviction failed the Job', async () => {
      // As on a cluster that does not apply the pod failure policy.
      delete fake.jobs.get(NAME)!.spec.podFailurePolicy;
      fake.run(NAME);
      fake.disrupt(NAME, 'TerminationByKubelet', 'node shutdown');

      await expect(target.status(NAME)).resolves.toMatchObject({
        state: 'preempted',
        reason: expect.stringContaining('TerminationByKubelet: node shutdown'),
      });
    });

    it('is not-found when there is no such Job', async () => {
      await expect(target.status('ml-nothing')).resolves.toEqual({
        state: 'not-found',
        reason: 'no Job ml/ml-nothing',
      });
    });
  });

  describe('cancel', () => {
    it('deletes the Job in the background, and is idempotent', async () => {
      await target.dispatch(request());

      await target.cancel(NAME);
      await target.cancel(NAME);

      const deletes = fake.requests.filter(r => r.method === 'DELETE');
      expect(deletes).toHaveLength(2);
      expect(deletes[0].path).toBe(`/apis/batch/v1/namespaces/ml/jobs/${NAME}`);
      expect(deletes[0].query.get('propagationPolicy')).toBe('Background');
      expect(fake.jobs.size).toBe(0);
      await expect(target.status(NAME)).resolves.toMatchObject({
        state: 'not-found',
      });
    });
  });

  describe('logs', () => {
    it('reads the tail of the latest pod that ran', async () => {
      await target.dispatch(request());
      fake.run(NAME);
      const first = fake.pod(NAME).metadata.name;
      fake.logs.set(first, 'epoch 1\nepoch 2\nSIGTERM, checkpointing\n');
      fake.disrupt(NAME);

      // The replacement has not started: the evicted pod's log is the latest.
      await expect(target.logs(NAME, { tailLines: 2 })).resolves.toBe(
        'epoch 2\nSIGTERM, checkpointing\n',
      );

      fake.run(NAME);
      fake.logs.set(fake.pod(NAME).metadata.name, 'resumed at epoch 2\n');
      await expect(target.logs(NAME)).resolves.toBe('resumed at epoch 2\n');
      const logRequest = fake.requests.filter(r => r.path.endsWith('/log'))[0];
      expect(logRequest.query.get('container')).toBe('train');
      expect(logRequest.query.get('tailLines')).toBe('2');
    });

    it('is empty before any pod ran and for an unknown Job', async () => {
      await target.dispatch(request());

      await expect(target.logs(NAME)).resolves.toBe('');
      await expect(target.logs('ml-nothing')).resolves.toBe('');
    });
  });
});
