import {
  FakeAwsJsonServer,
  Json,
  raise,
  startFakeAwsJsonServer,
} from './fakeAwsJsonServer';

/** An event a test appends; a bare string is stamped with the current time. */
export type FakeLogEvent = string | { timestamp: number; message: string };

/**
 * A FAKE of Amazon CloudWatch Logs' read API, for tests only. An HTTP server on 127.0.0.1
 * speaking AWS JSON 1.1 as CloudWatch Logs does (POST `/`, `X-Amz-Target:
 * Logs_20140328.<Operation>`, `application/x-amz-json-1.1` bodies; errors as 400 with
 * `x-amzn-errortype` and `{"__type", "message"}`), so the real
 * `@aws-sdk/client-cloudwatch-logs` talks to it. DescribeLogStreams (by name, with
 * `logStreamNamePrefix` and `nextToken` pages) and GetLogEvents (`startFromHead`,
 * `limit`, `b/<n>`/`f/<n>` tokens that come back unchanged at either end of the stream)
 * over streams in memory; log groups exist once a test appends to them. A SigV4
 * `Authorization` header is required but not verified.
 */
export type FakeCloudWatchLogsServer = FakeAwsJsonServer & {
  /** Appends events to a stream, creating the group and the stream as needed. */
  append(group: string, stream: string, ...events: FakeLogEvent[]): void;
  /**
   * At most this many events per GetLogEvents answer, whatever the `limit`: how the real
   * service cuts answers at 1 MB. Defaults to 10,000.
   */
  setPageSize(events: number): void;
};

type StoredEvent = {
  timestamp: number;
  message: string;
  ingestionTime: number;
};

export async function startFakeCloudWatchLogsServer(): Promise<FakeCloudWatchLogsServer> {
  const groups = new Map<
    string,
    Map<string, { creationTime: number; events: StoredEvent[] }>
  >();
  let pageSize = 10000;

  const groupOf = (name: string) =>
    groups.get(name) ??
    raise(
      'ResourceNotFoundException',
      'The specified log group does not exist.',
    );
  const limitOf = (value: unknown, max: number): number => {
    if (value === undefined) return max;
    if (
      !Number.isInteger(value) ||
      (value as number) < 1 ||
      (value as number) > max
    ) {
      raise('InvalidParameterException', `limit must be between 1 and ${max}`);
    }
    return value as number;
  };

  const operations: Record<string, (body: Json) => Json> = {
    DescribeLogStreams(body) {
      const { logStreamNamePrefix = '', orderBy = 'LogStreamName' } = body;
      if (
        orderBy === 'LastEventTime' &&
        body.logStreamNamePrefix !== undefined
      ) {
        raise(
          'InvalidParameterException',
          'Cannot order by LastEventTime with a logStreamNamePrefix.',
        );
      }
      const limit = limitOf(body.limit, 50);
      const group = groupOf(body.logGroupName);
      const streams = [...group.entries()]
        .filter(([name]) => name.startsWith(logStreamNamePrefix))
        .map(([name, { creationTime, events }]) => ({
          logStreamName: name,
          creationTime,
          arn: `arn:aws:logs:us-east-1:123456789012:log-group:${body.logGroupName}:log-stream:${name}`,
          ...(events.length > 0 && {
            firstEventTimestamp: events[0].timestamp,
            lastEventTimestamp: events[events.length - 1].timestamp,
            lastIngestionTime: Math.max(...events.map(e => e.ingestionTime)),
          }),
        }));
      if (orderBy === 'LastEventTime') {
        streams.sort(
          (a, b) => (a.lastEventTimestamp ?? 0) - (b.lastEventTimestamp ?? 0),
        );
      } else {
        streams.sort((a, b) => (a.logStreamName < b.logStreamName ? -1 : 1));
      }
      if (body.descending) streams.reverse();
      const start = body.nextToken ? Number(body.nextToken) : 0;
      const page = streams.slice(start, start + limit);
      const next = start + page.length;
      return {
        logStreams: page,
        ...(next < streams.length && { nextToken: String(next) }),
      };
    },
    GetLogEvents(body) {
      const limit = Math.min(limitOf(body.limit, 10000), pageSize);
      const stream =
        groupOf(body.logGroupName).get(body.logStreamName) ??
        raise(
          'ResourceNotFoundException',
          'The specified log stream does not exist.',
        );
      const { events } = stream;
      const token: string | undefined = body.nextToken;
      const backward = token
        ? token.startsWith('b/')
        : body.startFromHead !== true;
      let from: number;
      let to: number;
      if (backward) {
        to = token ? Number(token.slice(2)) : events.length;
        from = Math.max(0, to - limit);
      } else {
        from = token ? Number(token.slice(2)) : 0;
        to = Math.min(events.length, from + limit);
      }
      return {
        events: events.slice(from, to),
        nextBackwardToken: `b/${from}`,
        nextForwardToken: `f/${to}`,
      };
    },
  };

  const server = await startFakeAwsJsonServer({
    version: '1.1',
    targetPrefix: 'Logs_20140328.',
    signingName: 'logs',
    internalError: 'ServiceUnavailableException',
    operations,
  });

  return {
    ...server,
    append(group, stream, ...events) {
      if (!groups.has(group)) groups.set(group, new Map());
      const streams = groups.get(group)!;
      if (!streams.has(stream)) {
        streams.set(stream, { creationTime: Date.now(), events: [] });
      }
      const stored = streams.get(stream)!.events;
      for (const event of events) {
        const { timestamp, message } =
          typeof event === 'string'
            ? { timestamp: Date.now(), message: event }
            : event;
        stored.push({ timestamp, message, ingestionTime: Date.now() });
      }
      // CloudWatch Logs keeps a stream's events in timestamp order.
      stored.sort((a, b) => a.timestamp - b.timestamp);
    },
    setPageSize(events) {
      pageSize = events;
    },
  };
}
