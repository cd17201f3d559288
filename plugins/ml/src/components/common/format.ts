import { Metric, Param, RunInfo } from '@ml-portal/plugin-ml-common';

/** What a table cell shows where a run has no value. @internal */
export const MISSING = '—';

/**
 * A metric value as text: six significant digits, and the non-finite values MLflow
 * allows spelled out ("NaN", "∞", "−∞") rather than dropped.
 *
 * @internal
 */
export function formatMetricValue(value: number | undefined): string {
  if (value === undefined) return MISSING;
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '∞';
  if (value === -Infinity) return '−∞';
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(6)));
}

/** An epoch-milliseconds time in the reader's locale. @internal */
export function formatTime(epochMs: number | undefined): string {
  return epochMs === undefined ? MISSING : new Date(epochMs).toLocaleString();
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A duration the way people read it: `850ms`, `42s`, `3m 12s`, `1h 02m`, `2d 05h`. @internal */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return MISSING;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${pad(seconds % 60)}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h ${pad(minutes % 60)}m`;
  return `${Math.floor(hours / 24)}d ${pad(hours % 24)}h`;
}

/** How long a run took, or has been running; unknown for a run that stopped without an end time. @internal */
export function runDuration(
  info: RunInfo,
  now = Date.now(),
): number | undefined {
  if (info.endTime !== undefined) return info.endTime - info.startTime;
  return info.status === 'RUNNING' ? now - info.startTime : undefined;
}

/** A file size in B, KB, MB or GB. @internal */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return '';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** The latest value of one metric of a run. @internal */
export function latestMetric(
  metrics: Metric[],
  key: string,
): number | undefined {
  return metrics.find(metric => metric.key === key)?.value;
}

/** The value of one param of a run. @internal */
export function paramValue(params: Param[], key: string): string | undefined {
  return params.find(param => param.key === key)?.value;
}

/** The distinct keys of a list of runs' metrics or params, sorted. @internal */
export function distinctKeys(items: Array<Array<{ key: string }>>): string[] {
  const keys = new Set<string>();
  for (const list of items) for (const item of list) keys.add(item.key);
  return [...keys].sort((a, b) => a.localeCompare(b));
}

/**
 * The same keys, those whose values differ between runs first: the columns worth
 * showing before anyone chooses (learning rate, not the batch size every run shares).
 *
 * @internal
 */
export function keysByVariation(
  items: Array<Array<{ key: string; value: unknown }>>,
): string[] {
  const values = new Map<string, Set<string>>();
  for (const list of items) {
    for (const { key, value } of list) {
      values.set(key, (values.get(key) ?? new Set()).add(String(value)));
    }
  }
  const varies = (key: string) => ((values.get(key)?.size ?? 0) > 1 ? 0 : 1);
  return distinctKeys(items).sort((a, b) => varies(a) - varies(b));
}

/**
 * An identifier of the MLflow search grammar, e.g. `metrics.auc` or
 * ``metrics.`val/loss` ``: keys that are not plain identifiers are backtick-quoted.
 *
 * @internal
 */
export function searchIdentifier(
  entity: 'metrics' | 'params' | 'tags' | 'attributes',
  key: string,
): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key)
    ? `${entity}.${key}`
    : `${entity}.\`${key}\``;
}
