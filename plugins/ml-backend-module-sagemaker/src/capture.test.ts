import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import {
  sampleEndpointSpec,
  startFakeS3Server,
} from '@ml-portal/plugin-ml-node/testUtils';
import { s3CaptureSource } from './capture';
import {
  fakeSageMakerClient,
  FakeSageMakerServer,
  startFakeSageMakerServer,
} from './__testUtils__/fakeSageMakerServer';
import { SageMakerDataCaptureSettings } from './config';
import { SageMakerServingTarget } from './SageMakerServingTarget';

const PREFIX = 'capture/churn-prod/churn-prod-v3/';
const HOUR = Date.UTC(2026, 11, 4, 16);
const MINUTE = 60_000;
const capture: SageMakerDataCaptureSettings = {
  s3Uri: 's3://ml-capture/capture',
  samplingPercent: 20,
  csvHeader: true,
};

/** A capture file's key, created `minutes` after 16:00 on 2026-12-04. */
const fileKey = (minutes: number, id = 'a1b2') => {
  const at = new Date(HOUR + minutes * MINUTE);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${PREFIX}2026/12/04/${two(at.getUTCHours())}/${two(
    at.getUTCMinutes(),
  )}-${two(at.getUTCSeconds())}-${String(at.getUTCMilliseconds()).padStart(
    3,
    '0',
  )}-${id}.jsonl`;
};

/** One line of a capture file, as SageMaker writes it. */
function line(
  input: { data: string; encoding: string; type: string },
  output: { data: string; encoding: string; type: string } | undefined,
  at: number,
) {
  const side = (
    mode: string,
    p: { data: string; encoding: string; type: string },
  ) => ({
    observedContentType: p.type,
    mode,
    data: p.data,
    encoding: p.encoding,
  });
  return JSON.stringify({
    captureData: {
      endpointInput: side('INPUT', input),
      ...(output && { endpointOutput: side('OUTPUT', output) }),
    },
    eventMetadata: {
      eventId: `event-${at}`,
      inferenceTime: new Date(at).toISOString(),
    },
    eventVersion: '0',
  });
}

const json = (body: unknown) => ({
  data: JSON.stringify(body),
  encoding: 'JSON',
  type: 'application/json',
});
const csv = (text: string) => ({
  data: text,
  encoding: 'CSV',
  type: 'text/csv',
});

describe('s3CaptureSource', () => {
  let s3: Awaited<ReturnType<typeof startFakeS3Server>>;
  let client: S3Client;
  let now: number;

  beforeEach(async () => {
    s3 = await startFakeS3Server();
    client = new S3Client({
      region: 'us-east-1',
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake' },
    });
    now = HOUR + 60 * MINUTE;
  });

  afterEach(async () => {
    client.destroy();
    await s3.close();
  });

  const put = (key: string, lines: string[]) =>
    s3.objects.set(key, Buffer.from(`${lines.join('\n')}\n`));
  const source = (settings = capture) =>
    s3CaptureSource({
      client,
      capture: settings,
      endpointName: 'churn-prod',
      variantName: 'churn-prod-v3',
      now: () => now,
    });
  const limits = { since: HOUR, maxFiles: 100, maxBytes: 1024 * 1024 };

  it('reads JSON, CSV and base64 captures as scoring requests and responses', async () => {
    const at = HOUR + 5 * MINUTE;
    put(fileKey(5), [
      line(
        json({
          dataframe_split: { columns: ['age', 'plan'], data: [[41, 'pro']] },
        }),
        json({ predictions: [0.8] }),
        at,
      ),
      line(json([[1.5, 2]]), undefined, at + 1),
      line(csv('age,plan\n37,basic\n52,pro'), csv('0.1\n0.9'), at + 2),
      line(
        {
          data: Buffer.from('{"instances":[{"age":29}]}').toString('base64'),
          encoding: 'BASE64',
          type: 'application/json',
        },
        {
          data: Buffer.from('[0.3]').toString('base64'),
          encoding: 'BASE64',
          type: 'application/json',
        },
        at + 3,
      ),
      // An image: nothing drift can read.
      line(
        { data: 'iVBORw0K', encoding: 'BASE64', type: 'image/png' },
        undefined,
        at + 4,
      ),
      'not json',
    ]);

    const read = await source().read(limits);

    expect(read.records).toEqual([
      {
        request: {
          dataframe_split: { columns: ['age', 'plan'], data: [[41, 'pro']] },
        },
        response: { predictions: [0.8] },
        at,
      },
      { request: { instances: [[1.5, 2]] }, response: undefined, at: at + 1 },
      {
        request: {
          dataframe_split: {
            columns: ['age', 'plan'],
            data: [
              [37, 'basic'],
              [52, 'pro'],
            ],
          },
        },
        response: [0.1, 0.9],
        at: at + 2,
      },
      {
        request: { instances: [{ age: 29 }] },
        response: [0.3],
        at: at + 3,
      },
    ]);
    expect(read.skipped).toBe(2);
    expect(read.cursor).toBe(fileKey(5));
  });

  it('reads headerless CSV by position when csvHeader is off', async () => {
    put(fileKey(5), [line(csv('37,1.5\n52,2.5'), csv('0\n1'), HOUR)]);

    const read = await source({ ...capture, csvHeader: false }).read(limits);

    expect(read.records[0].request).toEqual({
      instances: [
        [37, 1.5],
        [52, 2.5],
      ],
    });
    expect(read.records[0].response).toEqual([0, 1]);
  });

  it('reads on from its cursor: a second pass reads only files that arrived since', async () => {
    const request = (age: number) =>
      line(json({ instances: [{ age }] }), json([0]), HOUR);
    put(fileKey(1), [request(1)]);
    put(fileKey(2), [request(2)]);
    // Before `since`, and another variant's: never read.
    s3.objects.set(
      `${PREFIX}2026/12/04/15/59-00-000-old.jsonl`,
      Buffer.from(request(0)),
    );
    s3.objects.set(
      `capture/churn-prod/churn-prod-v4/2026/12/04/16/01-00-000-x.jsonl`,
      Buffer.from(request(99)),
    );
    const ages = (records: Array<{ request: any }>) =>
      records.map(r => r.request.instances[0].age);

    const first = await source().read(limits);
    expect(ages(first.records)).toEqual([1, 2]);
    expect(first.cursor).toBe(fileKey(2));

    put(fileKey(3), [request(3), request(4)]);
    const second = await source().read({ ...limits, cursor: first.cursor });
    expect(ages(second.records)).toEqual([3, 4]);
    expect(second.cursor).toBe(fileKey(3));

    const third = await source().read({ ...limits, cursor: second.cursor });
    expect(third).toEqual({ records: [], cursor: fileKey(3), skipped: 0 });
  });

  it('waits for a file to settle: a later key may be listed before an earlier one lands', async () => {
    put(fileKey(50), [
      line(json({ instances: [{ age: 1 }] }), undefined, HOUR),
    ]);
    put(fileKey(57), [
      line(json({ instances: [{ age: 2 }] }), undefined, HOUR),
    ]);

    const early = await source().read(limits);
    expect(early.records).toHaveLength(1);
    expect(early.cursor).toBe(fileKey(50));

    // Another instance's file of 16:53 lands after the one of 16:57 was listed.
    put(fileKey(53), [
      line(json({ instances: [{ age: 3 }] }), undefined, HOUR),
    ]);
    now += 5 * MINUTE;
    const later = await source().read({ ...limits, cursor: early.cursor });
    expect(later.records.map((r: any) => r.request.instances[0].age)).toEqual([
      3, 2,
    ]);
  });

  it('reads at most maxFiles files and maxBytes bytes a pass, and skips a file larger than maxBytes', async () => {
    const record = line(json({ instances: [{ age: 1 }] }), undefined, HOUR);
    for (let m = 1; m <= 5; m++) put(fileKey(m), [record]);
    put(fileKey(6), Array(51).fill(record));
    put(fileKey(7), [record]);
    const size = s3.objects.get(fileKey(1))!.length;

    const byFiles = await source().read({ ...limits, maxFiles: 2 });
    expect(byFiles.records).toHaveLength(2);
    expect(byFiles.cursor).toBe(fileKey(2));

    const byBytes = await source().read({
      ...limits,
      cursor: byFiles.cursor,
      maxBytes: size * 2 + 1,
    });
    expect(byBytes.records).toHaveLength(2);
    expect(byBytes.cursor).toBe(fileKey(4));

    const rest = await source().read({
      ...limits,
      cursor: byBytes.cursor,
      maxBytes: size * 3,
    });
    // 16:05 read; 16:06 alone is over the bound: skipped, not read again; 16:07 read.
    expect(rest.records).toHaveLength(2);
    expect(rest.skipped).toBe(1);
    expect(rest.cursor).toBe(fileKey(7));
  });
});

describe('SageMakerServingTarget data capture', () => {
  let server: FakeSageMakerServer;
  let client: SageMakerClient;
  let s3: Awaited<ReturnType<typeof startFakeS3Server>>;

  beforeEach(async () => {
    server = await startFakeSageMakerServer();
    client = fakeSageMakerClient(server);
    s3 = await startFakeS3Server();
  });

  afterEach(async () => {
    client.destroy();
    await Promise.all([server.close(), s3.close()]);
  });

  const settings = {
    region: 'us-east-1',
    executionRoleArn: 'arn:aws:iam::123456789012:role/ml-serving',
    images: {
      python_function:
        '123456789012.dkr.ecr.us-east-1.amazonaws.com/mlflow-pyfunc:2.17',
    },
    serverless: { memorySizeMb: 2048, maxConcurrency: 20 },
    batchInstanceType: 'ml.m5.large',
  };
  const spec = (overrides = {}) =>
    sampleEndpointSpec({
      name: 'churn-prod',
      instanceType: 'ml.m5.large',
      deployments: [
        {
          name: 'churn-prod-v3',
          weight: 100,
          model: {
            name: 'churn',
            version: '3',
            artifactUri: 's3://ml-models/churn/3/model',
          },
        },
      ],
      ...overrides,
    });
  const configs = () => [...server.serving.endpointConfigs.values()];

  it('captures real-time endpoints as configured, and rolls a change of capture out as a new config', async () => {
    const target = SageMakerServingTarget.create({
      settings: { ...settings, dataCapture: capture },
      client,
    });
    await target.apply(spec());
    expect(configs()[0].DataCaptureConfig).toEqual({
      EnableCapture: true,
      InitialSamplingPercentage: 20,
      DestinationS3Uri: 's3://ml-capture/capture',
      CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }],
      CaptureContentTypeHeader: {
        JsonContentTypes: ['application/json'],
        CsvContentTypes: ['text/csv'],
      },
    });
    server.serving.setEndpointStatus('churn-prod', 'InService');

    // The same spec and capture: nothing to change.
    await target.apply(spec());
    expect(configs()).toHaveLength(1);

    const more = SageMakerServingTarget.create({
      settings: {
        ...settings,
        dataCapture: { ...capture, samplingPercent: 50 },
      },
      client,
    });
    await more.apply(spec());
    expect(configs()).toHaveLength(2);
    const endpoint = server.serving.endpoints.get('churn-prod')!;
    const pending = server.serving.endpointConfigs.get(
      endpoint.PendingDeploymentSummary.EndpointConfigName,
    )!;
    expect(pending.DataCaptureConfig.InitialSamplingPercentage).toBe(50);
  });

  it('configures no capture on serverless endpoints, or when none is configured', async () => {
    const target = SageMakerServingTarget.create({
      settings: { ...settings, dataCapture: capture },
      client,
    });
    await target.apply(
      spec({
        kind: 'serverless',
        instanceType: undefined,
        scaling: { minReplicas: 0, maxReplicas: 1, targetConcurrency: 1 },
      }),
    );
    expect(configs()[0].DataCaptureConfig).toBeUndefined();

    const plain = SageMakerServingTarget.create({ settings, client });
    expect(await plain.captureSource('churn-prod', 'churn-prod-v3')).toBe(
      undefined,
    );
  });

  it("reads a deployment's capture files under <s3Uri>/<endpoint>/<variant>/", async () => {
    const s3Client = new S3Client({
      region: 'us-east-1',
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake' },
    });
    const target = SageMakerServingTarget.create({
      settings: { ...settings, dataCapture: capture },
      client,
      s3: s3Client,
    });
    const at = Date.now() - 30 * MINUTE;
    const created = new Date(at);
    const two = (n: number) => String(n).padStart(2, '0');
    const key = `capture/churn-prod/churn-prod-v3/${created.getUTCFullYear()}/${two(
      created.getUTCMonth() + 1,
    )}/${two(created.getUTCDate())}/${two(created.getUTCHours())}/${two(
      created.getUTCMinutes(),
    )}-${two(created.getUTCSeconds())}-000-f00d.jsonl`;
    s3.objects.set(
      key,
      Buffer.from(line(json({ instances: [{ age: 40 }] }), json([1]), at)),
    );

    const source = await target.captureSource('churn-prod', 'churn-prod-v3');
    expect(source?.description).toBe(
      's3://ml-capture/capture/churn-prod/churn-prod-v3/',
    );
    const read = await source!.read({
      since: at - MINUTE,
      maxFiles: 10,
      maxBytes: 1 << 20,
    });
    expect(read.records).toEqual([
      { request: { instances: [{ age: 40 }] }, response: [1], at },
    ]);
    target.destroy();
  });
});
