import {
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@material-ui/core';
import { formatMetricValue } from '../tracking/format';

/** Metrics by key, as a version's source run last logged them or as a request snapshot. @internal */
export function MetricValues(props: {
  label: string;
  metrics: Record<string, number>;
  emptyText: string;
  /** Show at most this many, keys in order. */
  limit?: number;
}) {
  const { label, metrics, emptyText, limit } = props;
  const keys = Object.keys(metrics).sort((a, b) => a.localeCompare(b));
  if (keys.length === 0) {
    return (
      <Typography variant="body2" color="textSecondary">
        {emptyText}
      </Typography>
    );
  }
  return (
    <Table size="small" aria-label={label}>
      <TableHead>
        <TableRow>
          <TableCell>Metric</TableCell>
          <TableCell align="right">Value</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {keys.slice(0, limit).map(key => (
          <TableRow key={key}>
            <TableCell>{key}</TableCell>
            <TableCell align="right">
              {formatMetricValue(metrics[key])}
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

/** A metrics snapshot on one line: `recall 0.62 · val_auc 0.91`. @internal */
export function metricsInline(metrics: Record<string, number> = {}): string {
  return Object.keys(metrics)
    .sort((a, b) => a.localeCompare(b))
    .map(key => `${key} ${formatMetricValue(metrics[key])}`)
    .join(' · ');
}
