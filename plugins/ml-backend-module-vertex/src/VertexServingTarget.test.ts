import { protos } from '@google-cloud/aiplatform';
import { ConfigReader } from '@backstage/config';
import { InputError, ServiceUnavailableError } from '@backstage/errors';
import { EndpointSpec, ServingDeployment } from '@ml-portal/plugin-ml-node';
import {
  sampleEndpointSpec,
  sampleServingDeployment,
} from '@ml-portal/plugin-ml-node/testUtils';
import { useFakeVertexServer } from './__testUtils__/fakeVertexServer';
import { vertexServingConfig } from './__testUtils__/servingConfig';
import { readVertexServingSettings } from './servingConfig';
import { toVertexEndpointId, VertexServingTarget } from './VertexServingTarget';

const { AcceleratorType } = protos.google.cloud.aiplatform.v1;
const PARENT = 'projects/ml-serving-prod/locations/europe-west4';
const ENDPOINT = `${PARENT}/endpoints/fraud-scorer`;
const PYFUNC_IMAGE =
  'europe-docker.pkg.dev/ml-serving-prod/serving/mlflow-pyfunc:2.17';

const deployment = (version: string, weight: number) =>
  sampleServingDeployment(version, weight, {
    artifactUri: `gs://ml-models/fraud/${version}`,
  });

const spec = (
  deployments: ServingDeployment[],
  overrides: Partial<EndpointSpec> = {},
) =>
  sampleEndpointSpec({
    instanceType: 'n1-standard-4',
    scaling: { minReplicas: 1, maxReplicas: 3, targetConcurrency: 8 },
    deployments,
    ...overrides,
  });

describe('VertexServingTarget', () => {
  const server = useFakeVertexServer();
  let target: VertexServingTarget;

  const create = (
    extra: Record<string, unknown> = {},
    options: { removeWaitMs?: number } = {},
  ) =>
    VertexServingTarget.create({
      ...options,
      settings: readVertexServingSettings(
        new ConfigReader(
          vertexServingConfig({
            apiEndpoint: server().endpoint,
            images: { python_function: PYFUNC_IMAGE },
            acceleratorType: 'NVIDIA_L4',
            serviceAccount:
              'ml-serving@ml-serving-prod.iam.gserviceaccount.com',
            ...extra,
          }),
        ),
      )!,
      pollIntervalMs: 5,
    });
  /** The operations the target called since `from`, without reads. */
  const mutations = (from = 0) =>
    server()
      .calls.slice(from)
      .map(c => c.operation)
      .filter(op => !/^(Get|List)/.test(op));
  const callOf = (operation: string, index = 0) =>
    server().calls.filter(c => c.operation === operation)[index];
  /** A stable and a canary, deployed over the two applies it takes. */
  const applyCanary = async () => {
    await target.apply(spec([deployment('3', 100)]));
    await target.apply(spec([deployment('3', 90), deployment('4', 10)]));
  };
  const deployedIds = () =>
    Object.fromEntries(
      server()
        .serving.endpoints.get(ENDPOINT)!
        .deployedModels.map((d: any) => [d.displayName, d.id]),
    );

  beforeEach(() => {
    target = create();
  });

  afterEach(() => target.destroy());

  it('creates the endpoint, uploads the model and deploys it with all the traffic', async () => {
    await target.apply(spec([deployment('3', 100)]));

    expect(mutations()).toEqual([
      'CreateEndpoint',
      'UploadModel',
      'DeployModel',
    ]);
    expect(callOf('CreateEndpoint')).toMatchObject({
      path: `/v1/${PARENT}/endpoints`,
      query: { endpointId: 'fraud-scorer' },
      body: {
        displayName: 'fraud-scorer',
        labels: {
          ml_portal_endpoint: 'fraud-scorer',
          ml_portal_owner: expect.stringMatching(
            /^group-default-risk-[0-9a-f]{8}$/,
          ),
          ml_portal_kind: 'real-time',
        },
      },
    });
    const upload = callOf('UploadModel');
    expect(upload.path).toBe(`/v1/${PARENT}/models:upload`);
    expect(upload.body.model).toEqual({
      displayName: 'fraud-scorer-v3',
      artifactUri: 'gs://ml-models/fraud/3',
      containerSpec: {
        imageUri: PYFUNC_IMAGE,
        predictRoute: '/invocations',
        healthRoute: '/ping',
        ports: [{ containerPort: 8080 }],
      },
      labels: {
        ml_portal_endpoint: 'fraud-scorer',
        ml_portal_owner: expect.any(String),
        ml_portal_kind: 'real-time',
        ml_portal_deployment: 'fraud-scorer-v3',
      },
    });
    const [modelName] = server().serving.models.keys();
    const deploy = callOf('DeployModel');
    expect(deploy.path).toBe(`/v1/${ENDPOINT}:deployModel`);
    expect(deploy.body).toEqual({
      deployedModel: {
        model: modelName,
        displayName: 'fraud-scorer-v3',
        dedicatedResources: {
          machineSpec: { machineType: 'n1-standard-4' },
          minReplicaCount: 1,
          maxReplicaCount: 3,
        },
        serviceAccount: 'ml-serving@ml-serving-prod.iam.gserviceaccount.com',
        systemLabels: {},
      },
      trafficSplit: { '0': 100 },
    });
    const endpoint = server().serving.endpoints.get(ENDPOINT)!;
    expect(endpoint.trafficSplit).toEqual({
      [deployedIds()['fraud-scorer-v3']]: 100,
    });
  });

  it('deploys a canary 90/10 in one call that sets the split, and sends accelerators for GPUs', async () => {
    await target.apply(spec([deployment('3', 100)], { gpus: 1 }));
    const stableId = deployedIds()['fraud-scorer-v3'];
    const before = server().calls.length;

    await target.apply(
      spec([deployment('3', 90), deployment('4', 10)], { gpus: 1 }),
    );

    expect(mutations(before)).toEqual(['UploadModel', 'DeployModel']);
    const deploy = callOf('DeployModel', 1).body;
    expect(deploy.trafficSplit).toEqual({ [stableId]: 90, '0': 10 });
    expect(deploy.deployedModel.dedicatedResources.machineSpec).toEqual({
      machineType: 'n1-standard-4',
      // The REST transport sends enums as numbers.
      acceleratorType: AcceleratorType.NVIDIA_L4,
      acceleratorCount: 1,
    });
    const ids = deployedIds();
    expect(server().serving.endpoints.get(ENDPOINT)!.trafficSplit).toEqual({
      [ids['fraud-scorer-v3']]: 90,
      [ids['fraud-scorer-v4']]: 10,
    });
  });

  it('changes weights with UpdateEndpoint only, and does nothing when the spec is applied again', async () => {
    await applyCanary();
    const ids = deployedIds();
    const before = server().calls.length;

    await target.apply(spec([deployment('3', 50), deployment('4', 50)]));

    expect(mutations(before)).toEqual(['UpdateEndpoint']);
    expect(callOf('UpdateEndpoint')).toMatchObject({
      path: `/v1/${ENDPOINT}`,
      query: { updateMask: 'traffic_split' },
      body: {
        trafficSplit: {
          [ids['fraud-scorer-v3']]: 50,
          [ids['fraud-scorer-v4']]: 50,
        },
      },
    });
    const again = server().calls.length;
    await target.apply(spec([deployment('3', 50), deployment('4', 50)]));
    expect(mutations(again)).toEqual([]);
  });

  it('undeploys a deployment the spec no longer lists, moving its traffic first', async () => {
    await applyCanary();
    const ids = deployedIds();
    const before = server().calls.length;

    await target.apply(spec([deployment('4', 100)]));

    expect(mutations(before)).toEqual(['UndeployModel']);
    expect(callOf('UndeployModel')).toMatchObject({
      path: `/v1/${ENDPOINT}:undeployModel`,
      body: {
        deployedModelId: ids['fraud-scorer-v3'],
        trafficSplit: { [ids['fraud-scorer-v4']]: 100 },
      },
    });
    expect(Object.keys(deployedIds())).toEqual(['fraud-scorer-v4']);
  });

  it('promotes in two applies: deploy with all the traffic, then undeploy the old model', async () => {
    await target.apply(spec([deployment('3', 100)]));
    const before = server().calls.length;
    server().serving.holdOperations('DeployModel');

    await target.apply(spec([deployment('4', 100)]));
    expect(mutations(before)).toEqual(['UploadModel', 'DeployModel']);
    expect(callOf('DeployModel', 1).body.trafficSplit).toEqual({ '0': 100 });
    expect(await target.status('fraud-scorer')).toMatchObject({
      state: 'updating',
    });

    // While the deploy runs, a replayed apply changes nothing.
    await target.apply(spec([deployment('4', 100)]));
    expect(mutations(before)).toEqual(['UploadModel', 'DeployModel']);

    server().serving.finishOperations();
    await target.apply(spec([deployment('4', 100)]));
    expect(mutations(before)).toEqual([
      'UploadModel',
      'DeployModel',
      'UndeployModel',
    ]);
    expect(Object.keys(deployedIds())).toEqual(['fraud-scorer-v4']);
    await target.apply(spec([deployment('4', 100)]));
    expect(mutations(before)).toHaveLength(3);
  });

  it('deploys a first canary spec over two applies, the split right at each step', async () => {
    await target.apply(spec([deployment('3', 90), deployment('4', 10)]));
    expect(mutations()).toEqual([
      'CreateEndpoint',
      'UploadModel',
      'DeployModel',
    ]);
    // Only the stable one is deployed: it takes all the traffic until the canary is.
    expect(callOf('DeployModel').body.trafficSplit).toEqual({ '0': 100 });

    await target.apply(spec([deployment('3', 90), deployment('4', 10)]));
    const ids = deployedIds();
    expect(callOf('DeployModel', 1).body.trafficSplit).toEqual({
      [ids['fraud-scorer-v3']]: 90,
      '0': 10,
    });
    expect(server().serving.endpoints.get(ENDPOINT)!.trafficSplit).toEqual({
      [ids['fraud-scorer-v3']]: 90,
      [ids['fraud-scorer-v4']]: 10,
    });
  });

  it('resizes a deployment whose replica counts changed, with MutateDeployedModel', async () => {
    await target.apply(spec([deployment('3', 100)]));
    const before = server().calls.length;

    await target.apply(
      spec([deployment('3', 100)], {
        scaling: { minReplicas: 2, maxReplicas: 6, targetConcurrency: 8 },
      }),
    );

    expect(mutations(before)).toEqual(['MutateDeployedModel']);
    expect(callOf('MutateDeployedModel').body).toMatchObject({
      deployedModel: {
        id: deployedIds()['fraud-scorer-v3'],
        dedicatedResources: { minReplicaCount: 2, maxReplicaCount: 6 },
      },
      updateMask:
        'dedicated_resources.min_replica_count,dedicated_resources.max_replica_count',
    });
  });

  it('reuses a model uploaded before when it deploys again', async () => {
    await target.apply(spec([deployment('3', 100)]));
    await target.remove('fraud-scorer');
    const before = server().calls.length;

    await target.apply(spec([deployment('3', 100)]));

    expect(mutations(before)).toEqual(['CreateEndpoint', 'DeployModel']);
    expect(server().serving.models.size).toBe(1);
  });

  it('keeps one replica for serverless endpoints and says why in status', async () => {
    await target.apply(
      spec([deployment('3', 100)], {
        kind: 'serverless',
        scaling: {
          minReplicas: 0,
          maxReplicas: 2,
          targetConcurrency: 4,
          scaleToZeroAfterSeconds: 300,
        },
      }),
    );

    expect(
      callOf('DeployModel').body.deployedModel.dedicatedResources,
    ).toMatchObject({ minReplicaCount: 1, maxReplicaCount: 2 });
    const status = await target.status('fraud-scorer');
    expect(status.state).toBe('ready');
    expect(status.reason).toMatch(/does not scale to zero/);
  });

  it('reports deployed models with their traffic, operations in flight, failures and missing endpoints', async () => {
    expect(await target.status('fraud-scorer')).toEqual({
      state: 'not-found',
      reason: 'no such Vertex AI endpoint',
      deployments: [],
    });

    await applyCanary();
    expect(await target.status('fraud-scorer')).toEqual({
      state: 'ready',
      url: `${server().endpoint}/v1/${ENDPOINT}:rawPredict`,
      deployments: [
        {
          name: 'fraud-scorer-v3',
          state: 'ready',
          replicas: 1,
          reason: '90% of traffic',
        },
        {
          name: 'fraud-scorer-v4',
          state: 'ready',
          replicas: 1,
          reason: '10% of traffic',
        },
      ],
    });

    server().serving.holdOperations();
    await target.apply(spec([deployment('4', 100)]));
    expect(await target.status('fraud-scorer')).toMatchObject({
      state: 'updating',
      reason: '1 Vertex AI operation(s) running on the endpoint',
    });
    server().serving.finishOperations();

    await target.remove('fraud-scorer');
    server().serving.failNextOperation(
      'DeployModel',
      'Model server never became ready',
    );
    await target.apply(spec([deployment('3', 100)]));
    expect(await target.status('fraud-scorer')).toMatchObject({
      state: 'failed',
      reason: 'Model server never became ready',
      deployments: [],
    });
  });

  it('removes the endpoint after undeploying its models, and succeeds when it is gone', async () => {
    await applyCanary();
    const ids = deployedIds();
    const before = server().calls.length;

    await target.remove('fraud-scorer');

    expect(mutations(before)).toEqual([
      'UndeployModel',
      'UndeployModel',
      'DeleteEndpoint',
    ]);
    expect(callOf('UndeployModel', 0).body).toEqual({
      deployedModelId: ids['fraud-scorer-v3'],
      trafficSplit: { [ids['fraud-scorer-v4']]: 100 },
    });
    expect(callOf('UndeployModel', 1).body).toEqual({
      deployedModelId: ids['fraud-scorer-v4'],
      // The last model: nothing is left to take traffic.
      trafficSplit: {},
    });
    expect(callOf('DeleteEndpoint').path).toBe(`/v1/${ENDPOINT}`);
    expect(server().serving.endpoints.has(ENDPOINT)).toBe(false);
    await expect(target.remove('fraud-scorer')).resolves.toBeUndefined();
    expect(await target.status('fraud-scorer')).toMatchObject({
      state: 'not-found',
    });
  });

  it('goes on removing in the background after removeWaitMs, and throws what failed before', async () => {
    await applyCanary();
    await target.destroy();
    target = create({}, { removeWaitMs: 0 });
    server().serving.holdOperations('UndeployModel');

    await target.remove('fraud-scorer');
    // Returned while the first undeploy is still held.
    await waitFor(() => mutations().slice(-1)[0] === 'UndeployModel');
    expect(
      server().serving.endpoints.get(ENDPOINT)!.deployedModels,
    ).toHaveLength(2);

    server().serving.finishOperations();
    await waitFor(() => !server().serving.endpoints.has(ENDPOINT));
    expect(mutations().slice(-3)).toEqual([
      'UndeployModel',
      'UndeployModel',
      'DeleteEndpoint',
    ]);

    await target.destroy();
    target = create();
    await applyCanary();
    server().failNext(
      'UndeployModel',
      'PERMISSION_DENIED',
      'Permission denied.',
    );
    await expect(target.remove('fraud-scorer')).rejects.toThrow(
      /UndeployModel for fraud-scorer failed: PERMISSION_DENIED/,
    );
  });

  it('refuses specs Vertex AI cannot serve before changing anything', async () => {
    const cases: Array<[EndpointSpec, RegExp]> = [
      [
        spec([
          {
            ...deployment('3', 100),
            model: { ...deployment('3', 100).model, artifactUri: 's3://b/m' },
          },
        ]),
        /gs:\/\//,
      ],
      [
        spec([
          {
            ...deployment('3', 100),
            model: { ...deployment('3', 100).model, flavor: 'onnx' },
          },
        ]),
        /images\.onnx/,
      ],
      [
        spec([deployment('3', 100)], { instanceType: undefined }),
        /machineType/,
      ],
    ];
    for (const [bad, message] of cases) {
      const failure = target.apply(bad);
      await expect(failure).rejects.toThrow(InputError);
      await expect(failure).rejects.toThrow(message);
    }
    const noGpuType = create({ acceleratorType: undefined });
    await expect(
      noGpuType.apply(spec([deployment('3', 100)], { gpus: 2 })),
    ).rejects.toThrow(/acceleratorType/);
    await noGpuType.destroy();
    expect(mutations()).toEqual([]);
  });

  it('gives up waiting for the endpoint at the operation timeout, leaving the work to a later apply', async () => {
    await target.destroy();
    target = create({ operationTimeoutSeconds: 1 });
    server().serving.holdOperations('CreateEndpoint');

    await expect(target.apply(spec([deployment('3', 100)]))).rejects.toThrow(
      ServiceUnavailableError,
    );
    server().serving.finishOperations();
    await target.apply(spec([deployment('3', 100)]));
    expect(mutations()).toEqual([
      'CreateEndpoint',
      'UploadModel',
      'DeployModel',
    ]);
  });
});

describe('toVertexEndpointId', () => {
  it('keeps names Vertex accepts and makes the others start with a letter', () => {
    expect(toVertexEndpointId('fraud-scorer')).toBe('fraud-scorer');
    expect(toVertexEndpointId('7-eleven')).toMatch(/^e7-eleven-[0-9a-f]{8}$/);
    expect(toVertexEndpointId('7-eleven')).not.toBe(
      toVertexEndpointId('7-elevem'),
    );
  });
});

/** Polls `condition` until it holds, failing after five seconds. */
async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise(resolve => setTimeout(resolve, 5));
  }
}
