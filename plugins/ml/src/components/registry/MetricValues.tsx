import { DataColumn, DataTable } from '../common/DataTable';
import { formatMetricValue } from '../common/format';

type MetricValue = { key: string; value: number };

const metricColumns: DataColumn<MetricValue>[] = [
  { title: 'Metric', render: metric => metric.key },
  {
    title: 'Value',
    align: 'right',
    render: metric => formatMetricValue(metric.value),
  },
];

/** Metrics by key, as a version's source run last logged them or as a request snapshot. @internal */
export function MetricValues(props: {
  label: string;
  metrics: Record<string, number>;
  emptyText: string;
  /** Show at most this many, keys in order. */
  limit?: number;
}) {
  const { label, metrics, emptyText, limit } = props;
  const rows = Object.keys(metrics)
    .sort((a, b) => a.localeCompare(b))
    .slice(0, limit)
    .map(key => ({ key, value: metrics[key] }));
  return (
    <DataTable
      label={label}
      columns={metricColumns}
      rows={rows}
      rowKey={metric => metric.key}
      empty={emptyText}
      emptyAs="text"
    />
  );
}

/** A metrics snapshot on one line: `recall 0.62 · val_auc 0.91`. @internal */
export function metricsInline(metrics: Record<string, number> = {}): string {
  return Object.keys(metrics)
    .sort((a, b) => a.localeCompare(b))
    .map(key => `${key} ${formatMetricValue(metrics[key])}`)
    .join(' · ');
}
