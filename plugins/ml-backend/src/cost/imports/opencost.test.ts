import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { BilledCost } from '@ml-portal/plugin-ml-node';
import { InputError } from '@backstage/errors';
import { parseOpenCostAllocation } from './opencost';

const example = () =>
  JSON.parse(
    readFileSync(
      resolve(
        __dirname,
        '../../../../../examples/cost/opencost-allocation.json',
      ),
      'utf8',
    ),
  );

const byTeam = (lines: BilledCost[]) => {
  const totals: Record<string, number> = {};
  for (const l of lines)
    totals[l.team ?? 'none'] = (totals[l.team ?? 'none'] ?? 0) + l.amountMicros;
  return totals;
};

const allocation = (over: Record<string, unknown> = {}) => ({
  name: 'recsys/job:train',
  properties: {
    cluster: 'c1',
    namespace: 'recsys',
    controller: 'train',
    controllerKind: 'job',
    labels: { team: 'recsys' },
  },
  window: { start: '2026-05-04T00:00:00Z', end: '2026-05-05T00:00:00Z' },
  start: '2026-05-04T02:00:00Z',
  end: '2026-05-04T05:00:00Z',
  gpuHours: 3,
  gpuCost: 12.288,
  gpuCostAdjustment: 0,
  totalCost: 13,
  ...over,
});
const one = (a: object, name = 'recsys/job:train') => ({
  code: 200,
  data: [{ [name]: a }],
});

describe('parseOpenCostAllocation', () => {
  const mapping = { namespaces: { 'vision-batch': 'group:default/vision' } };

  it('parses the example: GPU cost per team, idle unallocated', () => {
    const lines = parseOpenCostAllocation(example(), mapping);
    expect(lines).toHaveLength(19);
    expect(byTeam(lines)).toEqual({
      // 393.216 + 48.288 + (262.144 - 1.5 adjustment) + 48.288 + 48.288
      'group:default/recsys': 798_724_000,
      // detector-api (namespace label) 3 × 19.32, vision-batch (namespace mapping) 16.096 + 32.192
      'group:default/vision': 106_248_000,
      // jupyterhub 6.036 + 9.054 + 3.018
      'group:default/ml-platform': 18_108_000,
      // __idle__ 20.12 + 52.312 + 30.18, kube-system 3 × 0
      none: 102_612_000,
    });
  });

  it('can take the total cost as the amount instead', () => {
    const lines = parseOpenCostAllocation(example(), {
      ...mapping,
      amount: 'total',
    });
    expect(byTeam(lines)).toEqual({
      // 399.921 + 51.688 + 265.284 + 51.688 + 51.688
      'group:default/recsys': 820_269_000,
      // 3 × 20.72 + 16.596 + 33.192
      'group:default/vision': 111_948_000,
      // 7.496 + 10.514 + 4.478
      'group:default/ml-platform': 22_488_000,
      // idle 24.42 + 57.012 + 34.38, kube-system 3 × 0.79
      none: 118_182_000,
    });
  });

  it('keys, periods and descriptions of the lines', () => {
    const lines = parseOpenCostAllocation(example(), mapping);
    const train = lines.find(
      l =>
        l.key ===
        'opencost:gpu-prod-use1/recsys/job:ranker-train-0504@2026-05-05T00:00:00.000Z',
    );
    expect(train).toEqual({
      key: 'opencost:gpu-prod-use1/recsys/job:ranker-train-0504@2026-05-05T00:00:00.000Z',
      periodStart: new Date('2026-05-05T00:00:00Z'),
      periodEnd: new Date('2026-05-06T00:00:00Z'),
      team: 'group:default/recsys',
      description:
        'recsys/job:ranker-train-0504 — GPU $260.644 (64 GPU-hours) of total $265.284',
      amountMicros: 260_644_000,
    });
    const idle = lines.find(
      l => l.key === 'opencost:gpu-prod-use1/__idle__@2026-05-04T00:00:00.000Z',
    );
    expect(idle?.team).toBeUndefined();
    expect(idle?.description).toMatch(
      /^__idle__ in gpu-prod-use1: idle capacity/,
    );
    expect(idle?.amountMicros).toBe(20_120_000);
    expect(new Set(lines.map(l => l.key)).size).toBe(lines.length);
  });

  it('maps teams: without the namespace mapping vision-batch is unallocated', () => {
    const totals = byTeam(parseOpenCostAllocation(example(), {}));
    expect(totals['group:default/vision']).toBe(57_960_000);
    expect(totals.none).toBe(102_612_000 + 48_288_000);
  });

  it('gives the default team to unlabelled workloads but never to idle', () => {
    const totals = byTeam(
      parseOpenCostAllocation(example(), {
        defaultTeam: 'group:default/ml-platform',
      }),
    );
    expect(totals['group:default/ml-platform']).toBe(18_108_000 + 48_288_000);
    expect(totals.none).toBe(102_612_000);
  });

  it('reads a custom team label, as written or sanitized by OpenCost', () => {
    const lines = parseOpenCostAllocation(
      one(
        allocation({
          properties: {
            cluster: 'c1',
            namespace: 'x',
            labels: { app_kubernetes_io_part_of: 'vision' },
          },
        }),
      ),
      { teamLabel: 'app.kubernetes.io/part-of' },
    );
    expect(lines[0].team).toBe('group:default/vision');
  });

  it('gives the same keys for the same export, reordered or re-imported', () => {
    const first = parseOpenCostAllocation(example(), mapping);
    const again = parseOpenCostAllocation(example(), mapping);
    expect(again.map(l => l.key)).toEqual(first.map(l => l.key));

    const shuffled = example();
    shuffled.data = shuffled.data
      .reverse()
      .map((set: object) => Object.fromEntries(Object.entries(set).reverse()));
    const reordered = parseOpenCostAllocation(shuffled, mapping);
    const sort = (ls: BilledCost[]) =>
      [...ls].sort((a, b) => (a.key < b.key ? -1 : 1));
    expect(sort(reordered)).toEqual(sort(first));
  });

  it('counts null figures (NaN in OpenCost) as zero and sums the GPU adjustment', () => {
    const [line] = parseOpenCostAllocation(
      one(
        allocation({ gpuCost: 10.5, gpuCostAdjustment: -0.25, cpuCost: null }),
      ),
    );
    expect(line.amountMicros).toBe(10_250_000);
    const [nullGpu] = parseOpenCostAllocation(
      one(allocation({ gpuCost: null })),
    );
    expect(nullGpu.amountMicros).toBe(0);
  });

  it('falls back to the allocation start and end when the window is open', () => {
    const [line] = parseOpenCostAllocation(
      one(allocation({ window: { start: 'null', end: 'null' } })),
    );
    expect(line.periodStart.toISOString()).toBe('2026-05-04T02:00:00.000Z');
    expect(line.periodEnd.toISOString()).toBe('2026-05-04T05:00:00.000Z');
  });

  it('accepts a bare data array and skips empty steps', () => {
    const lines = parseOpenCostAllocation([
      null,
      { 'recsys/job:train': allocation() },
    ]);
    expect(lines.map(l => l.key)).toEqual([
      'opencost:c1/recsys/job:train@2026-05-04T00:00:00.000Z',
    ]);
  });

  it('refuses what is not an allocation export, naming the problem', () => {
    const bad: Array<[unknown, RegExp]> = [
      ['text', /expected the JSON of \/allocation/],
      [{ code: 200 }, /expected the JSON of \/allocation/],
      [{ code: 500, message: 'boom' }, /error response \(code 500: boom\)/],
      [{ data: [[1]] }, /data\[0\] must be an object of allocations/],
      [{ data: [{ a: 5 }] }, /allocation 'a' of data\[0\] must be an object/],
      [
        one(allocation({ gpuCost: '12.5' })),
        /gpuCost must be a number, got "12.5"/,
      ],
      [
        one(
          allocation({
            window: { start: 'yesterday', end: '2026-05-05T00:00:00Z' },
          }),
        ),
        /window.start 'yesterday' is not an RFC 3339 timestamp/,
      ],
      [
        one(allocation({ window: {}, start: undefined, end: undefined })),
        /window.start is missing/,
      ],
      [
        one(
          allocation({
            window: {
              start: '2026-05-05T00:00:00Z',
              end: '2026-05-05T00:00:00Z',
            },
          }),
        ),
        /window.end is not after window.start/,
      ],
      [one(allocation({ gpuCost: 1e300 })), /gpuCost .* out of range/],
      [
        { data: [{ x: allocation() }, { y: allocation() }] },
        /appears twice for the window starting 2026-05-04/,
      ],
    ];
    for (const [input, message] of bad) {
      let error: unknown;
      try {
        parseOpenCostAllocation(input);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toMatch(message);
    }
    expect(() =>
      parseOpenCostAllocation(one(allocation({ totalCost: undefined })), {
        amount: 'total',
      }),
    ).toThrow(/totalCost is missing/);
  });
});
