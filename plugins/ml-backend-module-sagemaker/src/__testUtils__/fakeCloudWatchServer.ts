import {
  FakeAwsJsonServer,
  Json,
  raise,
  startFakeAwsJsonServer,
} from './fakeAwsJsonServer';

/**
 * A FAKE of Amazon CloudWatch's `GetMetricData`, for tests only, speaking AWS JSON 1.0
 * as `@aws-sdk/client-cloudwatch` 3.x does (`X-Amz-Target:
 * GraniteServiceVersion20100801.GetMetricData`, times in epoch seconds), so the real
 * client talks to it. It answers `MetricStat` queries from datapoints a test puts per
 * metric, dimensions and statistic (already aggregated per `Period`, as CloudWatch
 * stores them), in `[StartTime, EndTime)`, in `ScanBy` order, cut into pages of
 * `setPageSize` datapoints across queries with a `NextToken`. Validates what CloudWatch
 * does: query ids, periods of whole minutes, known statistics, at most 500 queries.
 */
export type FakeCloudWatchServer = FakeAwsJsonServer & {
  /** Stores a datapoint of `metric` with these dimensions and statistic. */
  put(
    metric: {
      namespace: string;
      name: string;
      dimensions: Record<string, string>;
    },
    stat: string,
    timestampSeconds: number,
    value: number,
  ): void;
  setPageSize(datapoints: number): void;
};

const STAT = /^(Sum|Average|Minimum|Maximum|SampleCount|p\d{1,2}(\.\d+)?)$/;

export async function startFakeCloudWatchServer(): Promise<FakeCloudWatchServer> {
  /** Datapoints by series key, then timestamp (seconds). */
  const series = new Map<string, Map<number, number>>();
  let pageSize = 100_800;

  const key = (
    namespace: string,
    name: string,
    dimensions: Array<{ Name: string; Value: string }>,
    stat: string,
  ) =>
    JSON.stringify([
      namespace,
      name,
      [...dimensions]
        .sort((a, b) => (a.Name < b.Name ? -1 : 1))
        .map(d => [d.Name, d.Value]),
      stat,
    ]);

  const operations: Record<string, (body: Json) => Json> = {
    GetMetricData(body) {
      const queries: Json[] = body.MetricDataQueries ?? [];
      if (queries.length === 0 || queries.length > 500) {
        raise(
          'InvalidParameterValueException',
          'MetricDataQueries must hold 1 to 500 queries',
        );
      }
      const { StartTime: start, EndTime: end } = body;
      if (
        typeof start !== 'number' ||
        typeof end !== 'number' ||
        start >= end
      ) {
        raise(
          'InvalidParameterValueException',
          'The parameter StartTime must be less than the parameter EndTime.',
        );
      }
      const answers = queries.map(query => {
        const stat = query.MetricStat;
        if (!/^[a-z][a-zA-Z0-9_]*$/.test(query.Id ?? '') || !stat) {
          raise(
            'ValidationError',
            `Invalid metric data query ${JSON.stringify(query.Id)}`,
          );
        }
        if (!Number.isInteger(stat.Period / 60) || stat.Period < 60) {
          raise('ValidationError', 'The Period must be a multiple of 60.');
        }
        if (!STAT.test(stat.Stat)) {
          raise('ValidationError', `Unknown statistic ${stat.Stat}`);
        }
        const points = series.get(
          key(
            stat.Metric.Namespace,
            stat.Metric.MetricName,
            stat.Metric.Dimensions ?? [],
            stat.Stat,
          ),
        );
        const timestamps = [...(points?.keys() ?? [])]
          .filter(t => t >= start && t < end)
          .sort((a, b) => a - b);
        if (body.ScanBy !== 'TimestampAscending') timestamps.reverse();
        return {
          Id: query.Id,
          Label: stat.Metric.MetricName,
          points: timestamps.map(t => [t, points!.get(t)!] as const),
        };
      });
      // A page holds `pageSize` datapoints; the token is how many were sent before.
      let skip = body.NextToken ? Number(body.NextToken) : 0;
      let room = pageSize;
      let total = 0;
      const results = answers.map(answer => {
        total += answer.points.length;
        const from = Math.min(skip, answer.points.length);
        skip -= from;
        const page = answer.points.slice(from, from + room);
        room -= page.length;
        const complete = from + page.length === answer.points.length;
        return {
          Id: answer.Id,
          Label: answer.Label,
          Timestamps: page.map(([t]) => t),
          Values: page.map(([, v]) => v),
          StatusCode: complete ? 'Complete' : 'PartialData',
        };
      });
      const sent =
        (body.NextToken ? Number(body.NextToken) : 0) + (pageSize - room);
      return {
        MetricDataResults: results,
        Messages: [],
        ...(sent < total && { NextToken: String(sent) }),
      };
    },
  };

  const server = await startFakeAwsJsonServer({
    version: '1.0',
    targetPrefix: 'GraniteServiceVersion20100801.',
    signingName: 'monitoring',
    internalError: 'InternalServiceError',
    operations,
  });

  return {
    ...server,
    put(metric, stat, timestampSeconds, value) {
      const dimensions = Object.entries(metric.dimensions).map(
        ([Name, Value]) => ({ Name, Value }),
      );
      const k = key(metric.namespace, metric.name, dimensions, stat);
      if (!series.has(k)) series.set(k, new Map());
      series.get(k)!.set(timestampSeconds, value);
    },
    setPageSize(datapoints) {
      pageSize = datapoints;
    },
  };
}
