import {
  CloudWatchClient,
  GetMetricDataCommand,
  MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import {
  ServingMetricsMinute,
  ServingMetricsSource,
} from '@ml-portal/plugin-ml-node';

/** The queries of one variant: CloudWatch's `AWS/SageMaker` metrics per minute. */
const QUERIES = [
  { id: 'invocations', metric: 'Invocations', stat: 'Sum' },
  { id: 'errors5xx', metric: 'Invocation5XXErrors', stat: 'Sum' },
  { id: 'errors4xx', metric: 'Invocation4XXErrors', stat: 'Sum' },
  { id: 'latencyP50', metric: 'ModelLatency', stat: 'p50' },
  { id: 'latencyP95', metric: 'ModelLatency', stat: 'p95' },
  { id: 'latencyP99', metric: 'ModelLatency', stat: 'p99' },
] as const;

type QueryId = (typeof QUERIES)[number]['id'];

/**
 * The per-minute numbers of a SageMaker production variant from CloudWatch
 * (`GetMetricData` over `AWS/SageMaker` by `EndpointName` and `VariantName`, period 60 s):
 * `Invocations` are the requests, `Invocation5XXErrors` the errors and
 * `Invocation4XXErrors` the client errors; `ModelLatency` (microseconds: the model's
 * time, without SageMaker's overhead) gives p50/p95/p99 in milliseconds, which the
 * platform turns into an approximate histogram. Minutes without invocations are left out.
 *
 * @internal
 */
export function cloudWatchMetricsSource(options: {
  client: CloudWatchClient;
  endpointName: string;
  variantName: string;
}): ServingMetricsSource {
  const { client, endpointName, variantName } = options;
  const dimensions = [
    { Name: 'EndpointName', Value: endpointName },
    { Name: 'VariantName', Value: variantName },
  ];
  const queries: MetricDataQuery[] = QUERIES.map(q => ({
    Id: q.id,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/SageMaker',
        MetricName: q.metric,
        Dimensions: dimensions,
      },
      Period: 60,
      Stat: q.stat,
    },
    ReturnData: true,
  }));
  return {
    kind: 'minutes',
    description: `CloudWatch AWS/SageMaker ${endpointName}/${variantName}`,
    async read({ fromMinute, toMinute }) {
      const values = new Map<number, Partial<Record<QueryId, number>>>();
      let nextToken: string | undefined;
      do {
        const page = await client.send(
          new GetMetricDataCommand({
            MetricDataQueries: queries,
            StartTime: new Date(fromMinute * 60_000),
            EndTime: new Date(toMinute * 60_000),
            ScanBy: 'TimestampAscending',
            NextToken: nextToken,
          }),
        );
        for (const result of page.MetricDataResults ?? []) {
          const id = result.Id as QueryId;
          (result.Timestamps ?? []).forEach((at, i) => {
            const minute = Math.floor(at.getTime() / 60_000);
            const value = result.Values?.[i];
            if (value === undefined) return;
            values.set(minute, { ...values.get(minute), [id]: value });
          });
        }
        nextToken = page.NextToken;
      } while (nextToken);

      const minutes: ServingMetricsMinute[] = [];
      for (const [minute, v] of [...values].sort(([a], [b]) => a - b)) {
        if (!v.invocations) continue;
        const ms = (micros?: number) =>
          micros === undefined ? undefined : micros / 1000;
        minutes.push({
          minute,
          requests: v.invocations,
          errors: v.errors5xx ?? 0,
          clientErrors: v.errors4xx ?? 0,
          latencyPercentilesMs: {
            p50: ms(v.latencyP50),
            p95: ms(v.latencyP95),
            p99: ms(v.latencyP99),
          },
        });
      }
      return minutes;
    },
  };
}
