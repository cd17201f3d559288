import { InputError } from '@backstage/errors';
import { BilledCost } from '@ml-portal/plugin-ml-node';
import { formatUsd, numberToMicros } from '../money';
import { parseUtcTimestamp } from '../../shared/time';
import { findLabel, mapTeam, TeamMapping, teamLabelOf } from './teams';

/**
 * Options of the OpenCost parser: the team mapping, and which cost is the amount.
 *
 * @public
 */
export type OpenCostOptions = TeamMapping & {
  /**
   * `gpu` (default): the allocation's GPU cost including its adjustment
   * (`gpuCost + gpuCostAdjustment`, OpenCost's GPU total), which is what the portal
   * estimates. `total`: `totalCost` (CPU, GPU, RAM, PV, network, load balancers,
   * shared and external). The other figure is always in the description.
   */
  amount?: 'gpu' | 'total';
};

/** OpenCost's names for allocations that belong to no workload. */
const UNOWNED: Record<string, string> = {
  __idle__: 'idle capacity, allocated to no workload',
  __unallocated__: 'not attributable to the aggregation',
  __unmounted__: 'volumes or load balancers mounted by no pod',
};

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function allocationSets(json: unknown): unknown[] {
  if (Array.isArray(json)) return json;
  if (!isObject(json))
    throw new InputError(
      'opencost: expected the JSON of /allocation or /allocation/compute: an object with a `data` array of allocation sets',
    );
  if (typeof json.code === 'number' && json.code !== 200)
    throw new InputError(
      `opencost: the export is an error response (code ${json.code}${
        typeof json.message === 'string' ? `: ${json.message}` : ''
      })`,
    );
  if (Array.isArray(json.data)) return json.data;
  if (isObject(json.data)) return [json.data];
  throw new InputError(
    'opencost: expected the JSON of /allocation or /allocation/compute: an object with a `data` array of allocation sets',
  );
}

function costOf(allocation: Json, field: string, where: string): number {
  const value = allocation[field];
  // OpenCost writes null for a NaN or infinite figure; it counts as nothing.
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number')
    throw new InputError(
      `${where}: ${field} must be a number, got ${JSON.stringify(value)}`,
    );
  try {
    return numberToMicros(value);
  } catch (e) {
    throw new InputError(`${where}: ${field} ${(e as Error).message}`);
  }
}

function timeOf(
  raw: unknown,
  fallback: unknown,
  field: string,
  where: string,
): Date {
  for (const candidate of [raw, fallback])
    if (typeof candidate === 'string' && candidate !== 'null') {
      const date = parseUtcTimestamp(candidate);
      if (date) return date;
      throw new InputError(
        `${where}: ${field} '${candidate}' is not an RFC 3339 timestamp`,
      );
    }
  throw new InputError(`${where}: ${field} is missing`);
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');

/**
 * Parses an OpenCost allocation export (the JSON that `/allocation` and
 * `/allocation/compute` answer: `{ code, data: [ { "<name>": Allocation, ... }, ... ] }`,
 * one map per window step) into billed lines, one per allocation and window.
 *
 * - key: `opencost:<cluster>/<name>@<window start, ISO>`, stable across re-imports of
 *   the same window whatever the order of the file;
 * - period: the allocation set's window (the allocation's own start/end when the
 *   window is open);
 * - amount: GPU cost (`gpuCost + gpuCostAdjustment`) unless `amount: 'total'`;
 * - team: the team label (workload labels, then namespace labels; OpenCost's sanitized
 *   label names are matched too), else the namespace mapping, else the default team;
 * - `__idle__`, `__unallocated__` and `__unmounted__` allocations are kept with no team,
 *   so reconciliation shows them as unallocated spend.
 *
 * Throws `InputError` naming the allocation for anything that is not of that shape.
 *
 * @public
 */
export function parseOpenCostAllocation(
  json: unknown,
  options: OpenCostOptions = {},
): BilledCost[] {
  const mode = options.amount ?? 'gpu';
  if (mode !== 'gpu' && mode !== 'total')
    throw new InputError(`opencost: amount must be 'gpu' or 'total'`);
  const teamLabel = teamLabelOf(options);
  const out: BilledCost[] = [];
  const keys = new Set<string>();
  allocationSets(json).forEach((set, index) => {
    if (set === null) return; // an empty step
    if (!isObject(set))
      throw new InputError(
        `opencost: data[${index}] must be an object of allocations by name`,
      );
    for (const [entry, allocation] of Object.entries(set)) {
      const where = `opencost: allocation '${entry}' of data[${index}]`;
      if (!isObject(allocation))
        throw new InputError(`${where} must be an object`);
      const name = str(allocation.name) || entry;
      const props = isObject(allocation.properties)
        ? allocation.properties
        : {};
      const window = isObject(allocation.window) ? allocation.window : {};
      const periodStart = timeOf(
        window.start,
        allocation.start,
        'window.start',
        where,
      );
      const periodEnd = timeOf(window.end, allocation.end, 'window.end', where);
      if (!(periodEnd.getTime() > periodStart.getTime()))
        throw new InputError(`${where}: window.end is not after window.start`);

      const gpuMicros =
        costOf(allocation, 'gpuCost', where) +
        costOf(allocation, 'gpuCostAdjustment', where);
      if (mode === 'total' && allocation.totalCost === undefined)
        throw new InputError(`${where}: totalCost is missing`);
      const totalMicros = costOf(allocation, 'totalCost', where);
      const gpuHours =
        typeof allocation.gpuHours === 'number' ? allocation.gpuHours : 0;

      const cluster = str(props.cluster);
      const namespace = str(props.namespace);
      const unowned = name
        .split('/')
        .find(part => Object.prototype.hasOwnProperty.call(UNOWNED, part));

      const key = `opencost:${cluster}/${name}@${periodStart.toISOString()}`;
      if (keys.has(key))
        throw new InputError(
          `${where}: allocation '${name}' of cluster '${cluster}' appears twice for the window starting ${periodStart.toISOString()}`,
        );
      keys.add(key);

      let what: string;
      if (unowned) {
        what = `${name}${cluster ? ` in ${cluster}` : ''}: ${UNOWNED[unowned]}`;
      } else {
        const controller = str(props.controller);
        const kind = str(props.controllerKind);
        what = namespace
          ? `${namespace}${
              controller ? `/${kind ? `${kind}:` : ''}${controller}` : ''
            }`
          : name;
      }
      const gpu = `GPU ${formatUsd(gpuMicros)} (${gpuHours} GPU-hours)`;
      const description =
        mode === 'gpu'
          ? `${what} — ${gpu} of total ${formatUsd(totalMicros)}`
          : `${what} — total ${formatUsd(totalMicros)}, of which ${gpu}`;

      const team = unowned
        ? undefined
        : mapTeam(options, {
            label:
              findLabel(props.labels, teamLabel) ??
              findLabel(props.namespaceLabels, teamLabel),
            namespace: namespace || undefined,
          });

      out.push({
        key,
        periodStart,
        periodEnd,
        ...(team ? { team } : {}),
        description,
        amountMicros: mode === 'gpu' ? gpuMicros : totalMicros,
      });
    }
  });
  return out;
}
