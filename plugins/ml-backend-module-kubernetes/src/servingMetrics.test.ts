import { ConfigReader } from '@backstage/config';
import { EndpointSpec } from '@ml-portal/plugin-ml-node';
import {
  sampleEndpointSpec,
  sampleServingDeployment,
} from '@ml-portal/plugin-ml-node/testUtils';
import { FakeKubeApiServer } from './__testUtils__/fakeKubeApiServer';
import { KubernetesServingTarget } from './KubernetesServingTarget';
import { readKubernetesServingSettings } from './servingConfig';

function version(v: string, weight: number) {
  return sampleServingDeployment(v, weight, {
    artifactUri: `s3://models/fraud/${v}`,
    flavor: 'sklearn',
  });
}

function endpoint(deployments = [version('3', 100)]): EndpointSpec {
  return sampleEndpointSpec({
    owner: 'group:default/risk-team',
    scaling: { minReplicas: 1, maxReplicas: 4, targetConcurrency: 8 },
    deployments,
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
              flavors: {
                sklearn: {
                  modelFormat: 'sklearn',
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

/** A pod as the kubelet reports it. */
function addPod(
  fake: FakeKubeApiServer,
  name: string,
  labels: Record<string, string>,
  status: { phase: string; podIP?: string },
  annotations: Record<string, string> = {},
) {
  fake.pods.set(name, {
    metadata: { name, namespace: 'ml', labels, annotations },
    spec: { containers: [] },
    status,
  });
}

describe('KubernetesServingTarget.metricsSource', () => {
  let fake: FakeKubeApiServer;

  beforeEach(async () => {
    fake = await FakeKubeApiServer.start();
  });

  afterEach(() => fake.close());

  it("reads each running pod of a KServe canary's and its stable revision", async () => {
    const kserve = target(fake);
    await kserve.apply(endpoint());
    const isvc = fake.objects.inferenceservices.get('fraud-scorer')!;
    isvc.status = {
      observedGeneration: isvc.metadata.generation,
      conditions: [{ type: 'Ready', status: 'True' }],
    };
    await kserve.apply(endpoint([version('3', 90), version('4', 10)]));
    const revision = (n: number) => `fraud-scorer-predictor-0000${n}`;
    fake.objects.inferenceservices.get('fraud-scorer')!.status.components = {
      predictor: {
        traffic: [
          { revisionName: revision(2), percent: 10, latestRevision: true },
          { revisionName: revision(1), percent: 90, latestRevision: false },
        ],
      },
    };
    const revisionLabel = (n: number) => ({
      'serving.knative.dev/revision': revision(n),
    });
    // The runtime declares its metrics port (TorchServe's 8082) on the stable pods.
    const torchserve = {
      'prometheus.kserve.io/port': '8082',
      'prometheus.kserve.io/path': '/metrics',
    };
    addPod(
      fake,
      'stable-a',
      revisionLabel(1),
      { phase: 'Running', podIP: '10.1.0.4' },
      torchserve,
    );
    addPod(
      fake,
      'stable-b',
      revisionLabel(1),
      { phase: 'Running', podIP: '10.1.0.5' },
      torchserve,
    );
    addPod(fake, 'canary-a', revisionLabel(2), {
      phase: 'Running',
      podIP: '10.1.0.9',
    });
    addPod(fake, 'canary-b', revisionLabel(2), { phase: 'Pending' });

    expect(
      await kserve.metricsSource('fraud-scorer', version('4', 10).name),
    ).toEqual({ kind: 'prometheus', urls: ['http://10.1.0.9:8080/metrics'] });
    expect(
      await kserve.metricsSource('fraud-scorer', version('3', 90).name),
    ).toEqual({
      kind: 'prometheus',
      urls: ['http://10.1.0.4:8082/metrics', 'http://10.1.0.5:8082/metrics'],
    });
    expect(
      fake.requests
        .filter(r => r.path === '/api/v1/namespaces/ml/pods')
        .map(r => r.query.get('labelSelector')),
    ).toEqual([
      `serving.knative.dev/revision=${revision(2)}`,
      `serving.knative.dev/revision=${revision(1)}`,
    ]);
    expect(await kserve.metricsSource('other', 'other-v1')).toBeUndefined();
  });

  it('fills the configured URL per pod of a deployment-mode deployment', async () => {
    fake.kserve = false;
    const plain = target(fake, {
      mode: 'deployment',
      metricsUrl: 'http://{podIP}:9090/stats/prometheus?pod={pod}',
    });
    await plain.apply(endpoint());
    const name = version('3', 100).name;
    addPod(
      fake,
      'fraud-1',
      { 'ml.platform/deployment': name },
      { phase: 'Running', podIP: '10.2.0.1' },
    );
    addPod(
      fake,
      'other-1',
      { 'ml.platform/deployment': 'other' },
      { phase: 'Running', podIP: '10.2.0.2' },
    );

    expect(await plain.metricsSource('fraud-scorer', name)).toEqual({
      kind: 'prometheus',
      urls: ['http://10.2.0.1:9090/stats/prometheus?pod=fraud-1'],
    });
  });

  it('uses a URL naming no pod as it is, and refuses a template that is no URL', async () => {
    fake.kserve = false;
    const plain = target(fake, {
      mode: 'deployment',
      metricsUrl: 'http://fraud-metrics.{namespace}.svc:9090/metrics',
    });
    expect(
      await plain.metricsSource('fraud-scorer', version('3', 100).name),
    ).toEqual({
      kind: 'prometheus',
      urls: ['http://fraud-metrics.ml.svc:9090/metrics'],
    });
    expect(() => target(fake, { metricsUrl: '{podIP}:9090' })).toThrow(
      /metricsUrl must be an http\(s\) URL/,
    );
  });
});
