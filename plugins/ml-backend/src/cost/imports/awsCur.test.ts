import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { InputError } from '@backstage/errors';
import { BilledCost } from '@ml-portal/plugin-ml-node';
import {
  gpuTypeOfInstance,
  isAcceleratedInstance,
  parseAwsCurCsv,
} from './awsCur';
import { csv, gpuRow, LEGACY } from './__testUtils__/curRows';

const example = () =>
  readFileSync(
    resolve(__dirname, '../../../../../examples/cost/aws-cur.csv'),
    'utf8',
  );

const byTeam = (lines: BilledCost[]) => {
  const totals: Record<string, number> = {};
  for (const l of lines)
    totals[l.team ?? 'none'] = (totals[l.team ?? 'none'] ?? 0) + l.amountMicros;
  return totals;
};

describe('parseAwsCurCsv', () => {
  it('parses the example: GPU instance lines per team', async () => {
    const lines = await parseAwsCurCsv(example(), {});
    expect(lines).toHaveLength(20);
    expect(byTeam(lines)).toEqual({
      // p4d 393.2712 + 262.1808, endpoint 3 × 29.4336, p5 196.64, SLA credit on the p4d -25
      'group:default/recsys': 915_392_800,
      // g5 spot 4.848 + 6.8754; the g6 Savings Plan usage nets to 0 with its negation
      'group:default/vision': 11_723_400,
      // SageMaker training ml.g5.12xlarge 38.995 + 23.0425 (the ml.t3 notebook is left out)
      'group:default/ml-platform': 62_037_500,
      // untagged g4dn spot 5.0496 + 5.0808 + 5.016
      none: 15_146_400,
    });
  });

  it('leaves out CPU instances, notebooks, EBS, data transfer and account tax', async () => {
    const text = (await parseAwsCurCsv(example(), {}))
      .map(l => l.description)
      .join('\n');
    expect(text).not.toMatch(
      /m6i|t3\.medium|VolumeUsage|vol-|DataTransfer|Tax/,
    );
    expect(text).toMatch(
      /^g5\.12xlarge — AmazonSageMaker Usage on arn:aws:sagemaker:us-east-1:444455556666:training-job\/llm-finetune-0504$/m,
    );
  });

  it('keeps a credit on a GPU instance, with the instance team and GPU type', async () => {
    const credit = (await parseAwsCurCsv(example(), {})).find(
      l => l.amountMicros < 0 && /Credit/.test(l.description),
    );
    expect(credit).toEqual({
      key: expect.stringMatching(/^aws-cur:[0-9a-f]{40}$/),
      periodStart: new Date('2026-05-05T00:00:00Z'),
      periodEnd: new Date('2026-05-06T00:00:00Z'),
      team: 'group:default/recsys',
      description:
        'p4d.24xlarge — AmazonEC2 Credit on i-0a1b2c3d4e5f60001: AWS Credit, "EC2 capacity" SLA',
      gpuType: 'A100',
      amountMicros: -25_000_000,
    });
  });

  it('sets the GPU type from the instance type', async () => {
    const types = new Map(
      (await parseAwsCurCsv(example(), {})).map(l => [
        l.description.split(' ')[0],
        l.gpuType,
      ]),
    );
    expect(Object.fromEntries(types)).toEqual({
      'p4d.24xlarge': 'A100',
      'g6.xlarge': 'L4',
      'g5.2xlarge': 'A10G',
      'g5.12xlarge': 'A10G',
      'g6.2xlarge': 'L4',
      'g4dn.xlarge': 'T4',
      'p5.48xlarge': 'H100',
    });
    expect(gpuTypeOfInstance('p3.2xlarge')).toBe('V100');
    expect(gpuTypeOfInstance('ml.p4de.24xlarge')).toBe('A100-80GB');
    expect(gpuTypeOfInstance('trn1.32xlarge')).toBe('Trainium');
    expect(gpuTypeOfInstance('m6i.large')).toBeUndefined();
    expect(
      [
        'p4d.24xlarge',
        'ml.g5.xlarge',
        'g6e.xlarge',
        'trn2.48xlarge',
        'inf2.xlarge',
        'p6-b200.48xlarge',
        'gr6.4xlarge',
      ].every(isAcceleratedInstance),
    ).toBe(true);
    expect(
      [
        'm6i.large',
        'ml.t3.medium',
        'c7gn.large',
        'VolumeUsage.gp3',
        'gp3',
        '',
      ].some(isAcceleratedInstance),
    ).toBe(false);
  });

  it('maps tags with the default team and a custom tag', async () => {
    const withDefault = byTeam(
      await parseAwsCurCsv(example(), {
        defaultTeam: 'group:default/ml-platform',
      }),
    );
    expect(withDefault['group:default/ml-platform']).toBe(
      62_037_500 + 15_146_400,
    );
    expect(withDefault.none).toBeUndefined();

    const text = csv(
      [...LEGACY, 'resourceTags/user:cost-center'],
      [gpuRow({ 'resourceTags/user:cost-center': 'vision' })],
    );
    expect(
      (await parseAwsCurCsv(text, { teamLabel: 'cost-center' }))[0].team,
    ).toBe('group:default/vision');
    expect((await parseAwsCurCsv(text, {}))[0].team).toBe(
      'group:default/recsys',
    );
  });

  it('reads CUR 2.0 snake_case columns and the resource_tags map', async () => {
    const columns = [
      'identity_line_item_id',
      'identity_time_interval',
      'line_item_line_item_type',
      'line_item_usage_start_date',
      'line_item_usage_end_date',
      'line_item_product_code',
      'line_item_usage_type',
      'line_item_resource_id',
      'line_item_unblended_cost',
      'product_instance_type',
      'resource_tags',
    ];
    const row = (over: Record<string, string>) => ({
      identity_line_item_id: 'x',
      identity_time_interval: '2026-05-04T00:00:00Z/2026-05-05T00:00:00Z',
      line_item_line_item_type: 'Usage',
      line_item_usage_start_date: '2026-05-04T00:00:00.000Z',
      line_item_usage_end_date: '2026-05-04T01:00:00.000Z',
      line_item_product_code: 'AmazonSageMaker',
      line_item_usage_type: 'USE1-Train:ml.p4d.24xlarge',
      line_item_resource_id: 'arn:aws:sagemaker:us-east-1:1:training-job/a',
      line_item_unblended_cost: '37.688',
      product_instance_type: 'ml.p4d.24xlarge',
      resource_tags: '{"user_team":"vision","user_env":"prod"}',
      ...over,
    });
    const lines = await parseAwsCurCsv(
      csv(columns, [
        row({}),
        row({
          line_item_resource_id: 'b',
          resource_tags: '{"user:team":"recsys"}',
          line_item_unblended_cost: '1.0000005',
        }),
        row({ line_item_resource_id: 'c', resource_tags: '{}' }),
        row({ line_item_resource_id: 'd', resource_tags: '' }),
      ]),
      {},
    );
    expect(lines.map(l => [l.team, l.gpuType, l.amountMicros])).toEqual(
      expect.arrayContaining([
        ['group:default/vision', 'A100', 37_688_000],
        ['group:default/recsys', 'A100', 1_000_000],
        [undefined, 'A100', 37_688_000],
        [undefined, 'A100', 37_688_000],
      ]),
    );
    expect(lines).toHaveLength(4);
  });

  it('takes the period from identity/TimeInterval when the usage dates are absent', async () => {
    const columns = [
      'identity/TimeInterval',
      'lineItem/ProductCode',
      'lineItem/UsageType',
      'lineItem/UnblendedCost',
    ];
    const [line] = await parseAwsCurCsv(
      csv(columns, [
        {
          'identity/TimeInterval': '2026-05-04T00:00:00Z/2026-05-05T00:00:00Z',
          'lineItem/ProductCode': 'AmazonEC2',
          'lineItem/UsageType': 'USE1-BoxUsage:g5.xlarge',
          'lineItem/UnblendedCost': '24.144',
        },
      ]),
      {},
    );
    expect(line).toMatchObject({
      periodStart: new Date('2026-05-04T00:00:00Z'),
      periodEnd: new Date('2026-05-05T00:00:00Z'),
      gpuType: 'A10G',
      amountMicros: 24_144_000,
    });
  });

  it('gives the same keys for a re-delivered report: new line item ids, other order, CRLF', async () => {
    const first = await parseAwsCurCsv(example(), {});
    expect(await parseAwsCurCsv(example(), {})).toEqual(first);
    const [header, ...rows] = example().trimEnd().split('\n');
    const redelivered = [
      header,
      ...rows
        .reverse()
        .map((r, i) =>
          r.replace(/^[a-z2-7]{52}/, `newid${String(i).padStart(47, '0')}`),
        ),
    ].join('\r\n');
    expect(redelivered).not.toContain(rows[0].slice(0, 52));
    expect(await parseAwsCurCsv(redelivered, {})).toEqual(first);
  });

  it('changes the key when the identity of a line changes, not its amount or team', async () => {
    const key = async (over: Record<string, string>) =>
      (await parseAwsCurCsv(csv(LEGACY, [gpuRow(over)]), {}))[0].key;
    const base = await key({});
    expect(
      await key({
        'lineItem/UnblendedCost': '50',
        'resourceTags/user:team': 'vision',
        'identity/LineItemId': 'other',
      }),
    ).toBe(base);
    expect(
      await key({ 'lineItem/UsageStartDate': '2026-05-04T00:00:01Z' }),
    ).not.toBe(base);
    expect(await key({ 'lineItem/ResourceId': 'i-2' })).not.toBe(base);
    expect(await key({ 'lineItem/LineItemType': 'DiscountedUsage' })).not.toBe(
      base,
    );
    expect(await key({ 'lineItem/UsageAccountId': '1' })).not.toBe(base);
  });

  it('sums lines of the same identity into one', async () => {
    const lines = await parseAwsCurCsv(
      csv(LEGACY, [
        gpuRow({ 'lineItem/UnblendedCost': '0.0000004' }),
        gpuRow({
          'identity/LineItemId': 'id2',
          'lineItem/UnblendedCost': '1.5',
          'resourceTags/user:team': '',
        }),
      ]),
      {},
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      amountMicros: 1_500_000,
      team: 'group:default/recsys',
    });
  });

  it('ignores problems in rows it does not keep', async () => {
    const lines = await parseAwsCurCsv(
      csv(LEGACY, [
        gpuRow(),
        gpuRow({
          'lineItem/UsageType': 'BoxUsage:m6i.large',
          'product/instanceType': 'm6i.large',
          'lineItem/UnblendedCost': 'n/a',
        }),
      ]),
      {},
    );
    expect(lines).toHaveLength(1);
  });

  it('refuses bad input with a message naming the problem', async () => {
    const without = (column: string) => LEGACY.filter(c => c !== column);
    const cases: Array<[string, RegExp]> = [
      ['', /aws-cur: the file is empty/],
      [
        csv(without('lineItem/UnblendedCost'), [gpuRow()]),
        /missing required column lineItem\/UnblendedCost \(CUR 2.0: line_item_unblended_cost\)/,
      ],
      [
        csv(without('lineItem/ProductCode'), [gpuRow()]),
        /missing required column lineItem\/ProductCode/,
      ],
      [
        csv(without('lineItem/UsageEndDate'), [gpuRow()]),
        /missing required column lineItem\/UsageEndDate .*no identity\/TimeInterval/,
      ],
      [
        csv(
          LEGACY.filter(
            c => c !== 'lineItem/UsageType' && c !== 'product/instanceType',
          ),
          [gpuRow()],
        ),
        /missing required column lineItem\/UsageType/,
      ],
      [
        csv(LEGACY, [gpuRow(), gpuRow({ 'lineItem/UnblendedCost': '12.3.4' })]),
        /^aws-cur: row 3: lineItem\/UnblendedCost '12.3.4' is not a decimal number$/,
      ],
      [
        csv(LEGACY, [gpuRow({ 'lineItem/UnblendedCost': '' })]),
        /row 2: lineItem\/UnblendedCost '' is empty/,
      ],
      [
        csv(LEGACY, [
          gpuRow({ 'lineItem/UsageStartDate': '2026-02-30T00:00:00Z' }),
        ]),
        /row 2: lineItem\/UsageStartDate '2026-02-30T00:00:00Z' is not a timestamp/,
      ],
      [
        csv(LEGACY, [
          gpuRow({ 'lineItem/UsageEndDate': '2026-05-03T00:00:00Z' }),
        ]),
        /row 2: lineItem\/UsageEndDate is before lineItem\/UsageStartDate/,
      ],
      [
        csv(LEGACY, [gpuRow({ 'lineItem/CurrencyCode': 'EUR' })]),
        /row 2: lineItem\/CurrencyCode is EUR; only USD/,
      ],
      [
        `${csv(LEGACY, [gpuRow()])}a,b\n`,
        /row 3 has 2 fields where the header has 12/,
      ],
      [
        `${LEGACY.join(',')}\nid1,"unclosed\n`,
        /aws-cur: line 2: a quoted field is not closed/,
      ],
      [
        csv(
          [
            'lineItem/ProductCode',
            'lineItem/UsageType',
            'lineItem/UsageStartDate',
            'lineItem/UsageEndDate',
            'lineItem/UnblendedCost',
            'resource_tags',
          ],
          [
            {
              'lineItem/ProductCode': 'AmazonEC2',
              'lineItem/UsageType': 'BoxUsage:g5.xlarge',
              'lineItem/UsageStartDate': '2026-05-04',
              'lineItem/UsageEndDate': '2026-05-05',
              'lineItem/UnblendedCost': '1',
              resource_tags: 'team=recsys',
            },
          ],
        ),
        /row 2: resource_tags is not a JSON object of tags/,
      ],
    ];
    for (const [text, message] of cases) {
      let error: unknown;
      try {
        await parseAwsCurCsv(text, {});
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toMatch(message);
    }
  });
});
