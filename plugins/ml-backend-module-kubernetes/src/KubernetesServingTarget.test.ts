import { ConfigReader } from '@backstage/config';
import { ConflictError, InputError } from '@backstage/errors';
import { EndpointSpec } from '@ml-portal/plugin-ml-node';
import {
  sampleEndpointSpec,
  sampleServingDeployment,
} from '@ml-portal/plugin-ml-node/testUtils';
import { FakeKubeApiServer } from './__testUtils__/fakeKubeApiServer';
import { KubernetesServingTarget } from './KubernetesServingTarget';
import { toLabelValue } from './names';
import { readKubernetesServingSettings } from './servingConfig';

const OWNER = 'group:default/risk-team';

function version(v: string, weight: number, flavor = 'sklearn') {
  return sampleServingDeployment(v, weight, {
    artifactUri: `s3://models/fraud/${v}`,
    flavor,
  });
}

function endpoint(overrides: Partial<EndpointSpec> = {}): EndpointSpec {
  return sampleEndpointSpec({
    owner: OWNER,
    gpus: 1,
    pool: {
      name: 'l4',
      labels: { 'ml.platform/pool': 'l4' },
      taints: [
        { key: 'nvidia.com/gpu', effect: 'NoSchedule' },
        { key: 'spot', value: 'true', effect: 'NoExecute' },
      ],
    },
    scaling: { minReplicas: 2, maxReplicas: 10, targetConcurrency: 8 },
    deployments: [version('3', 100)],
    ...overrides,
  });
}

function target(fake: FakeKubeApiServer, serving: object = {}) {
  const settings = readKubernetesServingSettings(
    new ConfigReader({
      ml: {
        serving: {
          targets: {
            kubernetes: {
              namespace: 'ml',
              serviceAccountName: 'model-server',
              flavors: {
                sklearn: {
                  modelFormat: 'sklearn',
                  runtime: 'kserve-sklearnserver',
                  image: 'ghcr.io/acme/mlflow-serve:2',
                },
              },
              ...serving,
            },
          },
        },
      },
    }),
  )!;
  return new KubernetesServingTarget({
    kubeConfig: fake.kubeConfig(),
    settings,
  });
}

const writes = (fake: FakeKubeApiServer) =>
  fake.requests.filter(r => ['POST', 'PUT', 'DELETE'].includes(r.method));

describe('KubernetesServingTarget', () => {
  let fake: FakeKubeApiServer;

  beforeEach(async () => {
    fake = await FakeKubeApiServer.start();
  });

  afterEach(() => fake.close());

  describe('KServe mode', () => {
    const isvc = () => fake.objects.inferenceservices.get('fraud-scorer')!;
    /** KServe's controller: the latest spec is rolled out and Ready. */
    const rolledOut = () => {
      const { metadata } = isvc();
      isvc().status = {
        observedGeneration: metadata.generation,
        conditions: [{ type: 'Ready', status: 'True' }],
      };
    };

    it('creates one InferenceService for a version, field by field', async () => {
      await target(fake).apply(endpoint());

      const posts = fake.requests.filter(r => r.method === 'POST');
      expect(posts.map(r => r.path)).toEqual([
        '/apis/serving.kserve.io/v1beta1/namespaces/ml/inferenceservices',
      ]);
      const { apiVersion, kind, metadata, spec } = posts[0].body;
      expect(apiVersion).toBe('serving.kserve.io/v1beta1');
      expect(kind).toBe('InferenceService');
      expect(metadata.name).toBe('fraud-scorer');
      expect(metadata.namespace).toBe('ml');
      const ownerLabel = metadata.labels['ml.platform/owner'];
      expect(ownerLabel).toBe(toLabelValue(OWNER));
      expect(ownerLabel).toMatch(/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/);
      expect(metadata.labels).toMatchObject({
        'app.kubernetes.io/managed-by': 'ml-portal',
        'ml.platform/endpoint': 'fraud-scorer',
      });
      expect(metadata.annotations).toMatchObject({
        'ml.platform/owner': OWNER,
        'ml.platform/stable-deployment': 'fraud-scorer-v3',
      });
      expect(
        JSON.parse(metadata.annotations['ml.platform/deployments']),
      ).toEqual([
        { name: 'fraud-scorer-v3', weight: 100, model: 'fraud', version: '3' },
      ]);

      const { predictor } = spec;
      expect(predictor.minReplicas).toBe(2);
      expect(predictor.maxReplicas).toBe(10);
      expect(predictor.scaleMetric).toBe('concurrency');
      expect(predictor.scaleTarget).toBe(8);
      expect(predictor).not.toHaveProperty('canaryTrafficPercent');
      expect(predictor.serviceAccountName).toBe('model-server');
      expect(predictor.nodeSelector).toEqual({ 'ml.platform/pool': 'l4' });
      expect(predictor.tolerations).toEqual([
        { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
        { key: 'spot', operator: 'Equal', value: 'true', effect: 'NoExecute' },
      ]);
      expect(predictor.model.modelFormat).toEqual({ name: 'sklearn' });
      expect(predictor.model.runtime).toBe('kserve-sklearnserver');
      expect(predictor.model.storageUri).toBe('s3://models/fraud/3');
      expect(predictor.model.resources).toEqual({
        requests: { cpu: '1', memory: '2Gi', 'nvidia.com/gpu': '1' },
        limits: { memory: '2Gi', 'nvidia.com/gpu': '1' },
      });
    });

    it('serves a serverless CPU endpoint from zero, an unconfigured flavor as MLflow v2', async () => {
      await target(fake).apply(
        endpoint({
          kind: 'serverless',
          gpus: 0,
          pool: undefined,
          scaling: {
            minReplicas: 0,
            maxReplicas: 3,
            targetConcurrency: 4,
            scaleToZeroAfterSeconds: 300,
          },
          deployments: [version('3', 100, 'portal_logistic')],
        }),
      );

      const { metadata, spec } = isvc();
      expect(spec.predictor.minReplicas).toBe(0);
      expect(spec.predictor.maxReplicas).toBe(3);
      expect(spec.predictor.scaleTarget).toBe(4);
      expect(
        metadata.annotations[
          'autoscaling.knative.dev/scale-to-zero-pod-retention-period'
        ],
      ).toBe('300s');
      expect(spec.predictor.model.modelFormat).toEqual({ name: 'mlflow' });
      expect(spec.predictor.model.protocolVersion).toBe('v2');
      expect(spec.predictor.model.resources.limits).toEqual({
        memory: '2Gi',
      });
      expect(spec.predictor).not.toHaveProperty('nodeSelector');
      expect(spec.predictor).not.toHaveProperty('tolerations');
    });

    it('asks the API discovery once, and changes nothing when the same spec is applied again', async () => {
      const kserve = target(fake);
      await kserve.apply(endpoint());
      const { resourceVersion } = isvc().metadata;

      await kserve.apply(endpoint());
      rolledOut();
      await kserve.apply(endpoint());

      expect(writes(fake)).toHaveLength(1);
      expect(isvc().metadata.resourceVersion).toBe(resourceVersion);
      const discovery = fake.requests.filter(
        r => r.path === '/apis/serving.kserve.io/v1beta1',
      );
      expect(discovery).toHaveLength(1);
    });

    it('rolls a canary out against the rolled-out stable version, then promotes it', async () => {
      const kserve = target(fake);
      await kserve.apply(endpoint());
      rolledOut();
      const stableVersion = isvc().metadata.resourceVersion;

      await kserve.apply(
        endpoint({ deployments: [version('3', 90), version('4', 10)] }),
      );
      const puts = fake.requests.filter(r => r.method === 'PUT');
      expect(puts).toHaveLength(1);
      expect(puts[0].path).toBe(
        '/apis/serving.kserve.io/v1beta1/namespaces/ml/inferenceservices/fraud-scorer',
      );
      // Replaced with the version it read: a concurrent writer would get a 409.
      expect(puts[0].body.metadata.resourceVersion).toBe(stableVersion);
      expect(isvc().spec.predictor.model.storageUri).toBe(
        's3://models/fraud/4',
      );
      expect(isvc().spec.predictor.canaryTrafficPercent).toBe(10);
      expect(isvc().metadata.annotations).toMatchObject({
        'ml.platform/stable-deployment': 'fraud-scorer-v3',
        'ml.platform/canary-deployment': 'fraud-scorer-v4',
      });

      // While the canary starts, the same spec again keeps it.
      await kserve.apply(
        endpoint({ deployments: [version('3', 90), version('4', 10)] }),
      );
      expect(fake.requests.filter(r => r.method === 'PUT')).toHaveLength(1);

      await kserve.apply(endpoint({ deployments: [version('4', 100)] }));
      const { spec, metadata } = isvc();
      expect(spec.predictor).not.toHaveProperty('canaryTrafficPercent');
      expect(spec.predictor.model.storageUri).toBe('s3://models/fraud/4');
      expect(metadata.annotations['ml.platform/stable-deployment']).toBe(
        'fraud-scorer-v4',
      );
      expect(metadata.annotations).not.toHaveProperty(
        'ml.platform/canary-deployment',
      );
    });

    it('applies the stable version alone first when a canary comes with a new endpoint', async () => {
      const kserve = target(fake);
      const canary = endpoint({
        deployments: [version('3', 90), version('4', 10)],
      });
      await kserve.apply(canary);

      expect(isvc().spec.predictor.model.storageUri).toBe(
        's3://models/fraud/3',
      );
      expect(isvc().spec.predictor).not.toHaveProperty('canaryTrafficPercent');
      const pending = await kserve.status('fraud-scorer');
      expect(pending.state).toBe('updating');
      expect(pending.deployments[1]).toEqual({
        name: 'fraud-scorer-v4',
        state: 'starting',
        reason: expect.stringContaining('once fraud-scorer-v3 is rolled out'),
      });

      rolledOut();
      await kserve.apply(canary);
      expect(isvc().spec.predictor.model.storageUri).toBe(
        's3://models/fraud/4',
      );
      expect(isvc().spec.predictor.canaryTrafficPercent).toBe(10);
    });

    it('reports Ready, the URL and the traffic of each deployment', async () => {
      const kserve = target(fake);
      await kserve.apply(endpoint());
      rolledOut();
      await kserve.apply(
        endpoint({ deployments: [version('3', 90), version('4', 10)] }),
      );
      const { metadata } = isvc();
      const url = 'http://fraud-scorer.ml.example.com';
      isvc().status = {
        observedGeneration: metadata.generation,
        url,
        conditions: [{ type: 'Ready', status: 'True' }],
        components: {
          predictor: {
            latestCreatedRevision: 'fraud-scorer-predictor-00002',
            latestReadyRevision: 'fraud-scorer-predictor-00002',
            latestRolledoutRevision: 'fraud-scorer-predictor-00001',
            traffic: [
              {
                tag: 'latest',
                revisionName: 'fraud-scorer-predictor-00002',
                percent: 10,
                latestRevision: true,
              },
              {
                tag: 'prev',
                revisionName: 'fraud-scorer-predictor-00001',
                percent: 90,
                latestRevision: false,
              },
            ],
          },
        },
      };

      expect(await kserve.status('fraud-scorer')).toEqual({
        state: 'ready',
        url,
        deployments: [
          { name: 'fraud-scorer-v3', state: 'ready', reason: '90% of traffic' },
          { name: 'fraud-scorer-v4', state: 'ready', reason: '10% of traffic' },
        ],
      });

      isvc().status.conditions = [
        {
          type: 'Ready',
          status: 'False',
          reason: 'RevisionMissing',
          message: 'Configuration is waiting for a Revision to become ready.',
        },
      ];
      isvc().status.components.predictor.latestCreatedRevision =
        'fraud-scorer-predictor-00003';
      expect(await kserve.status('fraud-scorer')).toMatchObject({
        state: 'updating',
        reason: 'Configuration is waiting for a Revision to become ready.',
        deployments: [
          { name: 'fraud-scorer-v3', state: 'ready' },
          { name: 'fraud-scorer-v4', state: 'starting' },
        ],
      });

      isvc().status.modelStatus = {
        transitionStatus: 'BlockedByFailedLoad',
        lastFailureInfo: {
          reason: 'ModelLoadFailed',
          message: 'No such file: s3://models/fraud/4/MLmodel',
        },
      };
      expect(await kserve.status('fraud-scorer')).toMatchObject({
        state: 'failed',
        reason: 'fraud-scorer-v4: No such file: s3://models/fraud/4/MLmodel',
        deployments: [
          { name: 'fraud-scorer-v3', state: 'ready' },
          {
            name: 'fraud-scorer-v4',
            state: 'failed',
            reason: 'No such file: s3://models/fraud/4/MLmodel',
          },
        ],
      });
    });

    it('in KServe Standard mode (no Knative traffic), takes Ready for the deployment', async () => {
      const kserve = target(fake);
      await kserve.apply(endpoint());
      expect(await kserve.status('fraud-scorer')).toEqual({
        state: 'updating',
        deployments: [{ name: 'fraud-scorer-v3', state: 'starting' }],
      });

      rolledOut();
      expect(await kserve.status('fraud-scorer')).toEqual({
        state: 'ready',
        deployments: [{ name: 'fraud-scorer-v3', state: 'ready' }],
      });
    });

    it('removes the InferenceService; removing again, or status afterwards, finds nothing', async () => {
      const kserve = target(fake);
      await kserve.apply(endpoint());

      await kserve.remove('fraud-scorer');
      expect(fake.objects.inferenceservices.size).toBe(0);
      const deletes = fake.requests.filter(r => r.method === 'DELETE');
      expect(deletes.map(r => r.path)).toEqual([
        '/apis/serving.kserve.io/v1beta1/namespaces/ml/inferenceservices/fraud-scorer',
      ]);

      await expect(kserve.remove('fraud-scorer')).resolves.toBeUndefined();
      expect(await kserve.status('fraud-scorer')).toEqual({
        state: 'not-found',
        reason: 'no InferenceService ml/fraud-scorer',
        deployments: [],
      });
    });

    it('neither overwrites nor removes an InferenceService the portal did not create', async () => {
      const foreign = {
        apiVersion: 'serving.kserve.io/v1beta1',
        kind: 'InferenceService',
        metadata: { name: 'fraud-scorer', resourceVersion: '1', labels: {} },
        spec: { predictor: { model: { storageUri: 's3://theirs' } } },
      };
      fake.objects.inferenceservices.set('fraud-scorer', foreign);
      const kserve = target(fake);

      await expect(kserve.apply(endpoint())).rejects.toThrow(ConflictError);
      await kserve.remove('fraud-scorer');
      expect(fake.objects.inferenceservices.get('fraud-scorer')).toBe(foreign);
      expect(writes(fake)).toEqual([]);
    });

    it('rejects what one InferenceService cannot hold', async () => {
      const kserve = target(fake);
      await expect(
        kserve.apply(
          endpoint({
            deployments: [version('2', 80), version('3', 10), version('4', 10)],
          }),
        ),
      ).rejects.toThrow(InputError);
      await expect(
        kserve.apply(
          endpoint({ deployments: [version('3', 90), version('4', 20)] }),
        ),
      ).rejects.toThrow('integers adding to 100');
      expect(writes(fake)).toEqual([]);
    });
  });

  describe('deployment mode', () => {
    beforeEach(() => {
      fake.kserve = false;
    });

    const canary = () =>
      endpoint({ deployments: [version('3', 90), version('4', 10)] });

    it('without KServe, creates per deployment a Deployment and an HPA, and one Service', async () => {
      await target(fake).apply(canary());

      const { deployments, horizontalpodautoscalers, services } = fake.objects;
      expect([...deployments.keys()]).toEqual([
        'fraud-scorer-v3',
        'fraud-scorer-v4',
      ]);
      const stable = deployments.get('fraud-scorer-v3')!;
      expect(stable.metadata.labels).toMatchObject({
        'ml.platform/endpoint': 'fraud-scorer',
        'ml.platform/deployment': 'fraud-scorer-v3',
        'ml.platform/owner': toLabelValue(OWNER),
      });
      // HPA minimum: 90% of 2 replicas.
      expect(stable.spec.replicas).toBe(2);
      expect(stable.spec.selector.matchLabels).toEqual({
        'ml.platform/endpoint': 'fraud-scorer',
        'ml.platform/deployment': 'fraud-scorer-v3',
      });
      const pod = stable.spec.template;
      expect(pod.metadata.labels['ml.platform/deployment']).toBe(
        'fraud-scorer-v3',
      );
      expect(pod.spec.serviceAccountName).toBe('model-server');
      expect(pod.spec.nodeSelector).toEqual({ 'ml.platform/pool': 'l4' });
      expect(pod.spec.tolerations).toHaveLength(2);
      const [container] = pod.spec.containers;
      expect(container.image).toBe('ghcr.io/acme/mlflow-serve:2');
      expect(container.env).toContainEqual({
        name: 'MODEL_URI',
        value: 's3://models/fraud/3',
      });
      expect(container.ports).toEqual([{ name: 'http', containerPort: 8080 }]);
      expect(container.readinessProbe.httpGet).toEqual({
        path: '/ping',
        port: 'http',
      });
      expect(container.resources.limits['nvidia.com/gpu']).toBe('1');
      expect(deployments.get('fraud-scorer-v4')!.spec.replicas).toBe(1);

      const hpa = horizontalpodautoscalers.get('fraud-scorer-v3')!;
      expect(hpa.apiVersion).toBe('autoscaling/v2');
      expect(hpa.spec.scaleTargetRef).toEqual({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'fraud-scorer-v3',
      });
      expect(hpa.spec.minReplicas).toBe(2);
      expect(hpa.spec.maxReplicas).toBe(9);
      expect(hpa.spec.metrics).toEqual([
        {
          type: 'Resource',
          resource: {
            name: 'cpu',
            target: { type: 'Utilization', averageUtilization: 70 },
          },
        },
      ]);
      const canaryHpa = horizontalpodautoscalers.get('fraud-scorer-v4')!;
      expect(canaryHpa.spec).toMatchObject({ minReplicas: 1, maxReplicas: 1 });

      const service = services.get('fraud-scorer')!;
      expect(service.spec.selector).toEqual({
        'ml.platform/endpoint': 'fraud-scorer',
      });
      expect(service.spec.ports).toEqual([
        { name: 'http', port: 80, targetPort: 'http' },
      ]);
    });

    it('scales on requests in flight where a pods metric is configured', async () => {
      await target(fake, {
        mode: 'deployment',
        concurrencyMetric: 'mlserver_requests_in_flight',
      }).apply(endpoint());

      expect(fake.requests.map(r => r.path)).not.toContain(
        '/apis/serving.kserve.io/v1beta1',
      );
      const hpa = fake.objects.horizontalpodautoscalers.get('fraud-scorer-v3')!;
      expect(hpa.spec.metrics).toEqual([
        {
          type: 'Pods',
          pods: {
            metric: { name: 'mlserver_requests_in_flight' },
            target: { type: 'AverageValue', averageValue: '8' },
          },
        },
      ]);
    });

    it('changes nothing on the same spec; a promotion drops the old version and keeps live replicas', async () => {
      const plain = target(fake);
      await plain.apply(canary());
      const created = writes(fake).length;
      await plain.apply(canary());
      expect(writes(fake)).toHaveLength(created);

      // The HPA scaled the canary up meanwhile.
      fake.objects.deployments.get('fraud-scorer-v4')!.spec.replicas = 3;
      await plain.apply(endpoint({ deployments: [version('4', 100)] }));

      const { deployments, horizontalpodautoscalers } = fake.objects;
      expect([...deployments.keys()]).toEqual(['fraud-scorer-v4']);
      expect([...horizontalpodautoscalers.keys()]).toEqual(['fraud-scorer-v4']);
      expect(deployments.get('fraud-scorer-v4')!.spec.replicas).toBe(3);
      expect(
        horizontalpodautoscalers.get('fraud-scorer-v4')!.spec,
      ).toMatchObject({ minReplicas: 2, maxReplicas: 10 });
    });

    it('reports each deployment from its Deployment, and says the split is approximate', async () => {
      const plain = target(fake);
      await plain.apply(canary());
      const { deployments } = fake.objects;
      for (const d of deployments.values()) {
        d.status = {
          observedGeneration: d.metadata.generation,
          replicas: d.spec.replicas,
          updatedReplicas: d.spec.replicas,
          readyReplicas: d.spec.replicas,
        };
      }

      expect(await plain.status('fraud-scorer')).toEqual({
        state: 'ready',
        reason:
          'traffic split 90/10 approximated by replica counts (no service mesh)',
        url: 'http://fraud-scorer.ml.svc.cluster.local',
        deployments: [
          { name: 'fraud-scorer-v3', state: 'ready', replicas: 2 },
          { name: 'fraud-scorer-v4', state: 'ready', replicas: 1 },
        ],
      });

      deployments.get('fraud-scorer-v4')!.status = {
        readyReplicas: 0,
        conditions: [
          {
            type: 'Progressing',
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
            message:
              'ReplicaSet "fraud-scorer-v4-7d9f" has timed out progressing.',
          },
        ],
      };
      const failed = await plain.status('fraud-scorer');
      expect(failed.state).toBe('failed');
      expect(failed.reason).toContain('fraud-scorer-v4: ReplicaSet');
      expect(failed.deployments[1]).toMatchObject({ state: 'failed' });
    });

    it('removes the Service, Deployments and HPAs; removing again is fine', async () => {
      const plain = target(fake);
      await plain.apply(canary());

      await plain.remove('fraud-scorer');
      for (const store of Object.values(fake.objects)) {
        expect(store.size).toBe(0);
      }
      await expect(plain.remove('fraud-scorer')).resolves.toBeUndefined();
      expect(await plain.status('fraud-scorer')).toMatchObject({
        state: 'not-found',
        deployments: [],
      });
    });

    it('needs a model server image', async () => {
      await expect(
        target(fake, { flavors: {} }).apply(endpoint()),
      ).rejects.toThrow('No model server image for fraud version 3');
      expect(writes(fake)).toEqual([]);
    });
  });
});
