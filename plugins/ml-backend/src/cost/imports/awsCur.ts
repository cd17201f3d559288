import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { InputError } from '@backstage/errors';
import { BilledCost } from '@ml-portal/plugin-ml-node';
import { decimalToMicros } from '../money';
import { parseUtcTimestamp } from '../../shared/time';
import { CsvRecord, readCsv } from './csv';
import { toGroupRef } from '../../shared/groupRefs';
import { mapTeam, TeamMapping, teamLabelOf } from './teams';

/**
 * The CUR columns read, by their legacy CUR names. CUR 2.0 / Athena snake_case names
 * (`line_item_unblended_cost`, `product_instance_type`, `savings_plan_savings_plan_a_r_n`,
 * ...) are matched too: names are compared without case and without non-alphanumerics.
 */
const COLUMNS = {
  unblendedCost: 'lineItem/UnblendedCost',
  usageStart: 'lineItem/UsageStartDate',
  usageEnd: 'lineItem/UsageEndDate',
  timeInterval: 'identity/TimeInterval',
  lineItemType: 'lineItem/LineItemType',
  productCode: 'lineItem/ProductCode',
  usageType: 'lineItem/UsageType',
  operation: 'lineItem/Operation',
  availabilityZone: 'lineItem/AvailabilityZone',
  resourceId: 'lineItem/ResourceId',
  usageAccountId: 'lineItem/UsageAccountId',
  currency: 'lineItem/CurrencyCode',
  lineItemDescription: 'lineItem/LineItemDescription',
  instanceType: 'product/instanceType',
  pricingTerm: 'pricing/term',
  reservationArn: 'reservation/ReservationARN',
  savingsPlanArn: 'savingsPlan/SavingsPlanARN',
  /** CUR 2.0: a JSON map of the activated cost allocation tags (`{"user_team":"recsys"}`). */
  resourceTags: 'resource_tags',
  /** CUR 2.0: a JSON map of all tags, keys prefixed by their source (`resourceTags/...`). */
  tags: 'tags',
} as const;
type Column = keyof typeof COLUMNS;

/** The CUR 2.0 (snake_case) spelling of a legacy CUR column name, for messages. */
const cur2Name = (legacy: string) =>
  legacy
    .replace('/', '_')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
const normalize = (name: string) =>
  name.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Products whose GPU instance hours are kept. */
const GPU_PRODUCTS = new Set(['AmazonEC2', 'AmazonSageMaker']);

/** Line item types that are usage; the others (Tax, Credit, Refund, Fee, *Discount, RIFee, ...) are adjustments. */
const USAGE_LINE_TYPES = new Set([
  'Usage',
  'DiscountedUsage',
  'SavingsPlanCoveredUsage',
  'SavingsPlanNegation',
]);

/** EC2 accelerated-computing families: NVIDIA/AMD GPUs (p*, g*, gr*), Trainium, Inferentia, Gaudi (dl*). */
const ACCELERATED_FAMILY =
  /^(?:p\d+[a-z]*(?:-[a-z0-9]+)?|g\d+[a-z]*|gr\d+[a-z]*|trn\d+[a-z]*|inf\d+[a-z]*|dl\d+[a-z]*)$/;

/** The accelerator of each family, named as the price book names GPU types. */
const GPU_TYPES: Record<string, string> = {
  p2: 'K80',
  p3: 'V100',
  p3dn: 'V100',
  p4d: 'A100',
  p4de: 'A100-80GB',
  p5: 'H100',
  p5e: 'H200',
  p5en: 'H200',
  'p6-b200': 'B200',
  g3: 'M60',
  g3s: 'M60',
  g4dn: 'T4',
  g4ad: 'Radeon-Pro-V520',
  g5: 'A10G',
  g5g: 'T4G',
  g6: 'L4',
  gr6: 'L4',
  g6e: 'L40S',
  trn1: 'Trainium',
  trn1n: 'Trainium',
  trn2: 'Trainium2',
  inf1: 'Inferentia',
  inf2: 'Inferentia2',
  dl1: 'Gaudi',
};

const familyOf = (instanceType: string) =>
  instanceType.replace(/^ml\./i, '').split('.')[0].toLowerCase();

/** Whether an EC2 or SageMaker (`ml.`) instance type has GPUs or ML accelerators. @internal */
export const isAcceleratedInstance = (instanceType: string) =>
  instanceType.includes('.') && ACCELERATED_FAMILY.test(familyOf(instanceType));

/**
 * The GPU type of an EC2 or SageMaker instance type: `p4d.24xlarge` → `A100`,
 * `p5.48xlarge` → `H100`, `ml.g5.12xlarge` → `A10G`, `g6.xlarge` → `L4`,
 * `g4dn.xlarge` → `T4`, `p3.2xlarge` → `V100`; undefined when unknown.
 *
 * @internal
 */
export const gpuTypeOfInstance = (instanceType: string): string | undefined =>
  GPU_TYPES[familyOf(instanceType)];

/** The instance type of a line: `product/instanceType`, else the part of the usage type after `:` (`USE1-BoxUsage:p4d.24xlarge`, `USE1-Train:ml.p4d.24xlarge`). */
function instanceTypeOf(instanceColumn: string, usageType: string): string {
  const raw =
    instanceColumn.trim() ||
    (usageType.includes(':')
      ? usageType.slice(usageType.lastIndexOf(':') + 1)
      : '');
  return raw.trim().replace(/^ml\./i, '');
}

type Row = {
  line: number;
  get: (column: Column) => string;
  at: (index: number) => string;
};

/**
 * The billed lines of a CUR with this header, fed one record at a time: kept lines are
 * summed as they come; adjustments wait for the end, when every instance's team is known.
 */
function curReader(header: string[], options: TeamMapping) {
  const teamLabel = teamLabelOf(options);
  const exact = new Map<string, number>();
  const loose = new Map<string, number>();
  header.forEach((name, index) => {
    const trimmed = name.trim();
    if (!exact.has(trimmed)) exact.set(trimmed, index);
    if (!loose.has(normalize(trimmed))) loose.set(normalize(trimmed), index);
  });
  const indexOfName = (name: string) =>
    exact.get(name) ?? exact.get(cur2Name(name)) ?? loose.get(normalize(name));
  const index = Object.fromEntries(
    (Object.keys(COLUMNS) as Column[]).map(c => [c, indexOfName(COLUMNS[c])]),
  ) as Record<Column, number | undefined>;

  const missing = (c: Column) =>
    `aws-cur: missing required column ${COLUMNS[c]} (CUR 2.0: ${cur2Name(
      COLUMNS[c],
    )})`;
  if (index.unblendedCost === undefined)
    throw new InputError(missing('unblendedCost'));
  if (index.productCode === undefined)
    throw new InputError(missing('productCode'));
  if (
    (index.usageStart === undefined || index.usageEnd === undefined) &&
    index.timeInterval === undefined
  )
    throw new InputError(
      `${missing(
        index.usageStart === undefined ? 'usageStart' : 'usageEnd',
      )}, and there is no ${COLUMNS.timeInterval} either`,
    );
  if (index.usageType === undefined && index.instanceType === undefined)
    throw new InputError(
      `${missing('usageType')}, and there is no ${COLUMNS.instanceType} either`,
    );
  const tagColumn =
    indexOfName(`resourceTags/user:${teamLabel}`) ??
    indexOfName(`resource_tags_user_${teamLabel}`);
  const rowOf = (record: CsvRecord): Row => {
    if (record.fields.length !== header.length)
      throw new InputError(
        `aws-cur: row ${record.line} has ${record.fields.length} fields where the header has ${header.length}`,
      );
    return {
      line: record.line,
      get: (column: Column) => {
        const i = index[column];
        return i === undefined ? '' : record.fields[i].trim();
      },
      at: (i: number) => record.fields[i].trim(),
    };
  };

  const tagOf = (row: Row): string | undefined => {
    if (tagColumn !== undefined) {
      const value = row.at(tagColumn);
      if (value) return value;
    }
    const wanted: Array<[Column, string[]]> = [
      ['resourceTags', [`user_${teamLabel}`, `user:${teamLabel}`]],
      ['tags', [`resourceTags/user:${teamLabel}`, `resourceTags/${teamLabel}`]],
    ];
    for (const [column, keys] of wanted) {
      const raw = row.get(column);
      if (!raw) continue;
      let map: unknown;
      try {
        map = JSON.parse(raw);
      } catch {
        map = undefined;
      }
      if (typeof map !== 'object' || map === null || Array.isArray(map))
        throw new InputError(
          `aws-cur: row ${row.line}: ${cur2Name(
            COLUMNS[column],
          )} is not a JSON object of tags`,
        );
      const entries = Object.entries(map as Record<string, unknown>);
      for (const key of keys) {
        const hit =
          entries.find(([k]) => k === key) ??
          entries.find(([k]) => normalize(k) === normalize(key));
        if (hit && typeof hit[1] === 'string' && hit[1].trim()) return hit[1];
      }
    }
    return undefined;
  };

  const adjustments: Row[] = [];
  const instances = new Map<string, string>();
  const resourceTeams = new Map<string, Set<string>>();
  const teamOfResource = (resource: string) => {
    const teams = [...(resourceTeams.get(resource) ?? [])];
    return teams.length === 1 && teams[0] ? teams[0] : undefined;
  };

  const byKey = new Map<string, BilledCost>();
  const add = (row: Row, instance: string, adjustment: boolean) => {
    const where = `aws-cur: row ${row.line}`;
    const costText = row.get('unblendedCost');
    let amountMicros: number;
    try {
      if (!costText) throw new Error('is empty');
      amountMicros = decimalToMicros(costText);
    } catch (e) {
      const reason = (e as Error).message.replace(/^'.*' /, '');
      throw new InputError(
        `${where}: ${COLUMNS.unblendedCost} '${costText}' ${reason}`,
      );
    }
    const currency = row.get('currency');
    if (currency && currency !== 'USD')
      throw new InputError(
        `${where}: ${COLUMNS.currency} is ${currency}; only USD bills can be imported`,
      );

    const interval = row.get('timeInterval').split('/');
    const dateOf = (column: 'usageStart' | 'usageEnd', part: number) => {
      const text = row.get(column) || interval[part] || '';
      const date = parseUtcTimestamp(text);
      if (!date)
        throw new InputError(
          `${where}: ${
            row.get(column) || index.timeInterval === undefined
              ? COLUMNS[column]
              : COLUMNS.timeInterval
          } '${text}' is not a timestamp`,
        );
      return date;
    };
    const periodStart = dateOf('usageStart', 0);
    const periodEnd = dateOf('usageEnd', 1);
    if (periodEnd.getTime() < periodStart.getTime())
      throw new InputError(
        `${where}: ${COLUMNS.usageEnd} is before ${COLUMNS.usageStart}`,
      );

    const resource = row.get('resourceId');
    const lineType = row.get('lineItemType') || 'Usage';
    const identity = [
      row.get('usageAccountId'),
      periodStart.toISOString(),
      periodEnd.toISOString(),
      lineType,
      row.get('productCode'),
      row.get('usageType'),
      row.get('operation'),
      row.get('availabilityZone'),
      resource,
      instance,
      row.get('pricingTerm'),
      row.get('reservationArn'),
      row.get('savingsPlanArn'),
    ];
    const key = `aws-cur:${createHash('sha256')
      .update(JSON.stringify(identity))
      .digest('hex')
      .slice(0, 40)}`;

    const ownTeam = toGroupRef(tagOf(row));
    const team =
      ownTeam ??
      (adjustment ? teamOfResource(resource) : undefined) ??
      mapTeam(options, {});
    const gpuType = gpuTypeOfInstance(instance);
    const note = adjustment ? row.get('lineItemDescription') : '';
    const description = `${instance} — ${row.get('productCode')} ${lineType}${
      resource ? ` on ${resource}` : ''
    }${note ? `: ${note}` : ''}`;

    const before = byKey.get(key);
    if (before) {
      before.amountMicros += amountMicros;
      const teams = [before.team, team].filter((t): t is string => !!t).sort();
      if (teams[0]) before.team = teams[0];
      return;
    }
    byKey.set(key, {
      key,
      periodStart,
      periodEnd,
      ...(team ? { team } : {}),
      description,
      ...(gpuType ? { gpuType } : {}),
      amountMicros,
    });
  };

  return {
    push(record: CsvRecord) {
      const row = rowOf(record);
      const instance = instanceTypeOf(
        row.get('instanceType'),
        row.get('usageType'),
      );
      const resource = row.get('resourceId');
      if (
        GPU_PRODUCTS.has(row.get('productCode')) &&
        isAcceleratedInstance(instance)
      ) {
        if (resource) {
          if (!instances.has(resource)) instances.set(resource, instance);
          const teams = resourceTeams.get(resource) ?? new Set<string>();
          teams.add(toGroupRef(tagOf(row)) ?? '');
          resourceTeams.set(resource, teams);
        }
        add(row, instance, false);
      } else if (
        resource &&
        !USAGE_LINE_TYPES.has(row.get('lineItemType') || 'Usage')
      ) {
        adjustments.push(row);
      }
    },

    finish(): BilledCost[] {
      for (const row of adjustments) {
        const instance = instances.get(row.get('resourceId'));
        if (instance) add(row, instance, true);
      }
      return [...byKey.values()].sort(
        (a, b) =>
          a.periodStart.getTime() - b.periodStart.getTime() ||
          Number(a.key > b.key) - Number(a.key < b.key),
      );
    },
  };
}

/**
 * Parses an AWS Cost and Usage Report CSV (legacy CUR column names such as
 * `lineItem/UnblendedCost`, or CUR 2.0 snake_case names such as
 * `line_item_unblended_cost` with a `resource_tags` JSON map column) into billed lines.
 * A stream is read as it comes: only the kept lines (summed by identity) and the
 * adjustments that may apply to them are held, never the file.
 *
 * Kept: lines of `AmazonEC2` and `AmazonSageMaker` whose instance type
 * (`product/instanceType`, or the usage type after `:`) is an accelerated family (p*,
 * g*, gr*, trn*, inf*, dl*), whatever their line item type (usage, RI-covered usage,
 * Savings Plan covered usage and its negation, RI fees); plus adjustments (tax, credit,
 * refund, fee, discounts) whose `lineItem/ResourceId` is one of those instances. All else
 * (CPU instances, notebooks on ml.t3, EBS, data transfer, tax and credits of the
 * account, Savings Plan fees) is left out: the portal's estimates are GPU cost.
 *
 * - amount: `lineItem/UnblendedCost`, converted exactly (half to even at the µ$);
 * - team: the `user:<teamLabel>` cost allocation tag (`resourceTags/user:team`, or the
 *   `user_team` key of CUR 2.0 `resource_tags`), else the default team; an adjustment
 *   without the tag takes its instance's team when all its kept lines agree on one;
 * - key: `aws-cur:` + a hash of the line's identity (account, usage start and end, line
 *   item type, product, usage type, operation, zone, resource, instance type, pricing
 *   term, reservation and Savings Plan ARNs), not `identity/LineItemId`: AWS documents
 *   that line item ids are only unique within one report and are not consistent between
 *   reports, so a re-delivered CUR would otherwise add every line again instead of
 *   updating it. Lines with the same identity are summed into one.
 *
 * Throws `InputError` for a missing required column, a malformed CSV, a row with the
 * wrong number of fields, or a kept row with an unparseable amount, date, tag map or a
 * currency other than USD.
 *
 * @public
 */
export async function parseAwsCurCsv(
  input: string | Readable,
  options: TeamMapping = {},
): Promise<BilledCost[]> {
  const records = readCsv(input);
  try {
    const header = await records.next();
    if (header.done) throw new InputError('aws-cur: the file is empty');
    const reader = curReader(header.value.fields, options);
    for await (const record of records) reader.push(record);
    return reader.finish();
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`aws-cur: ${(e as Error).message}`);
  } finally {
    await records.return(undefined);
  }
}
