import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import {
  createFakeSageMakerServing,
  FakeSageMakerServing,
} from './fakeSageMakerServing';

type Json = Record<string, any>;

/** A status change a test applies, as SageMaker would while the job runs (wire names). */
export type FakeJobUpdate = Partial<
  Record<'TrainingJobStatus' | 'StatusMessage' | 'FailureReason', string>
> & { SecondaryStatus: string; BillableTimeInSeconds?: number };

/**
 * A FAKE of Amazon SageMaker's training-job API, for tests only. An HTTP server on
 * 127.0.0.1 speaking AWS JSON 1.1 as SageMaker does (POST `/`, `X-Amz-Target:
 * SageMaker.<Operation>`, `application/x-amz-json-1.1` bodies; errors as 400 with
 * `x-amzn-errortype` and `{"__type", "message"}`), so the real `@aws-sdk/client-sagemaker`
 * talks to it. CreateTrainingJob, DescribeTrainingJob and StopTrainingJob over jobs in
 * memory (kept as DescribeTrainingJob answers, times in epoch seconds); a SigV4
 * `Authorization` header is required but not verified; jobs move only on `update`.
 * The serving API (models, endpoint configs, endpoints, transform jobs) is `serving`.
 */
export type FakeSageMakerServer = {
  endpoint: string;
  jobs: Map<string, Json>;
  serving: FakeSageMakerServing;
  /** Every accepted request, in order, with its parsed body. */
  calls: Array<{ operation: string; body: Json; authorization?: string }>;
  update(name: string, update: FakeJobUpdate): void;
  /** Makes the next call of `operation` fail with this error. */
  failNext(operation: string, type: string, message: string): void;
  close(): Promise<void>;
};

/** Throws an error the server answers as SageMaker's error `type`. */
const raise = (type: string, message: string): never => {
  throw Object.assign(new Error(message), { type });
};

const JSON_1_1 = 'application/x-amz-json-1.1';
const now = () => Date.now() / 1000;
const SIGV4 =
  /^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/[a-z0-9-]+\/sagemaker\/aws4_request/;

export async function startFakeSageMakerServer(): Promise<FakeSageMakerServer> {
  const jobs = new Map<string, Json>();
  const calls: FakeSageMakerServer['calls'] = [];
  const failures = new Map<string, [type: string, message: string]>();

  const find = (name: string): Json =>
    jobs.get(name) ??
    raise('ValidationException', 'Requested resource not found.');
  const transition = (job: Json, status: string, message: string) => {
    const at = now();
    const transitions = job.SecondaryStatusTransitions;
    if (transitions.length) transitions[transitions.length - 1].EndTime = at;
    transitions.push({ Status: status, StartTime: at, StatusMessage: message });
    job.SecondaryStatus = status;
  };

  const serving = createFakeSageMakerServing(raise);
  const operations: Record<string, (body: Json) => Json> = {
    ...serving.operations,
    CreateTrainingJob({ Tags, ...spec }) {
      const name = spec.TrainingJobName;
      const arn = `arn:aws:sagemaker:us-east-1:123456789012:training-job/${name.toLowerCase()}`;
      if (jobs.has(name)) {
        raise('ResourceInUse', `A training job ${arn} already exists`);
      }
      const job: Json = {
        ...spec,
        TrainingJobArn: arn,
        TrainingJobStatus: 'InProgress',
        CreationTime: now(),
        SecondaryStatusTransitions: [],
      };
      transition(job, 'Starting', 'Launching requested ML instances');
      jobs.set(name, job);
      return { TrainingJobArn: arn };
    },
    DescribeTrainingJob: ({ TrainingJobName }) => ({
      ...find(TrainingJobName),
      LastModifiedTime: now(),
    }),
    StopTrainingJob({ TrainingJobName }) {
      const job = find(TrainingJobName);
      if (job.TrainingJobStatus !== 'InProgress') {
        raise('ValidationException', `Job is ${job.TrainingJobStatus}`);
      }
      job.TrainingJobStatus = 'Stopping';
      transition(job, 'Stopping', 'Stopping the training job');
      return {};
    },
  };

  const server = createServer(async (req, res) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const reply = (status: number, body: Json, headers: Json = {}) => {
      res.writeHead(status, { 'content-type': JSON_1_1, ...headers });
      res.end(JSON.stringify(body));
    };
    const fail = (status: number, type: string, message: string) =>
      reply(status, { __type: type, message }, { 'x-amzn-errortype': type });

    const target = String(req.headers['x-amz-target']);
    const operation = target.replace(/^SageMaker\./, '');
    const authorization = req.headers.authorization;
    if (
      req.method !== 'POST' ||
      req.url !== '/' ||
      req.headers['content-type'] !== JSON_1_1 ||
      !operations[operation]
    ) {
      return fail(400, 'UnknownOperationException', `Unknown ${target}`);
    }
    if (!SIGV4.test(authorization ?? '')) {
      return fail(403, 'MissingAuthenticationTokenException', 'Not signed');
    }
    const body = raw ? JSON.parse(raw) : {};
    calls.push({ operation, body, authorization });
    try {
      const failure = failures.get(operation);
      if (failure && failures.delete(operation)) raise(...failure);
      return reply(200, operations[operation](body));
    } catch (error) {
      const { type = 'InternalFailure', message } = error as Json;
      return fail(type === 'InternalFailure' ? 500 : 400, type, message);
    }
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));

  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    jobs,
    serving: serving.state,
    calls,
    update(name, { SecondaryStatus, StatusMessage, ...fields }) {
      const job: Json = Object.assign(find(name), fields);
      if (SecondaryStatus === 'Training') job.TrainingStartTime ??= now();
      if (/^(Completed|Failed|Stopped)$/.test(job.TrainingJobStatus)) {
        job.TrainingEndTime ??= now();
      }
      transition(job, SecondaryStatus, StatusMessage ?? SecondaryStatus);
    },
    failNext(operation, type, message) {
      failures.set(operation, [type, message]);
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise(resolve => server.close(resolve));
    },
  };
}

/**
 * A client of the fake server in us-east-1 with static fake credentials, that sends
 * each call once (no retries). The caller destroys it.
 */
export function fakeSageMakerClient(server: FakeSageMakerServer) {
  return new SageMakerClient({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake-secret' },
    maxAttempts: 1,
  });
}
