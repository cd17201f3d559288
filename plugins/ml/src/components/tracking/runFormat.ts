import { Metric, Param, RunInfo } from '@ml-portal/plugin-ml-common';

/** How long a run took, or has been running; unknown for a run that stopped without an end time. @internal */
export function runDuration(
  info: RunInfo,
  now = Date.now(),
): number | undefined {
  if (info.endTime !== undefined) return info.endTime - info.startTime;
  return info.status === 'RUNNING' ? now - info.startTime : undefined;
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
