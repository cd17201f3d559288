import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { sampleEndpointSpec } from '@ml-portal/plugin-ml-node/testUtils';
import { SageMakerServingSettings } from './config';
import { SageMakerServingTarget } from './SageMakerServingTarget';
import {
  FakeCloudWatchServer,
  startFakeCloudWatchServer,
} from './__testUtils__/fakeCloudWatchServer';
import {
  FakeSageMakerServer,
  fakeSageMakerClient,
  startFakeSageMakerServer,
} from './__testUtils__/fakeSageMakerServer';

const settings: SageMakerServingSettings = {
  region: 'us-east-1',
  executionRoleArn: 'arn:aws:iam::123456789012:role/ml-serving',
  images: {
    python_function:
      '123456789012.dkr.ecr.us-east-1.amazonaws.com/mlflow-pyfunc:2.17',
  },
  serverless: { memorySizeMb: 3072, maxConcurrency: 20 },
  batchInstanceType: 'ml.m5.xlarge',
};

/** An epoch minute. */
const M0 = 29_000_000;

describe('SageMaker endpoint metrics from CloudWatch', () => {
  let sageMaker: FakeSageMakerServer;
  let cloudWatchServer: FakeCloudWatchServer;
  let client: SageMakerClient;
  let cloudWatch: CloudWatchClient;
  let target: SageMakerServingTarget;

  beforeEach(async () => {
    sageMaker = await startFakeSageMakerServer();
    cloudWatchServer = await startFakeCloudWatchServer();
    client = fakeSageMakerClient(sageMaker);
    cloudWatch = new CloudWatchClient({
      endpoint: cloudWatchServer.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake-secret' },
      maxAttempts: 1,
    });
    target = SageMakerServingTarget.create({ settings, client, cloudWatch });
  });

  afterEach(async () => {
    client.destroy();
    cloudWatch.destroy();
    await sageMaker.close();
    await cloudWatchServer.close();
  });

  /** Datapoints of the variant `apply` created for the deployment. */
  async function deployedVariant() {
    const spec = sampleEndpointSpec({ instanceType: 'ml.m5.large' });
    await target.apply(spec);
    const [config] = [...sageMaker.serving.endpointConfigs.values()];
    const [variant] = config.ProductionVariants;
    const dimensions = {
      EndpointName: [...sageMaker.serving.endpoints.keys()][0],
      VariantName: variant.VariantName,
    };
    const put = (minute: number, name: string, stat: string, value: number) =>
      cloudWatchServer.put(
        { namespace: 'AWS/SageMaker', name, dimensions },
        stat,
        minute * 60,
        value,
      );
    return { spec, put };
  }

  it('reads invocations, errors and model latency per minute of the variant', async () => {
    const { spec, put } = await deployedVariant();
    for (const [offset, invocations] of [
      [0, 600],
      [1, 540],
      [3, 0],
    ]) {
      const minute = M0 + offset;
      put(minute, 'Invocations', 'Sum', invocations);
      put(minute, 'Invocation5XXErrors', 'Sum', 3);
      put(minute, 'Invocation4XXErrors', 'Sum', 1);
      put(minute, 'ModelLatency', 'p50', 12_000);
      put(minute, 'ModelLatency', 'p95', 48_000);
      put(minute, 'ModelLatency', 'p99', 95_500);
    }
    // Another variant's numbers are not read.
    cloudWatchServer.put(
      {
        namespace: 'AWS/SageMaker',
        name: 'Invocations',
        dimensions: { EndpointName: 'fraud-scorer', VariantName: 'other' },
      },
      'Sum',
      M0 * 60,
      99,
    );

    const source = await target.metricsSource(
      spec.name,
      spec.deployments[0].name,
    );
    expect(source.kind).toBe('minutes');
    if (source.kind !== 'minutes') return;
    const minutes = await source.read({
      fromMinute: M0,
      toMinute: M0 + 5,
    });

    expect(minutes).toEqual([
      {
        minute: M0,
        requests: 600,
        errors: 3,
        clientErrors: 1,
        latencyPercentilesMs: { p50: 12, p95: 48, p99: 95.5 },
      },
      expect.objectContaining({ minute: M0 + 1, requests: 540 }),
    ]);
    const [call] = cloudWatchServer.calls;
    expect(call.operation).toBe('GetMetricData');
    expect(call.body).toMatchObject({
      StartTime: M0 * 60,
      EndTime: (M0 + 5) * 60,
      ScanBy: 'TimestampAscending',
    });
    expect(call.body.MetricDataQueries).toHaveLength(6);
    expect(call.body.MetricDataQueries[0].MetricStat).toEqual({
      Metric: {
        Namespace: 'AWS/SageMaker',
        MetricName: 'Invocations',
        Dimensions: [
          { Name: 'EndpointName', Value: expect.any(String) },
          { Name: 'VariantName', Value: expect.any(String) },
        ],
      },
      Period: 60,
      Stat: 'Sum',
    });
  });

  it('follows NextToken across pages', async () => {
    const { spec, put } = await deployedVariant();
    for (let offset = 0; offset < 10; offset++) {
      put(M0 + offset, 'Invocations', 'Sum', 100 + offset);
      put(M0 + offset, 'ModelLatency', 'p50', 5000);
    }
    cloudWatchServer.setPageSize(7);
    const source = await target.metricsSource(
      spec.name,
      spec.deployments[0].name,
    );
    if (source.kind !== 'minutes') throw new Error(source.kind);
    const minutes = await source.read({ fromMinute: M0, toMinute: M0 + 10 });

    expect(minutes.map(m => [m.minute - M0, m.requests])).toEqual(
      Array.from({ length: 10 }, (_, i) => [i, 100 + i]),
    );
    expect(minutes.every(m => m.latencyPercentilesMs?.p50 === 5)).toBe(true);
    expect(cloudWatchServer.calls.length).toBe(3);
  });

  it("passes CloudWatch's refusal on", async () => {
    const { spec } = await deployedVariant();
    cloudWatchServer.failNext(
      'GetMetricData',
      'LimitExceededException',
      'Rate exceeded',
    );
    const source = await target.metricsSource(
      spec.name,
      spec.deployments[0].name,
    );
    if (source.kind !== 'minutes') throw new Error(source.kind);
    await expect(
      source.read({ fromMinute: M0, toMinute: M0 + 1 }),
    ).rejects.toThrow(/Rate exceeded/);
  });
});
