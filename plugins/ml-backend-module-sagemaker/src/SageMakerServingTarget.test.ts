import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { ConflictError, InputError } from '@backstage/errors';
import {
  EndpointSpec,
  ServingDeployment,
  ServingModel,
} from '@ml-portal/plugin-ml-node';
import { sampleEndpointSpec } from '@ml-portal/plugin-ml-node/testUtils';
import {
  fakeSageMakerClient,
  FakeSageMakerServer,
  startFakeSageMakerServer,
} from './__testUtils__/fakeSageMakerServer';
import { SageMakerServingSettings } from './config';
import { SageMakerServingTarget } from './SageMakerServingTarget';

const PYFUNC_IMAGE =
  '123456789012.dkr.ecr.us-east-1.amazonaws.com/mlflow-pyfunc:2.17';
const SKLEARN_IMAGE =
  '123456789012.dkr.ecr.us-east-1.amazonaws.com/sklearn:1.5';

const settings: SageMakerServingSettings = {
  region: 'us-east-1',
  executionRoleArn: 'arn:aws:iam::123456789012:role/ml-serving',
  images: { python_function: PYFUNC_IMAGE, sklearn: SKLEARN_IMAGE },
  serverless: { memorySizeMb: 3072, maxConcurrency: 20 },
  batchInstanceType: 'ml.m5.xlarge',
};

const TAGS = [
  { Key: 'ml.platform/owner', Value: 'group:default/ml-team' },
  { Key: 'ml.platform/endpoint', Value: 'churn-prod' },
];

function model(version: string, overrides: Partial<ServingModel> = {}) {
  return {
    name: 'churn',
    version,
    artifactUri: `s3://ml-models/churn/${version}/model`,
    flavor: 'python_function',
    ...overrides,
  };
}

function deployment(version: string, weight: number): ServingDeployment {
  return { name: `churn-prod-v${version}`, model: model(version), weight };
}

function endpointSpec(overrides: Partial<EndpointSpec> = {}): EndpointSpec {
  return sampleEndpointSpec({
    name: 'churn-prod',
    owner: 'group:default/ml-team',
    region: 'us-east-1',
    instanceType: 'ml.m5.large',
    deployments: [deployment('3', 100)],
    ...overrides,
  });
}

describe('SageMakerServingTarget', () => {
  let server: FakeSageMakerServer;
  let client: SageMakerClient;
  let target: SageMakerServingTarget;

  beforeEach(async () => {
    server = await startFakeSageMakerServer();
    client = fakeSageMakerClient(server);
    target = SageMakerServingTarget.create({ settings, client });
  });

  afterEach(async () => {
    client.destroy();
    await server.close();
  });

  /** The calls since `from` that change something, with their bodies. */
  const changes = (from = 0) =>
    server.calls.slice(from).filter(c => !/^(Describe|List)/.test(c.operation));
  const body = (operation: string, from = 0) =>
    changes(from).find(c => c.operation === operation)!.body;

  /** Applies the spec and lets SageMaker finish rolling it out. */
  async function applyInService(spec: EndpointSpec) {
    await target.apply(spec);
    server.serving.setEndpointStatus('churn-prod', 'InService');
  }

  describe('apply', () => {
    it('creates the model, an endpoint config of the deployments and the endpoint', async () => {
      await target.apply(endpointSpec());

      expect(changes().map(c => c.operation)).toEqual([
        'CreateModel',
        'CreateEndpointConfig',
        'CreateEndpoint',
      ]);
      const createModel = body('CreateModel');
      expect(createModel.ModelName).toMatch(/^churn-prod-v3-[0-9a-f]{8}$/);
      expect(createModel).toEqual({
        ModelName: createModel.ModelName,
        PrimaryContainer: {
          Image: PYFUNC_IMAGE,
          // An MLflow model directory, served uncompressed from its prefix.
          ModelDataSource: {
            S3DataSource: {
              S3Uri: 's3://ml-models/churn/3/model/',
              S3DataType: 'S3Prefix',
              CompressionType: 'None',
            },
          },
        },
        ExecutionRoleArn: 'arn:aws:iam::123456789012:role/ml-serving',
        Tags: [
          ...TAGS,
          { Key: 'ml.platform/deployment', Value: 'churn-prod-v3' },
        ],
      });
      const createConfig = body('CreateEndpointConfig');
      expect(createConfig.EndpointConfigName).toMatch(
        /^churn-prod-[0-9a-f]{10}$/,
      );
      expect(createConfig).toEqual({
        EndpointConfigName: createConfig.EndpointConfigName,
        ProductionVariants: [
          {
            VariantName: 'churn-prod-v3',
            ModelName: createModel.ModelName,
            InitialVariantWeight: 100,
            InstanceType: 'ml.m5.large',
            InitialInstanceCount: 2,
          },
        ],
        Tags: TAGS,
      });
      expect(body('CreateEndpoint')).toEqual({
        EndpointName: 'churn-prod',
        EndpointConfigName: createConfig.EndpointConfigName,
        Tags: TAGS,
      });
      // Every request is signed for SageMaker in the target's region.
      expect(server.calls[0].authorization).toContain(
        '/us-east-1/sagemaker/aws4_request',
      );
    });

    it('points ModelDataUrl at an archive, and takes the image of the flavor or the model', async () => {
      await target.apply(
        endpointSpec({
          scaling: { minReplicas: 0, maxReplicas: 1, targetConcurrency: 1 },
          deployments: [
            {
              name: 'churn-prod-v3',
              model: model('3', {
                artifactUri: 's3://ml-models/churn/3/model.tar.gz',
                flavor: 'sklearn',
              }),
              weight: 100,
            },
          ],
        }),
      );
      await target.apply(
        endpointSpec({
          name: 'churn-byo',
          deployments: [
            {
              name: 'churn-byo-v4',
              model: model('4', { image: 'registry.example/own-server:1' }),
              weight: 100,
            },
          ],
        }),
      );

      const [sklearn, own] = changes()
        .filter(c => c.operation === 'CreateModel')
        .map(c => c.body.PrimaryContainer);
      expect(sklearn).toEqual({
        Image: SKLEARN_IMAGE,
        ModelDataUrl: 's3://ml-models/churn/3/model.tar.gz',
      });
      expect(own.Image).toBe('registry.example/own-server:1');
      // A real-time variant runs at least one instance.
      expect(
        body('CreateEndpointConfig').ProductionVariants[0].InitialInstanceCount,
      ).toBe(1);
    });

    it('makes no change when the same spec is applied again, while creating and once in service', async () => {
      await target.apply(endpointSpec());
      const created = server.calls.length;

      await target.apply(endpointSpec());
      expect(changes(created)).toEqual([]);

      server.serving.setEndpointStatus('churn-prod', 'InService');
      const inService = server.calls.length;
      await target.apply(endpointSpec());
      expect(changes(inService)).toEqual([]);
      expect(server.serving.endpointConfigs.size).toBe(1);
    });

    it('starts a canary with a new endpoint config of both variants, 90/10, and UpdateEndpoint', async () => {
      await applyInService(endpointSpec());
      const [firstConfig] = server.serving.endpointConfigs.keys();
      const [v3Model] = server.serving.models.keys();
      const before = server.calls.length;

      await target.apply(
        endpointSpec({
          deployments: [deployment('3', 90), deployment('4', 10)],
        }),
      );

      expect(changes(before).map(c => c.operation)).toEqual([
        'CreateModel',
        'CreateEndpointConfig',
        'UpdateEndpoint',
      ]);
      const v4Model = body('CreateModel', before).ModelName;
      expect(v4Model).toMatch(/^churn-prod-v4-[0-9a-f]{8}$/);
      const config = body('CreateEndpointConfig', before);
      expect(config.EndpointConfigName).not.toBe(firstConfig);
      expect(config.ProductionVariants).toEqual([
        {
          VariantName: 'churn-prod-v3',
          ModelName: v3Model,
          InitialVariantWeight: 90,
          InstanceType: 'ml.m5.large',
          InitialInstanceCount: 2,
        },
        {
          VariantName: 'churn-prod-v4',
          ModelName: v4Model,
          InitialVariantWeight: 10,
          InstanceType: 'ml.m5.large',
          InitialInstanceCount: 2,
        },
      ]);
      expect(body('UpdateEndpoint', before)).toEqual({
        EndpointName: 'churn-prod',
        EndpointConfigName: config.EndpointConfigName,
      });
    });

    it('shifts traffic with UpdateEndpointWeightsAndCapacities and no new config', async () => {
      await applyInService(endpointSpec());
      await applyInService(
        endpointSpec({
          deployments: [deployment('3', 90), deployment('4', 10)],
        }),
      );
      const configs = [...server.serving.endpointConfigs.keys()];
      const before = server.calls.length;

      await target.apply(
        endpointSpec({
          deployments: [deployment('3', 50), deployment('4', 50)],
        }),
      );

      expect(changes(before)).toEqual([
        expect.objectContaining({
          operation: 'UpdateEndpointWeightsAndCapacities',
          body: {
            EndpointName: 'churn-prod',
            DesiredWeightsAndCapacities: [
              { VariantName: 'churn-prod-v3', DesiredWeight: 50 },
              { VariantName: 'churn-prod-v4', DesiredWeight: 50 },
            ],
          },
        }),
      ]);
      expect([...server.serving.endpointConfigs.keys()]).toEqual(configs);

      // Once SageMaker has shifted, the same spec changes nothing but clearing the
      // config the canary superseded.
      server.serving.setEndpointStatus('churn-prod', 'InService');
      const shifted = server.calls.length;
      await target.apply(
        endpointSpec({
          deployments: [deployment('3', 50), deployment('4', 50)],
        }),
      );
      expect(changes(shifted).map(c => [c.operation, c.body])).toEqual([
        ['DeleteEndpointConfig', { EndpointConfigName: configs[0] }],
      ]);
    });

    it('deletes the configs and models of earlier rollouts once the endpoint serves the new one', async () => {
      await applyInService(endpointSpec());
      await applyInService(
        endpointSpec({
          deployments: [deployment('3', 90), deployment('4', 10)],
        }),
      );
      const promoted = endpointSpec({ deployments: [deployment('4', 100)] });
      await target.apply(promoted);
      const [v3Model, v4Model] = server.serving.models.keys();
      const [first, canary, current] = server.serving.endpointConfigs.keys();

      // Not while the promotion rolls out: SageMaker may roll back to the canary's config.
      const rollingOut = server.calls.length;
      await target.apply(promoted);
      expect(changes(rollingOut)).toEqual([]);

      server.serving.setEndpointStatus('churn-prod', 'InService');
      const done = server.calls.length;
      await target.apply(promoted);
      expect(changes(done).map(c => [c.operation, c.body])).toEqual([
        ['DeleteEndpointConfig', { EndpointConfigName: first }],
        ['DeleteEndpointConfig', { EndpointConfigName: canary }],
        ['DeleteModel', { ModelName: v3Model }],
      ]);
      expect([...server.serving.endpointConfigs.keys()]).toEqual([current]);
      expect([...server.serving.models.keys()]).toEqual([v4Model]);

      const clean = server.calls.length;
      await target.apply(promoted);
      expect(changes(clean)).toEqual([]);
    });

    it('does not roll out again a config SageMaker rolled back, but takes another', async () => {
      await applyInService(endpointSpec());
      const canary = endpointSpec({
        deployments: [deployment('3', 90), deployment('4', 10)],
      });
      await target.apply(canary);
      const reason =
        'The primary container for production variant churn-prod-v4 did not pass the ping health check.';
      server.serving.failUpdate('churn-prod', reason);
      const failed = server.calls.length;

      const error = await target.apply(canary).catch(e => e);
      expect(error).toBeInstanceOf(ConflictError);
      expect(error.message).toContain(reason);
      expect(changes(failed)).toEqual([]);
      // The endpoint still serves the stable deployment, and says why the update failed.
      expect(await target.status('churn-prod')).toMatchObject({
        state: 'ready',
        reason,
        deployments: [{ name: 'churn-prod-v3', state: 'ready', replicas: 2 }],
      });

      await target.apply(
        endpointSpec({
          deployments: [deployment('3', 95), deployment('5', 5)],
        }),
      );
      expect(changes(failed).map(c => c.operation)).toEqual([
        'CreateModel',
        'CreateEndpointConfig',
        'UpdateEndpoint',
      ]);
    });

    it('changes an instance count the same cheap way', async () => {
      await applyInService(endpointSpec());
      const before = server.calls.length;

      await target.apply(
        endpointSpec({
          scaling: { minReplicas: 3, maxReplicas: 4, targetConcurrency: 8 },
        }),
      );

      expect(changes(before).map(c => [c.operation, c.body])).toEqual([
        [
          'UpdateEndpointWeightsAndCapacities',
          {
            EndpointName: 'churn-prod',
            DesiredWeightsAndCapacities: [
              {
                VariantName: 'churn-prod-v3',
                DesiredWeight: 100,
                DesiredInstanceCount: 3,
              },
            ],
          },
        ],
      ]);
    });

    it('serves a serverless endpoint with a ServerlessConfig and no instances', async () => {
      await target.apply(
        endpointSpec({
          kind: 'serverless',
          instanceType: undefined,
          scaling: {
            minReplicas: 0,
            maxReplicas: 2,
            targetConcurrency: 3,
            scaleToZeroAfterSeconds: 300,
          },
        }),
      );

      expect(body('CreateEndpointConfig').ProductionVariants).toEqual([
        {
          VariantName: 'churn-prod-v3',
          ModelName: body('CreateModel').ModelName,
          InitialVariantWeight: 100,
          // maxReplicas × targetConcurrency, under the configured maximum of 20.
          ServerlessConfig: { MemorySizeInMB: 3072, MaxConcurrency: 6 },
        },
      ]);
    });

    it('refuses a different spec while SageMaker is still updating, changing nothing', async () => {
      await target.apply(endpointSpec());
      const before = server.calls.length;

      await expect(
        target.apply(
          endpointSpec({
            deployments: [deployment('3', 90), deployment('4', 10)],
          }),
        ),
      ).rejects.toThrow(ConflictError);
      await expect(
        target.apply(
          endpointSpec({
            scaling: { minReplicas: 5, maxReplicas: 5, targetConcurrency: 8 },
          }),
        ),
      ).rejects.toThrow(/churn-prod is Creating/);
      expect(changes(before)).toEqual([]);
    });

    it('replaces the variants of a failed endpoint, and says what a weight change cannot do there', async () => {
      await target.apply(endpointSpec());
      server.serving.setEndpointStatus(
        'churn-prod',
        'Failed',
        'Image registry.example/pyfunc:2 not found',
      );
      const failed = server.calls.length;

      await expect(
        target.apply(
          endpointSpec({
            scaling: { minReplicas: 3, maxReplicas: 4, targetConcurrency: 8 },
          }),
        ),
      ).rejects.toThrow(
        /is Failed \(Image registry.example\/pyfunc:2 not found\)/,
      );
      expect(changes(failed)).toEqual([]);

      await target.apply(endpointSpec({ deployments: [deployment('4', 100)] }));
      expect(changes(failed).map(c => c.operation)).toEqual([
        'CreateModel',
        'CreateEndpointConfig',
        'UpdateEndpoint',
      ]);
    });

    it.each([
      [
        'a real-time endpoint without an instance type',
        { instanceType: undefined },
        /needs an instanceType/,
      ],
      ['another region', { region: 'eu-west-1' }, /serves in us-east-1/],
      ['no deployments', { deployments: [] }, /has no deployments/],
      [
        'weights that are all 0',
        { deployments: [deployment('3', 0)] },
        /at least one above 0/,
      ],
      [
        'a deployment listed twice',
        { deployments: [deployment('3', 50), deployment('3', 50)] },
        /lists deployment 'churn-prod-v3' twice/,
      ],
      [
        'a model outside S3',
        {
          deployments: [
            {
              ...deployment('3', 100),
              model: model('3', { artifactUri: 'gs://bucket/model' }),
            },
          ],
        },
        /needs the model in S3/,
      ],
      [
        'a flavor with no image',
        {
          deployments: [
            { ...deployment('3', 100), model: model('3', { flavor: 'onnx' }) },
          ],
        },
        /images\.onnx \(configured: python_function, sklearn\)/,
      ],
    ] as Array<[string, Partial<EndpointSpec>, RegExp]>)(
      'refuses %s as bad input without calling SageMaker',
      async (_label, override, message) => {
        const error = await target.apply(endpointSpec(override)).catch(e => e);
        expect(error).toBeInstanceOf(InputError);
        expect(error.message).toMatch(message);
        expect(server.calls).toEqual([]);
      },
    );
  });

  describe('status', () => {
    const url =
      'https://runtime.sagemaker.us-east-1.amazonaws.com/endpoints/churn-prod/invocations';

    it('is not-found for a missing endpoint', async () => {
      expect(await target.status('churn-prod')).toEqual({
        state: 'not-found',
        reason: 'no such SageMaker endpoint',
        deployments: [],
      });
    });

    it('maps Creating to updating and InService to ready, per variant', async () => {
      await target.apply(endpointSpec());
      expect(await target.status('churn-prod')).toEqual({
        state: 'updating',
        reason: 'SageMaker endpoint is Creating',
        url,
        deployments: [
          {
            name: 'churn-prod-v3',
            state: 'starting',
            reason: 'Creating: Launching instances',
          },
        ],
      });

      server.serving.setEndpointStatus('churn-prod', 'InService');
      expect(await target.status('churn-prod')).toEqual({
        state: 'ready',
        url,
        deployments: [{ name: 'churn-prod-v3', state: 'ready', replicas: 2 }],
      });
    });

    it('reports a canary rolling out as updating, its new variant starting', async () => {
      await applyInService(endpointSpec());
      await target.apply(
        endpointSpec({
          deployments: [deployment('3', 90), deployment('4', 10)],
        }),
      );

      const status = await target.status('churn-prod');
      expect(status.state).toBe('updating');
      expect(status.deployments).toEqual([
        { name: 'churn-prod-v3', state: 'ready', replicas: 2 },
        {
          name: 'churn-prod-v4',
          state: 'starting',
          reason: 'Creating: Launching instances',
        },
      ]);
    });

    it('maps Failed to failed with SageMaker’s reason', async () => {
      await target.apply(endpointSpec());
      server.serving.setEndpointStatus(
        'churn-prod',
        'Failed',
        'The primary container for production variant churn-prod-v3 did not pass the ping health check.',
      );

      const status = await target.status('churn-prod');
      expect(status).toMatchObject({
        state: 'failed',
        reason: expect.stringContaining('did not pass the ping health check'),
        url,
      });
      expect(status.deployments).toEqual([
        {
          name: 'churn-prod-v3',
          state: 'failed',
          reason: expect.stringContaining('ping health check'),
        },
      ]);
    });
  });

  describe('remove', () => {
    it('deletes the endpoint, its endpoint configs and their models, and no other endpoint’s', async () => {
      await applyInService(endpointSpec());
      await applyInService(
        endpointSpec({
          deployments: [deployment('3', 90), deployment('4', 10)],
        }),
      );
      // An endpoint whose name starts the same way keeps everything.
      await target.apply(
        endpointSpec({
          name: 'churn-prod-eu',
          deployments: [{ ...deployment('3', 100), name: 'churn-prod-eu-v3' }],
        }),
      );
      const ownConfigs = [...server.serving.endpointConfigs.keys()].filter(
        name => !name.startsWith('churn-prod-eu'),
      );
      const ownModels = [...server.serving.models.keys()].filter(
        name => !name.startsWith('churn-prod-eu'),
      );
      expect(ownConfigs).toHaveLength(2);
      expect(ownModels).toHaveLength(2);
      const before = server.calls.length;

      await target.remove('churn-prod');

      const removed = changes(before);
      expect(removed.map(c => c.operation)).toEqual([
        'DeleteEndpoint',
        'DeleteEndpointConfig',
        'DeleteEndpointConfig',
        'DeleteModel',
        'DeleteModel',
      ]);
      expect(removed[0].body).toEqual({ EndpointName: 'churn-prod' });
      expect(
        removed
          .slice(1, 3)
          .map(c => c.body.EndpointConfigName)
          .sort(),
      ).toEqual(ownConfigs.sort());
      expect(
        removed
          .slice(3)
          .map(c => c.body.ModelName)
          .sort(),
      ).toEqual(ownModels.sort());
      expect([...server.serving.endpoints.keys()]).toEqual(['churn-prod-eu']);
      expect([...server.serving.endpointConfigs.keys()]).toEqual([
        expect.stringMatching(/^churn-prod-eu-[0-9a-f]{10}$/),
      ]);
      expect(await target.status('churn-prod')).toMatchObject({
        state: 'not-found',
      });
    });

    it('succeeds when nothing is there', async () => {
      await expect(target.remove('churn-prod')).resolves.toBeUndefined();
      expect(changes()).toEqual([]);
    });
  });

  describe('batch', () => {
    const request = {
      externalName: 'batch_job.42',
      model: model('3'),
      inputUri: 's3://ml-data/churn/2026-12-01/',
      outputUri: 's3://ml-data/churn-scores/2026-12-01/',
      contentType: 'text/csv',
      instanceCount: 2,
    };

    it('starts a transform job with the model, created when missing', async () => {
      const { externalId } = await target.startBatch(request);

      expect(changes().map(c => c.operation)).toEqual([
        'CreateModel',
        'CreateTransformJob',
      ]);
      const modelName = body('CreateModel').ModelName;
      expect(modelName).toMatch(/^churn-v3-[0-9a-f]{8}$/);
      expect(body('CreateModel').ExecutionRoleArn).toBe(
        settings.executionRoleArn,
      );
      const job = body('CreateTransformJob');
      // Made valid for SageMaker: `_` and `.` are not allowed in job names.
      expect(job.TransformJobName).toMatch(/^batch-job-42-[0-9a-f]{8}$/);
      expect(job).toEqual({
        TransformJobName: job.TransformJobName,
        ModelName: modelName,
        TransformInput: {
          DataSource: {
            S3DataSource: {
              S3DataType: 'S3Prefix',
              S3Uri: 's3://ml-data/churn/2026-12-01/',
            },
          },
          ContentType: 'text/csv',
        },
        TransformOutput: {
          S3OutputPath: 's3://ml-data/churn-scores/2026-12-01/',
        },
        TransformResources: { InstanceType: 'ml.m5.xlarge', InstanceCount: 2 },
        Tags: [
          { Key: 'ml.platform/model', Value: 'churn' },
          { Key: 'ml.platform/model-version', Value: '3' },
        ],
      });
      expect(externalId).toBe(
        `arn:aws:sagemaker:us-east-1:123456789012:transform-job/${job.TransformJobName.toLowerCase()}`,
      );
    });

    it('returns the job a replayed start finds, creating nothing', async () => {
      const first = await target.startBatch(request);
      const before = server.calls.length;

      expect(await target.startBatch(request)).toEqual(first);
      expect(changes(before)).toEqual([]);
      expect(server.serving.transformJobs.size).toBe(1);
    });

    it('returns the job a racing start created (ResourceInUse)', async () => {
      const first = await target.startBatch(request);
      // This start looked before the other one created the job.
      server.failNext(
        'DescribeTransformJob',
        'ValidationException',
        'Could not find requested job with name batch-job-42',
      );

      expect(await target.startBatch(request)).toEqual(first);
      expect(server.calls.slice(-2).map(c => c.operation)).toEqual([
        'CreateTransformJob',
        'DescribeTransformJob',
      ]);
      expect(server.serving.transformJobs.size).toBe(1);
    });

    it('tags the model with what SageMaker accepts of the model name', async () => {
      await target.startBatch({
        ...request,
        model: model('3', { name: 'churn#eu, v2' }),
      });

      expect(body('CreateTransformJob').Tags).toEqual([
        { Key: 'ml.platform/model', Value: 'churn_eu_ v2' },
        { Key: 'ml.platform/model-version', Value: '3' },
      ]);
      expect(body('CreateModel').ModelName).toMatch(
        /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/,
      );
    });

    it('refuses input that is not in S3', async () => {
      await expect(
        target.startBatch({ ...request, inputUri: 'gs://ml-data/churn/' }),
      ).rejects.toThrow(InputError);
      expect(changes()).toEqual([]);
    });

    it('maps the transform job status', async () => {
      expect(await target.batchStatus(request.externalName)).toEqual({
        state: 'not-found',
        reason: 'no such SageMaker transform job',
      });

      await target.startBatch(request);
      const [name] = server.serving.transformJobs.keys();
      expect(await target.batchStatus(request.externalName)).toEqual({
        state: 'running',
        instanceType: 'ml.m5.xlarge',
      });

      const started = new Date('2026-12-01T10:00:00Z');
      const ended = new Date('2026-12-01T10:20:00Z');
      server.serving.updateTransformJob(name, {
        TransformJobStatus: 'Completed',
        TransformStartTime: started.getTime() / 1000,
        TransformEndTime: ended.getTime() / 1000,
      });
      expect(await target.batchStatus(request.externalName)).toEqual({
        state: 'succeeded',
        startedAt: started,
        finishedAt: ended,
        instanceType: 'ml.m5.xlarge',
      });

      server.serving.updateTransformJob(name, {
        TransformJobStatus: 'Failed',
        FailureReason: 'ClientError: See job logs for more information',
      });
      expect(await target.batchStatus(request.externalName)).toMatchObject({
        state: 'failed',
        reason: 'ClientError: See job logs for more information',
      });

      server.serving.updateTransformJob(name, {
        TransformJobStatus: 'Stopped',
        FailureReason: undefined,
      });
      expect(await target.batchStatus(request.externalName)).toMatchObject({
        state: 'failed',
        reason: 'Stopped',
      });
    });
  });
});
