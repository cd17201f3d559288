import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import {
  InputError,
  NotAllowedError,
  ServiceUnavailableError,
} from '@backstage/errors';
import {
  FakeCloudWatchLogsServer,
  startFakeCloudWatchLogsServer,
} from './__testUtils__/fakeCloudWatchLogsServer';
import { SageMakerTargetSettings } from './config';
import { SageMakerComputeTarget } from './SageMakerComputeTarget';
import { toTrainingJobName } from './trainingJobName';

const GROUP = '/aws/sagemaker/TrainingJobs';
const JOB = 'ml-attempt-7f3a9c';
const T0 = Date.UTC(2025, 0, 1, 12);

const settings: SageMakerTargetSettings = {
  region: 'us-east-1',
  roleArn: 'arn:aws:iam::123456789012:role/ml-training',
  outputS3Uri: 's3://ml-output/jobs',
  checkpointS3Prefix: 's3://ml-output/checkpoints',
  volumeSizeGb: 50,
  spotMaxWaitFactor: 2,
};
const credentials = {
  accessKeyId: 'AKIDFAKE',
  secretAccessKey: 'fake-secret',
};

/** Events one second apart from `start`, with these messages. */
const events = (start: number, ...messages: string[]) =>
  messages.map((message, i) => ({ timestamp: start + i * 1000, message }));
const lines = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => `${prefix} ${i + 1}`);

describe('SageMakerComputeTarget.logs', () => {
  let server: FakeCloudWatchLogsServer;
  let target: SageMakerComputeTarget;

  const targetFor = (endpoint: string) =>
    SageMakerComputeTarget.create({
      settings,
      // Never called by logs().
      client: new SageMakerClient({
        region: 'us-east-1',
        endpoint: 'http://127.0.0.1:9',
        credentials,
      }),
      logsClient: new CloudWatchLogsClient({
        region: 'us-east-1',
        endpoint,
        credentials,
        maxAttempts: 1,
      }),
    });
  const operations = () => server.calls.map(c => c.operation);

  beforeEach(async () => {
    server = await startFakeCloudWatchLogsServer();
    target = targetFor(server.endpoint);
  });

  afterEach(async () => {
    target.destroy();
    await server.close();
  });

  it("reads the tail of a one-instance job's stream", async () => {
    server.append(
      GROUP,
      `${JOB}/algo-1-1735732800`,
      ...events(T0, ...lines('step', 5)),
    );
    // Another job whose name starts with this one's: not read.
    server.append(
      GROUP,
      `${JOB}-2/algo-1-1735732800`,
      ...events(T0 + 500, 'other job'),
    );

    expect(await target.logs(JOB, { tailLines: 3 })).toBe(
      'step 3\nstep 4\nstep 5',
    );

    expect(server.calls[0]).toMatchObject({
      operation: 'DescribeLogStreams',
      body: {
        logGroupName: GROUP,
        logStreamNamePrefix: `${JOB}/`,
        orderBy: 'LogStreamName',
      },
      authorization: expect.stringContaining('/us-east-1/logs/aws4_request'),
    });
    expect(server.calls[1]).toMatchObject({
      operation: 'GetLogEvents',
      body: {
        logGroupName: GROUP,
        logStreamName: `${JOB}/algo-1-1735732800`,
        startFromHead: false,
        limit: 3,
      },
    });
    // Three events came back for three lines wanted: no further page.
    expect(operations()).toEqual(['DescribeLogStreams', 'GetLogEvents']);
  });

  it('merges the streams of several instances in time order, naming the instance', async () => {
    server.append(
      GROUP,
      `${JOB}/algo-2-1735732801`,
      ...events(T0 + 500, 'b1', 'b2', 'b3'),
    );
    server.append(
      GROUP,
      `${JOB}/algo-1-1735732800`,
      ...events(T0, 'a1', 'a2', 'a3'),
    );

    expect(await target.logs(JOB)).toBe(
      [
        '[algo-1] a1',
        '[algo-2] b1',
        '[algo-1] a2',
        '[algo-2] b2',
        '[algo-1] a3',
        '[algo-2] b3',
      ].join('\n'),
    );
    // The tail is the last lines of the merged log, not of each stream.
    expect((await target.logs(JOB, { tailLines: 3 })).split('\n')).toEqual([
      '[algo-2] b2',
      '[algo-1] a3',
      '[algo-2] b3',
    ]);
  });

  it('does not label the streams of one instance restarted after a spot interruption', async () => {
    server.append(
      GROUP,
      `${JOB}/algo-1-1735736400`,
      ...events(T0 + 3600_000, 'resumed from checkpoint'),
    );
    server.append(
      GROUP,
      `${JOB}/algo-1-1735732800`,
      ...events(T0, 'epoch 1', 'saved checkpoint'),
    );

    expect(await target.logs(JOB)).toBe(
      'epoch 1\nsaved checkpoint\nresumed from checkpoint',
    );
  });

  it('respects tailLines across answer pages and multi-line events', async () => {
    server.setPageSize(4); // as when 1 MB cuts GetLogEvents answers short
    server.append(
      GROUP,
      `${JOB}/algo-1-1735732800`,
      ...events(T0, ...lines('line', 9)),
      { timestamp: T0 + 60_000, message: 'Traceback:\n  boom\n' },
    );

    expect(await target.logs(JOB, { tailLines: 7 })).toBe(
      [
        'line 5',
        'line 6',
        'line 7',
        'line 8',
        'line 9',
        'Traceback:',
        '  boom',
      ].join('\n'),
    );
    const pages = server.calls.filter(c => c.operation === 'GetLogEvents');
    expect(pages.map(c => [c.body.limit, c.body.nextToken])).toEqual([
      [7, undefined],
      [3, 'b/6'],
    ]);

    // A stream shorter than the tail: read to its head, which answers the same token.
    server.calls.length = 0;
    expect((await target.logs(JOB, { tailLines: 100 })).split('\n')).toEqual([
      ...lines('line', 9),
      'Traceback:',
      '  boom',
    ]);
    expect(
      server.calls
        .filter(c => c.operation === 'GetLogEvents')
        .map(c => c.body.nextToken),
    ).toEqual([undefined, 'b/6', 'b/2', 'b/0']);
  });

  it("reads the streams of a normalised external name's training job", async () => {
    const externalName = 'ml_job.42/attempt_1';
    server.append(
      GROUP,
      `${toTrainingJobName(externalName)}/algo-1-1735732800`,
      ...events(T0, 'hello'),
    );

    expect(await target.logs(externalName)).toBe('hello');
  });

  it("returns '' while the job has no logs", async () => {
    // No training job has logged in this account and region: no log group.
    expect(await target.logs(JOB)).toBe('');
    expect(operations()).toEqual(['DescribeLogStreams']);

    // Other jobs have logged, this one not yet.
    server.append(GROUP, 'other-job/algo-1-1735732800', ...events(T0, 'x'));
    expect(await target.logs(JOB)).toBe('');

    // Its stream exists but holds no events yet.
    server.append(GROUP, `${JOB}/algo-1-1735732800`);
    expect(await target.logs(JOB)).toBe('');

    // A stream deleted (retention) between listing and reading.
    server.append(GROUP, `${JOB}/algo-1-1735732800`, ...events(T0, 'x'));
    expect(await target.logs(JOB)).toBe('x');
    server.failNext(
      'GetLogEvents',
      'ResourceNotFoundException',
      'The specified log stream does not exist.',
    );
    expect(await target.logs(JOB)).toBe('');
  });

  it('surfaces an access error, naming the call and the missing permission', async () => {
    server.append(GROUP, `${JOB}/algo-1-1735732800`, ...events(T0, 'x'));
    server.failNext(
      'DescribeLogStreams',
      'AccessDeniedException',
      'User: arn:aws:sts::123456789012:assumed-role/portal/i-0abc is not authorized to perform: logs:DescribeLogStreams',
    );

    const error = await target.logs(JOB).catch(e => e);
    expect(error).toBeInstanceOf(NotAllowedError);
    expect(error.message).toContain(
      `CloudWatch Logs could not list the log streams ${GROUP}/${JOB}/*: AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/portal/i-0abc is not authorized`,
    );
    expect(error.message).toContain('logs:GetLogEvents');
    expect(error.cause).toMatchObject({ name: 'AccessDeniedException' });

    server.failNext(
      'GetLogEvents',
      'AccessDeniedException',
      'not authorized to perform: logs:GetLogEvents',
    );
    await expect(target.logs(JOB)).rejects.toThrow(
      `CloudWatch Logs could not read the log stream ${GROUP}/${JOB}/algo-1-1735732800: AccessDeniedException`,
    );
  });

  it('surfaces throttling and an unreachable endpoint as unavailable', async () => {
    server.failNext(
      'DescribeLogStreams',
      'ThrottlingException',
      'Rate exceeded',
    );
    const throttled = await target.logs(JOB).catch(e => e);
    expect(throttled).toBeInstanceOf(ServiceUnavailableError);
    expect(throttled.message).toContain('ThrottlingException: Rate exceeded');

    const unreachable = targetFor('http://127.0.0.1:9');
    try {
      const error = await unreachable.logs(JOB).catch(e => e);
      expect(error).toBeInstanceOf(ServiceUnavailableError);
      expect(error.message).toMatch(
        /^CloudWatch Logs unreachable, could not list/,
      );
    } finally {
      unreachable.destroy();
    }
  });

  it('refuses a tailLines that is not a positive integer, before calling AWS', async () => {
    await expect(target.logs(JOB, { tailLines: 0 })).rejects.toBeInstanceOf(
      InputError,
    );
    await expect(target.logs(JOB, { tailLines: 2.5 })).rejects.toThrow(
      'tailLines must be a positive integer',
    );
    expect(server.calls).toHaveLength(0);
  });
});
