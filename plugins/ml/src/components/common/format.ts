/** What a table cell or detail shows where there is no value. @internal */
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
