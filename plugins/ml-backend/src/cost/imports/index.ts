import { FileHandle, open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { BilledCost, CostSource } from '@ml-portal/plugin-ml-node';
import { parseAwsCurCsv } from './awsCur';
import { OpenCostOptions, parseOpenCostAllocation } from './opencost';
import { TeamMapping, validateTeamMapping } from './teams';

export { parseAwsCurCsv, gpuTypeOfInstance } from './awsCur';
export { parseOpenCostAllocation } from './opencost';
export type { OpenCostOptions } from './opencost';
export { mapTeam } from './teams';
export type { TeamMapping } from './teams';

/** The bill formats the portal imports. @public */
export type BillFormat = 'opencost' | 'aws-cur';

/** @public */
export const BILL_FORMATS: readonly BillFormat[] = ['opencost', 'aws-cur'];

/** Team mapping, and for OpenCost which cost is the amount (`gpu` by default). @public */
export type BillOptions = TeamMapping & Pick<OpenCostOptions, 'amount'>;

/** The whole of a bill as text: OpenCost's JSON is parsed in one piece. */
async function textOf(input: string | Readable): Promise<string> {
  if (typeof input === 'string') return input;
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Parses an exported bill, given as text or as a stream of bytes: an OpenCost
 * allocation export (JSON) or an AWS Cost and Usage Report (CSV, read as it streams).
 * Throws `InputError` with a message naming the problem: an unknown format, an empty
 * file, bad JSON, malformed CSV (with its line), a missing required column, a row with
 * an unparseable amount or date, a bad team mapping.
 *
 * @public
 */
export async function parseBill(
  format: BillFormat,
  input: string | Readable,
  mapping: BillOptions = {},
): Promise<BilledCost[]> {
  if (!BILL_FORMATS.includes(format))
    throw new InputError(
      `unknown bill format '${format}'; expected ${BILL_FORMATS.map(
        f => `'${f}'`,
      ).join(' or ')}`,
    );
  const isEmpty = (text: string) => !text.replace(/^\uFEFF/, '').trim();
  if (typeof input === 'string' && isEmpty(input))
    throw new InputError(`${format}: the file is empty`);
  try {
    validateTeamMapping(mapping);
  } catch (e) {
    throw new InputError(`${format}: ${(e as Error).message}`);
  }
  if (format === 'aws-cur') return parseAwsCurCsv(input, mapping);
  const content = await textOf(input);
  if (isEmpty(content)) throw new InputError(`${format}: the file is empty`);
  let json: unknown;
  try {
    json = JSON.parse(content.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new InputError(
      `opencost: the file is not valid JSON (${(e as Error).message})`,
    );
  }
  return parseOpenCostAllocation(json, mapping);
}

/**
 * A bill exported to a local file (by a cron job, an S3 sync, OpenCost's exporter...),
 * read again on every `read()` so each scheduled import sees the latest export.
 *
 * @public
 */
export class FileCostSource implements CostSource {
  readonly id: BillFormat;
  private readonly path: string;

  constructor(
    private readonly options: {
      format: BillFormat;
      path: string;
      mapping?: BillOptions;
    },
  ) {
    if (!BILL_FORMATS.includes(options.format))
      throw new InputError(
        `unknown bill format '${options.format}'; expected 'opencost' or 'aws-cur'`,
      );
    validateTeamMapping(options.mapping ?? {});
    this.id = options.format;
    this.path = resolve(options.path);
  }

  /**
   * The sources of `ml.cost.imports`: `{ format, path, teamLabel?, namespaces?,
   * defaultTeam?, amount? }` each; relative paths are resolved against the backend's
   * working directory.
   */
  static fromConfig(config: Config): FileCostSource[] {
    return (config.getOptionalConfigArray('ml.cost.imports') ?? []).map(
      (c, i) => {
        const format = c.getString('format');
        const amount = c.getOptionalString('amount');
        if (amount !== undefined && amount !== 'gpu' && amount !== 'total')
          throw new Error(
            `ml.cost.imports[${i}].amount must be 'gpu' or 'total'`,
          );
        const namespaces = c.getOptionalConfig('namespaces');
        try {
          return new FileCostSource({
            format: format as BillFormat,
            path: c.getString('path'),
            mapping: {
              teamLabel: c.getOptionalString('teamLabel'),
              namespaces: namespaces
                ? Object.fromEntries(
                    namespaces.keys().map(k => [k, namespaces.getString(k)]),
                  )
                : undefined,
              defaultTeam: c.getOptionalString('defaultTeam'),
              amount: amount as BillOptions['amount'],
            },
          });
        } catch (e) {
          throw new Error(`ml.cost.imports[${i}]: ${(e as Error).message}`);
        }
      },
    );
  }

  /** Streams the file through the parser: a CUR of gigabytes is never held whole. */
  async read(): Promise<BilledCost[]> {
    let file: FileHandle;
    try {
      file = await open(this.path, 'r');
    } catch (e) {
      throw new Error(
        `${this.id}: cannot read ${this.path}: ${(e as Error).message}`,
      );
    }
    try {
      return await parseBill(
        this.id,
        file.createReadStream(),
        this.options.mapping ?? {},
      );
    } catch (e) {
      if (e instanceof InputError)
        throw new InputError(`${this.path}: ${e.message}`);
      throw e;
    }
  }
}
