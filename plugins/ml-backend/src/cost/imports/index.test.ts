import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigReader } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { FileCostSource, parseBill } from './index';

const examples = resolve(__dirname, '../../../../../examples/cost');

const inputError = async (fn: () => Promise<unknown>): Promise<InputError> => {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('expected an InputError');
};

describe('parseBill', () => {
  it('parses both formats', async () => {
    const opencost = await fs.readFile(
      join(examples, 'opencost-allocation.json'),
      'utf8',
    );
    const cur = await fs.readFile(join(examples, 'aws-cur.csv'), 'utf8');
    const oc = await parseBill('opencost', opencost, {});
    const aws = await parseBill('aws-cur', cur, {});
    expect(oc).toHaveLength(19);
    expect(aws).toHaveLength(20);
    expect(oc.every(l => l.key.startsWith('opencost:'))).toBe(true);
    expect(aws.every(l => l.key.startsWith('aws-cur:'))).toBe(true);
    // the JSON may come with a byte order mark
    expect(await parseBill('opencost', `\uFEFF${opencost}`, {})).toEqual(oc);
  });

  it('passes the amount option to OpenCost', async () => {
    const opencost = await fs.readFile(
      join(examples, 'opencost-allocation.json'),
      'utf8',
    );
    const sum = async (amount?: 'gpu' | 'total') =>
      (await parseBill('opencost', opencost, { amount })).reduce(
        (s, l) => s + l.amountMicros,
        0,
      );
    expect(await sum()).toBe(1_025_692_000);
    expect(await sum('gpu')).toBe(1_025_692_000);
    expect(await sum('total')).toBe(1_072_887_000);
  });

  it('names the problem of bad input', async () => {
    expect(
      (await inputError(() => parseBill('gcp' as any, 'x', {}))).message,
    ).toBe("unknown bill format 'gcp'; expected 'opencost' or 'aws-cur'");
    expect(
      (await inputError(() => parseBill('aws-cur', '  \n', {}))).message,
    ).toBe('aws-cur: the file is empty');
    expect(
      (
        await inputError(() =>
          parseBill('opencost', '{"code":200,"data":[', {}),
        )
      ).message,
    ).toMatch(/^opencost: the file is not valid JSON \(.+\)$/);
    expect(
      (
        await inputError(() =>
          parseBill('opencost', '{"code":200,"data":[]}', {
            namespaces: { a: 'user:x' },
          }),
        )
      ).message,
    ).toBe("opencost: namespaces.a: 'user:x' is not a group entity ref");
    expect(
      (await inputError(() => parseBill('aws-cur', 'a,b\n1,2\n', {}))).message,
    ).toMatch(/missing required column lineItem\/UnblendedCost/);
  });
});

describe('FileCostSource', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(join(tmpdir(), 'cost-imports-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('reads the file again on every read()', async () => {
    const path = join(dir, 'cur.csv');
    const cur = await fs.readFile(join(examples, 'aws-cur.csv'), 'utf8');
    await fs.writeFile(path, cur);
    const source = new FileCostSource({
      format: 'aws-cur',
      path,
      mapping: { defaultTeam: 'ml-platform' },
    });
    expect(source.id).toBe('aws-cur');
    const first = await source.read();
    expect(first).toHaveLength(20);
    expect(first.every(l => l.team)).toBe(true);

    const [header, ...rows] = cur.trimEnd().split('\n');
    await fs.writeFile(path, [header, ...rows.slice(0, 1)].join('\n'));
    expect(await source.read()).toHaveLength(1);
  });

  it('says which file is bad or missing', async () => {
    const path = join(dir, 'alloc.json');
    await fs.writeFile(path, 'not json');
    const source = new FileCostSource({ format: 'opencost', path });
    await expect(source.read()).rejects.toThrow(InputError);
    await expect(source.read()).rejects.toThrow(
      `${path}: opencost: the file is not valid JSON`,
    );
    await fs.rm(path);
    await expect(source.read()).rejects.toThrow(
      `opencost: cannot read ${path}`,
    );
  });

  it('is configured from ml.cost.imports', async () => {
    const path = join(examples, 'opencost-allocation.json');
    const sources = FileCostSource.fromConfig(
      new ConfigReader({
        ml: {
          cost: {
            imports: [
              {
                format: 'opencost',
                path,
                namespaces: { 'vision-batch': 'group:default/vision' },
                amount: 'total',
              },
              {
                format: 'aws-cur',
                path: join(examples, 'aws-cur.csv'),
                teamLabel: 'team',
              },
            ],
          },
        },
      }),
    );
    expect(sources.map(s => s.id)).toEqual(['opencost', 'aws-cur']);
    const lines = await sources[0].read();
    const vision = lines
      .filter(l => l.team === 'group:default/vision')
      .reduce((s, l) => s + l.amountMicros, 0);
    expect(vision).toBe(111_948_000); // total cost, vision-batch mapped
    expect(FileCostSource.fromConfig(new ConfigReader({}))).toEqual([]);
    expect(() =>
      FileCostSource.fromConfig(
        new ConfigReader({
          ml: { cost: { imports: [{ format: 'csv', path }] } },
        }),
      ),
    ).toThrow("ml.cost.imports[0]: unknown bill format 'csv'");
    expect(() =>
      FileCostSource.fromConfig(
        new ConfigReader({
          ml: {
            cost: {
              imports: [{ format: 'opencost', path, defaultTeam: 'a b' }],
            },
          },
        }),
      ),
    ).toThrow(/ml.cost.imports\[0\]: defaultTeam/);
  });
});
