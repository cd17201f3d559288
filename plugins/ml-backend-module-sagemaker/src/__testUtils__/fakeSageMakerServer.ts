import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import {
  FakeAwsJsonServer,
  Json,
  raise,
  startFakeAwsJsonServer,
} from './fakeAwsJsonServer';
import {
  createFakeSageMakerServing,
  FakeSageMakerServing,
} from './fakeSageMakerServing';

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
export type FakeSageMakerServer = FakeAwsJsonServer & {
  jobs: Map<string, Json>;
  serving: FakeSageMakerServing;
  update(name: string, update: FakeJobUpdate): void;
};

const now = () => Date.now() / 1000;

export async function startFakeSageMakerServer(): Promise<FakeSageMakerServer> {
  const jobs = new Map<string, Json>();

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

  const server = await startFakeAwsJsonServer({
    version: '1.1',
    targetPrefix: 'SageMaker.',
    signingName: 'sagemaker',
    internalError: 'InternalFailure',
    operations,
  });

  return {
    ...server,
    jobs,
    serving: serving.state,
    update(name, { SecondaryStatus, StatusMessage, ...fields }) {
      const job: Json = Object.assign(find(name), fields);
      if (SecondaryStatus === 'Training') job.TrainingStartTime ??= now();
      if (/^(Completed|Failed|Stopped)$/.test(job.TrainingJobStatus)) {
        job.TrainingEndTime ??= now();
      }
      transition(job, SecondaryStatus, StatusMessage ?? SecondaryStatus);
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
