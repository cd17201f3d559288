import {
  CloudWatchLogsClient,
  DescribeLogStreamsCommand,
  GetLogEventsCommand,
  LogStream,
  OutputLogEvent,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  InputError,
  NotAllowedError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { errorName } from './aws';

/** Where SageMaker training jobs log: one stream per instance, `<TrainingJobName>/algo-<n>-<epoch>`. */
export const TRAINING_JOBS_LOG_GROUP = '/aws/sagemaker/TrainingJobs';

export const DEFAULT_TAIL_LINES = 500;
/** GetLogEvents' largest `limit`, and the most lines one call returns. */
export const MAX_TAIL_LINES = 10000;
/** Streams read at most: the most recently written ones of a (large, or often restarted) job. */
const MAX_STREAMS = 16;
/** Pages of DescribeLogStreams (50 streams each) listed at most. */
const MAX_STREAM_PAGES = 20;
/** GetLogEvents calls per stream at most (answers are cut at 1 MB). */
const MAX_EVENT_PAGES = 10;
/** GetLogEvents calls in flight at once; the API is throttled per account and region. */
const CONCURRENCY = 4;

const API_ERRORS_DENIED = new Set([
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
]);
const API_ERRORS_UNAVAILABLE = new Set([
  'ThrottlingException',
  'ServiceUnavailableException',
  'LimitExceededException',
]);

type TailEvent = { timestamp: number; message: string; source: string };

/**
 * The last `tailLines` lines a SageMaker training job wrote to CloudWatch Logs, merged in
 * time order across its instances' streams, each line prefixed with `[algo-<n>] ` when the
 * job ran on more than one instance. '' while the job has no log streams (or the account
 * has no training-job log group yet). Other errors are thrown with the call that failed:
 * `NotAllowedError` when the backend's identity may not read the logs,
 * `ServiceUnavailableError` when CloudWatch Logs is unreachable or throttles.
 */
export async function readTrainingJobLogs(
  client: CloudWatchLogsClient,
  trainingJobName: string,
  tailLines: number = DEFAULT_TAIL_LINES,
): Promise<string> {
  if (!Number.isInteger(tailLines) || tailLines < 1) {
    throw new InputError(
      `tailLines must be a positive integer, got ${tailLines}`,
    );
  }
  const wanted = Math.min(tailLines, MAX_TAIL_LINES);
  const prefix = `${trainingJobName}/`;

  const streams = choose(await listStreams(client, prefix));
  if (streams.length === 0) {
    return '';
  }
  const sources = streams.map(name => instanceOf(name.slice(prefix.length)));
  const tails = await mapLimited(streams, CONCURRENCY, (name, i) =>
    tailOfStream(client, name, wanted).then(events =>
      events.map(event => ({ ...event, source: sources[i] })),
    ),
  );

  // A stable sort: events of equal timestamps keep their stream's order, and streams
  // come in name order.
  const merged: TailEvent[] = tails
    .flat()
    .sort((a, b) => a.timestamp - b.timestamp);
  const labelled = new Set(sources).size > 1;
  const lines = merged.flatMap(({ message, source }) =>
    message
      .replace(/\r?\n$/, '')
      .split(/\r?\n/)
      .map(line => (labelled ? `[${source}] ${line}` : line)),
  );
  return lines.slice(-wanted).join('\n');
}

/** The job's streams, by name; [] when the log group does not exist (no job has logged yet). */
async function listStreams(
  client: CloudWatchLogsClient,
  prefix: string,
): Promise<LogStream[]> {
  const streams: LogStream[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_STREAM_PAGES; page++) {
    let output;
    try {
      output = await client.send(
        new DescribeLogStreamsCommand({
          logGroupName: TRAINING_JOBS_LOG_GROUP,
          logStreamNamePrefix: prefix,
          // LastEventTime cannot be combined with a prefix; recency is sorted out below.
          orderBy: 'LogStreamName',
          nextToken,
        }),
      );
    } catch (error) {
      if (errorName(error) === 'ResourceNotFoundException') {
        return [];
      }
      throw toLogsError(
        error,
        `list the log streams ${TRAINING_JOBS_LOG_GROUP}/${prefix}*`,
      );
    }
    streams.push(...(output.logStreams ?? []));
    nextToken = output.nextToken;
    if (!nextToken) break;
  }
  return streams;
}

/**
 * The names of the streams to read, in name order: all of them, or the `MAX_STREAMS` most
 * recently written. (`lastEventTimestamp` lags ingestion, so the latest of it,
 * `lastIngestionTime` and `creationTime` stands for recency.)
 */
function choose(streams: LogStream[]): string[] {
  const named = streams.filter(s => s.logStreamName);
  const recency = (s: LogStream) =>
    Math.max(
      s.lastIngestionTime ?? 0,
      s.lastEventTimestamp ?? 0,
      s.creationTime ?? 0,
    );
  const chosen =
    named.length <= MAX_STREAMS
      ? named
      : [...named]
          .sort((a, b) => recency(b) - recency(a))
          .slice(0, MAX_STREAMS);
  return chosen.map(s => s.logStreamName!).sort();
}

/** `algo-1` of `algo-1-1700000000`: the host, without the epoch of its (re)start. */
function instanceOf(suffix: string): string {
  return suffix.replace(/-\d{9,}$/, '') || suffix;
}

/**
 * Up to `wanted` of the stream's last events, oldest first: GetLogEvents from the tail
 * (`startFromHead: false`), following `nextBackwardToken` while answers fall short, until
 * the token comes back unchanged (the head of the stream).
 */
async function tailOfStream(
  client: CloudWatchLogsClient,
  logStreamName: string,
  wanted: number,
): Promise<Array<{ timestamp: number; message: string }>> {
  const pages: OutputLogEvent[][] = [];
  let count = 0;
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_EVENT_PAGES && count < wanted; page++) {
    let output;
    try {
      output = await client.send(
        new GetLogEventsCommand({
          logGroupName: TRAINING_JOBS_LOG_GROUP,
          logStreamName,
          startFromHead: false,
          limit: wanted - count,
          nextToken,
        }),
      );
    } catch (error) {
      if (errorName(error) === 'ResourceNotFoundException') {
        break; // deleted (retention) since listed
      }
      throw toLogsError(
        error,
        `read the log stream ${TRAINING_JOBS_LOG_GROUP}/${logStreamName}`,
      );
    }
    const events = output.events ?? [];
    pages.unshift(events);
    count += events.length;
    if (!output.nextBackwardToken || output.nextBackwardToken === nextToken) {
      break;
    }
    nextToken = output.nextBackwardToken;
  }
  return pages
    .flat()
    .slice(-wanted)
    .map(event => ({
      timestamp: event.timestamp ?? event.ingestionTime ?? 0,
      message: event.message ?? '',
    }));
}

/** Runs `fn` over `items`, at most `limit` at a time; results in the items' order. */
async function mapLimited<T, R>(
  items: T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index], index);
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, worker),
  );
  return results;
}

/** A CloudWatch Logs failure as an error that names the call and the service's own error. */
function toLogsError(error: unknown, action: string): Error {
  const name = errorName(error);
  const message = error instanceof Error ? error.message : String(error);
  const fault = (error as { $fault?: string } | undefined)?.$fault;
  if (!fault) {
    // No answer from the service: the request never got there.
    return new ServiceUnavailableError(
      `CloudWatch Logs unreachable, could not ${action}: ${message}`,
      error,
    );
  }
  const text = `CloudWatch Logs could not ${action}: ${name}: ${message}`;
  if (name && API_ERRORS_DENIED.has(name)) {
    return new NotAllowedError(
      `${text} (the backend's AWS identity needs logs:DescribeLogStreams and logs:GetLogEvents on ${TRAINING_JOBS_LOG_GROUP})`,
      error,
    );
  }
  if ((name && API_ERRORS_UNAVAILABLE.has(name)) || fault === 'server') {
    return new ServiceUnavailableError(text, error);
  }
  return new Error(text, { cause: error });
}
