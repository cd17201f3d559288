import { TokenCredential } from '@azure/core-auth';
import { InputError } from '@backstage/errors';
import { EndpointSpec, ServingDeployment } from '@ml-portal/plugin-ml-node';
import {
  sampleEndpointSpec,
  sampleServingDeployment,
} from '@ml-portal/plugin-ml-node/testUtils';
import {
  FakeAzureMlServer,
  startFakeAzureMlServer,
} from './__testUtils__/fakeAzureMlServer';
import {
  AzureMlServingTarget,
  toAzureMlOnlineName,
} from './AzureMlServingTarget';
import { AzureMlServingSettings } from './servingConfig';

const workspaceId =
  '/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/ml-rg/providers/Microsoft.MachineLearningServices/workspaces/ml-ws';
const ENDPOINT = `${workspaceId}/onlineEndpoints/fraud-scorer`;
const PYFUNC_ENV = 'azureml:mlflow-pyfunc-serving:4';

const credential: TokenCredential = {
  getToken: async () => ({
    token: 'fixed-token',
    expiresOnTimestamp: Date.now() + 3600_000,
  }),
};

const deployment = (version: string, weight: number) =>
  sampleServingDeployment(version, weight, {
    artifactUri: `azureml://datastores/workspaceblobstore/paths/models/fraud/${version}`,
  });

const spec = (
  deployments: ServingDeployment[],
  overrides: Partial<EndpointSpec> = {},
) =>
  sampleEndpointSpec({
    instanceType: 'Standard_DS3_v2',
    deployments,
    ...overrides,
  });

describe('AzureMlServingTarget', () => {
  let server: FakeAzureMlServer;
  let target: AzureMlServingTarget;

  /** The writes the target sent since `from`, as `METHOD operation`. */
  const writes = (from = 0) =>
    server.calls
      .slice(from)
      .filter(c => c.method !== 'GET' && c.operation !== 'GetDeploymentLogs')
      .map(c => `${c.method} ${c.operation}`);
  const callsOf = (operation: string) =>
    server.calls.filter(c => c.operation === operation);
  /** Applies `applied` until it changes nothing more, as the reconciler's ticks would. */
  const converge = async (applied: EndpointSpec) => {
    for (let round = 0; round < 10; round++) {
      const before = server.calls.length;
      await target.apply(applied);
      if (writes(before).length === 0) return round;
    }
    throw new Error('apply did not converge in 10 rounds');
  };

  beforeEach(async () => {
    server = await startFakeAzureMlServer();
    const settings: AzureMlServingSettings = {
      subscriptionId: '00000000-1111-2222-3333-444444444444',
      resourceGroup: 'ml-rg',
      workspace: 'ml-ws',
      endpoint: server.endpoint,
      environments: { python_function: PYFUNC_ENV },
    };
    target = AzureMlServingTarget.create({ settings, credential });
  });

  afterEach(async () => {
    await server.close();
  });

  it('creates the endpoint, registers the model, deploys it and sends it all the traffic', async () => {
    expect(await converge(spec([deployment('3', 100)]))).toBe(3);

    expect(writes()).toEqual([
      'PUT PutEndpoint',
      'PUT PutModelVersion',
      'PUT PutDeployment',
      'PUT PutEndpoint',
    ]);
    const [create, traffic] = callsOf('PutEndpoint');
    expect(create.path).toBe(ENDPOINT);
    expect(create.body).toEqual({
      location: 'westeurope',
      tags: {
        'ml.platform/endpoint': 'fraud-scorer',
        'ml.platform/owner': 'group:default/risk',
        'ml.platform/kind': 'real-time',
      },
      properties: { authMode: 'Key', traffic: {} },
    });
    expect(callsOf('PutModelVersion')[0]).toMatchObject({
      path: `${workspaceId}/models/fraud/versions/3`,
      body: {
        properties: {
          modelUri:
            'azureml://datastores/workspaceblobstore/paths/models/fraud/3',
          modelType: 'mlflow_model',
        },
      },
    });
    const [deploy] = callsOf('PutDeployment');
    expect(deploy.path).toBe(`${ENDPOINT}/deployments/fraud-scorer-v3`);
    expect(deploy.body).toEqual({
      location: 'westeurope',
      tags: { 'ml.platform/deployment': 'fraud-scorer-v3' },
      sku: { name: 'Default', capacity: 2 },
      properties: {
        endpointComputeType: 'Managed',
        model: `${workspaceId}/models/fraud/versions/3`,
        instanceType: 'Standard_DS3_v2',
        scaleSettings: { scaleType: 'Default' },
        environmentId: PYFUNC_ENV,
      },
    });
    // The endpoint as it is (identity included, read-only fields left out), new traffic.
    expect(traffic.body).toEqual({
      location: 'westeurope',
      identity: { type: 'SystemAssigned' },
      tags: create.body!.tags,
      properties: { authMode: 'Key', traffic: { 'fraud-scorer-v3': 100 } },
    });
    for (const call of server.calls) {
      expect(call.authorization).toBe('Bearer fixed-token');
    }
  });

  it('adds a canary 90/10: deploys it, then sets the traffic, then changes nothing', async () => {
    await converge(spec([deployment('3', 100)]));
    const before = server.calls.length;

    expect(
      await converge(spec([deployment('3', 90), deployment('4', 10)])),
    ).toBe(2);

    expect(writes(before)).toEqual([
      'PUT PutModelVersion',
      'PUT PutDeployment',
      'PUT PutEndpoint',
    ]);
    expect(callsOf('PutEndpoint').pop()!.body!.properties.traffic).toEqual({
      'fraud-scorer-v3': 90,
      'fraud-scorer-v4': 10,
    });
  });

  it('changes weights with one PUT of the endpoint and no deployment, and re-applies change nothing', async () => {
    await converge(spec([deployment('3', 90), deployment('4', 10)]));
    const before = server.calls.length;

    await target.apply(spec([deployment('3', 50), deployment('4', 50)]));

    expect(writes(before)).toEqual(['PUT PutEndpoint']);
    expect(callsOf('PutEndpoint').pop()!.body!.properties.traffic).toEqual({
      'fraud-scorer-v3': 50,
      'fraud-scorer-v4': 50,
    });
    const again = server.calls.length;
    await target.apply(spec([deployment('3', 50), deployment('4', 50)]));
    expect(writes(again)).toEqual([]);
  });

  it('moves the traffic off a deployment the spec no longer lists, then deletes it', async () => {
    await converge(spec([deployment('3', 90), deployment('4', 10)]));
    const before = server.calls.length;

    expect(await converge(spec([deployment('4', 100)]))).toBe(2);

    expect(writes(before)).toEqual([
      'PUT PutEndpoint',
      'DELETE DeleteDeployment',
    ]);
    expect(callsOf('DeleteDeployment')[0].path).toBe(
      `${ENDPOINT}/deployments/fraud-scorer-v3`,
    );
    expect([...server.serving.deployments.keys()]).toEqual([
      'fraud-scorer/fraud-scorer-v4',
    ]);
  });

  it('changes nothing while the endpoint or a deployment provisions', async () => {
    server.serving.holdProvisioning();
    await target.apply(spec([deployment('3', 100)]));
    const before = server.calls.length;

    await target.apply(spec([deployment('3', 100)]));
    expect(writes(before)).toEqual([]);
    expect(await target.status('fraud-scorer')).toMatchObject({
      state: 'updating',
      reason: 'endpoint creating',
    });

    server.serving.settle();
    server.serving.holdProvisioning();
    await target.apply(spec([deployment('3', 100)]));
    const deploying = server.calls.length;
    await target.apply(spec([deployment('3', 100)]));
    expect(writes(deploying)).toEqual([]);
    expect(await target.status('fraud-scorer')).toMatchObject({
      state: 'updating',
      reason: 'fraud-scorer-v3 provisioning',
      deployments: [{ name: 'fraud-scorer-v3', state: 'starting' }],
    });
  });

  it('updates a deployment in place when its instance count changes', async () => {
    await converge(spec([deployment('3', 100)]));
    const before = server.calls.length;

    await converge(
      spec([deployment('3', 100)], {
        scaling: { minReplicas: 3, maxReplicas: 4, targetConcurrency: 8 },
      }),
    );

    expect(writes(before)).toEqual(['PUT PutDeployment']);
    expect(callsOf('PutDeployment').pop()!.body!.sku).toEqual({
      name: 'Default',
      capacity: 3,
    });
  });

  it('serves a model asset as it is, without registering it', async () => {
    const asset = {
      ...deployment('3', 100),
      model: { ...deployment('3', 100).model, artifactUri: 'azureml:fraud:3' },
    };
    await converge(spec([asset]));

    expect(callsOf('PutModelVersion')).toEqual([]);
    expect(callsOf('PutDeployment')[0].body!.properties.model).toBe(
      'azureml:fraud:3',
    );
  });

  it('reports deployments with their traffic and instances, failures with the server logs, and missing endpoints', async () => {
    expect(await target.status('fraud-scorer')).toEqual({
      state: 'not-found',
      reason: 'no such Azure ML online endpoint',
      deployments: [],
    });

    await converge(spec([deployment('3', 90), deployment('4', 10)]));
    expect(await target.status('fraud-scorer')).toEqual({
      state: 'ready',
      url: 'https://fraud-scorer.westeurope.inference.ml.azure.com/score',
      deployments: [
        {
          name: 'fraud-scorer-v3',
          state: 'ready',
          replicas: 2,
          reason: '90% of traffic',
        },
        {
          name: 'fraud-scorer-v4',
          state: 'ready',
          replicas: 2,
          reason: '10% of traffic',
        },
      ],
    });

    server.serving.failNextDeployment(
      'loading model\nModuleNotFoundError: No module named sklearn',
    );
    // The deployment fails minutes after Azure ML accepted it.
    server.serving.holdProvisioning();
    await target.apply(
      spec([deployment('3', 90), deployment('4', 5), deployment('5', 5)]),
    );
    server.serving.settle();
    const status = await target.status('fraud-scorer');
    expect(status.state).toBe('ready');
    expect(status.deployments[2]).toEqual({
      name: 'fraud-scorer-v5',
      state: 'failed',
      replicas: 2,
      reason: 'Azure ML deployment failed',
      logTail: 'loading model\nModuleNotFoundError: No module named sklearn',
    });
    expect(callsOf('GetDeploymentLogs')[0].body).toEqual({
      containerType: 'InferenceServer',
      tail: 50,
    });
  });

  it('says serverless endpoints do not scale to zero', async () => {
    await converge(
      spec([deployment('3', 100)], {
        kind: 'serverless',
        scaling: { minReplicas: 0, maxReplicas: 2, targetConcurrency: 4 },
      }),
    );

    expect(callsOf('PutDeployment')[0].body!.sku.capacity).toBe(1);
    expect(await target.status('fraud-scorer')).toMatchObject({
      state: 'ready',
      reason: expect.stringMatching(/do not scale to zero/),
    });
  });

  it('removes the endpoint with its deployments, and succeeds when it is gone', async () => {
    await converge(spec([deployment('3', 100)]));
    const before = server.calls.length;

    await target.remove('fraud-scorer');

    expect(writes(before)).toEqual(['DELETE DeleteEndpoint']);
    expect(server.serving.endpoints.size).toBe(0);
    expect(server.serving.deployments.size).toBe(0);
    await expect(target.remove('fraud-scorer')).resolves.toBeUndefined();
    expect(await target.status('fraud-scorer')).toMatchObject({
      state: 'not-found',
    });
  });

  it('refuses specs Azure ML cannot serve before changing anything', async () => {
    const base = deployment('3', 100);
    const cases: Array<[EndpointSpec, RegExp]> = [
      [
        spec([{ ...base, model: { ...base.model, artifactUri: 's3://b/m' } }]),
        /Azure storage/,
      ],
      [
        spec([{ ...base, model: { ...base.model, image: 'acr.io/srv:1' } }]),
        /not images/,
      ],
      [spec([base], { instanceType: undefined }), /instanceType is not set/],
    ];
    for (const [bad, message] of cases) {
      const failure = target.apply(bad);
      await expect(failure).rejects.toThrow(InputError);
      await expect(failure).rejects.toThrow(message);
    }
    expect(server.calls).toEqual([]);
  });
});

describe('toAzureMlOnlineName', () => {
  it('keeps names Azure ML accepts and normalises the others', () => {
    expect(toAzureMlOnlineName('fraud-scorer')).toBe('fraud-scorer');
    expect(toAzureMlOnlineName('7-eleven')).toMatch(/^e7-eleven-[0-9a-f]{8}$/);
    const long = toAzureMlOnlineName('a'.repeat(40));
    expect(long).toMatch(/^a+-[0-9a-f]{8}$/);
    expect(long.length).toBeLessThanOrEqual(32);
  });
});
