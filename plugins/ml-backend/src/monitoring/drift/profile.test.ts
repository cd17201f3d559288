import { InputError } from '@backstage/errors';
import { binIndex, binLabels } from './bins';
import {
  buildFeatureProfile,
  FEATURE_PROFILE_FORMAT,
  FeatureProfile,
  NumericFeatureProfile,
  parseFeatureProfile,
} from './profile';
import { categoricalSample, normalSample } from './__testUtils__/samples';

// Seven zeros among twenty values: several deciles fall on 0.
const WITH_ZEROS = [
  3.1, -0.4, 2.2, 0, 0, 0, 0, 5.5, 1.7, 0, 2.2, -1.3, 0.9, 4.4, 0, 2.6, 7, 0,
  1.1, 3.3,
];

describe('buildFeatureProfile', () => {
  it('bins a numeric column at its deciles, with a repeated value as an atom', () => {
    const profile = buildFeatureProfile({ x: WITH_ZEROS });
    const x = profile.features[0] as NumericFeatureProfile;
    expect(x).toMatchObject({ name: 'x', kind: 'numeric', count: 20 });
    // SciPy 1.17 / NumPy: np.quantile(x, np.linspace(0, 1, 11)) is
    // [-1.3, -0.04, 0, 0, 0, 1.0, 1.9, 2.32, 3.14, 4.51, 7.0]; the three zeros
    // become one atom (0 twice).
    const expected = [-1.3, -0.04, 0, 0, 1, 1.9, 2.32, 3.14, 4.51, 7];
    expect(x.quantiles).toHaveLength(expected.length);
    x.quantiles.forEach((edge, i) => expect(edge).toBeCloseTo(expected[i], 12));
    // [-1.3, -0.04): -1.3, -0.4; [-0.04, 0): none; = 0: seven; (0, 1): 0.9; ...
    expect(x.counts).toEqual([2, 0, 7, 1, 2, 2, 2, 2, 2]);
    // np.mean(x), np.std(x)
    expect(x.mean).toBeCloseTo(1.6149999999999998, 12);
    expect(x.std).toBeCloseTo(2.1230343850253584, 12);
    expect([x.min, x.max]).toEqual([-1.3, 7]);
    expect(binLabels(x.quantiles).slice(0, 4)).toEqual([
      '[-1.3, -0.04)',
      '[-0.04, 0)',
      '= 0',
      '[0, 1)',
    ]);
  });

  it('counts null and NaN as missing, and profiles the prediction apart', () => {
    const profile = buildFeatureProfile(
      {
        age: [30, null, 41, NaN, 25],
        plan: ['pro', 'free', null, 'free', 'free'],
        score: [0.2, 0.9, 0.4, 0.7, 0.1],
      },
      { prediction: 'score', bins: 4 },
    );
    expect(profile.rows).toBe(5);
    expect(
      profile.features.map(f => [f.name, f.kind, f.count, f.missing]),
    ).toEqual([
      ['age', 'numeric', 3, 2],
      ['plan', 'categorical', 4, 1],
    ]);
    expect(profile.features[1]).toMatchObject({
      frequencies: { free: 3, pro: 1 },
    });
    expect(profile.prediction).toMatchObject({
      name: 'score',
      kind: 'numeric',
      count: 5,
      counts: [1, 1, 1, 2],
    });
  });

  it('treats a column with any non-number as categorical, keeping the top categories', () => {
    const values = categoricalSample(1000, 3, {
      a: 0.4,
      b: 0.3,
      c: 0.2,
      d: 0.06,
      e: 0.04,
    });
    const profile = buildFeatureProfile(
      {
        cat: values,
        mixed: [1, 'two', 3, 3, null, 3, 1, 1, 1, 1].concat(
          new Array(990).fill(1),
        ),
      },
      { maxCategories: 3 },
    );
    const [cat, mixed] = profile.features;
    expect(cat.kind).toBe('categorical');
    const frequencies = cat.kind === 'categorical' ? cat.frequencies : {};
    expect(Object.keys(frequencies)).toEqual(['a', 'b', 'c', '__other__']);
    const tally = (v: string) => values.filter(x => x === v).length;
    expect(frequencies.__other__).toBe(tally('d') + tally('e'));
    expect(frequencies.a).toBe(tally('a'));
    expect(mixed).toMatchObject({
      kind: 'categorical',
      missing: 1,
      frequencies: { '1': 995, '3': 3, two: 1 },
    });
  });

  it('gives a constant column one atom bin', () => {
    const profile = buildFeatureProfile({ k: [4, 4, 4, null] });
    expect(profile.features[0]).toMatchObject({
      quantiles: [4, 4],
      counts: [3],
      std: 0,
    });
  });

  it('builds profiles that parse, whatever the data', () => {
    for (const seed of [1, 2, 3]) {
      const profile = buildFeatureProfile(
        {
          normal: normalSample(5000, seed),
          rounded: normalSample(5000, seed + 10).map(v => Math.round(v)),
          tiny: normalSample(7, seed + 20).concat(new Array(4993).fill(null)),
        },
        { bins: 50 },
      );
      expect(parseFeatureProfile(JSON.parse(JSON.stringify(profile)))).toEqual(
        profile,
      );
      for (const entry of profile.features) {
        const { quantiles, counts } = entry as NumericFeatureProfile;
        expect(counts.reduce((a, b) => a + b, 0)).toBe(entry.count);
        expect(binIndex(quantiles, quantiles[0] - 1)).toBe(0);
        expect(binIndex(quantiles, quantiles[quantiles.length - 1] + 1)).toBe(
          counts.length - 1,
        );
      }
    }
  });

  it('refuses columns of different lengths, bad bins and an unknown prediction', () => {
    expect(() => buildFeatureProfile({ a: [1, 2], b: [1] })).toThrow(
      "Column 'b' has 1 values; 'a' has 2",
    );
    expect(() => buildFeatureProfile({ a: [1] }, { bins: 0 })).toThrow(
      InputError,
    );
    expect(() => buildFeatureProfile({ a: [1] }, { prediction: 'p' })).toThrow(
      "No column 'p' for the prediction",
    );
  });
});

describe('parseFeatureProfile', () => {
  const valid = (): FeatureProfile => ({
    format: FEATURE_PROFILE_FORMAT,
    rows: 10,
    features: [
      {
        name: 'x',
        kind: 'numeric',
        count: 9,
        missing: 1,
        min: 0,
        max: 5,
        mean: 2,
        std: 1,
        quantiles: [0, 1, 1, 5],
        counts: [3, 4, 2],
      },
      {
        name: 'plan',
        kind: 'categorical',
        count: 10,
        missing: 0,
        frequencies: { free: 7, pro: 3 },
      },
    ],
  });

  it('accepts a valid profile', () => {
    expect(parseFeatureProfile(valid())).toEqual(valid());
  });

  it.each<[string, (p: any) => void, string]>([
    ['not an object', p => Object.assign(p, { features: 'x' }), 'features: '],
    [
      'another format',
      p => (p.format = 'v0'),
      `format: expected '${FEATURE_PROFILE_FORMAT}'`,
    ],
    [
      'an unknown kind',
      p => (p.features[0].kind = 'text'),
      'features[0].kind: ',
    ],
    [
      'a bin count per edge',
      p => p.features[0].counts.push(0),
      'features[0].counts: 4 counts for 4 edges; expected one per bin (3)',
    ],
    [
      'descending edges',
      p => (p.features[0].quantiles = [0, 2, 1, 5]),
      'features[0].quantiles: must be ascending (edge 2 is smaller)',
    ],
    [
      'an edge three times',
      p => {
        p.features[0].quantiles = [1, 1, 1, 5];
        p.features[0].min = 1;
      },
      'features[0].quantiles: the value 1 appears more than twice',
    ],
    [
      'edges outside min and max',
      p => (p.features[0].max = 4),
      'features[0].quantiles: edges must lie within [min, max]',
    ],
    [
      'counts that do not sum to count',
      p => (p.features[0].counts = [3, 4, 1]),
      'features[0].counts: the counts sum to 8, not to count (9)',
    ],
    [
      'count and missing that are not the rows',
      p => (p.features[1].missing = 2),
      'features[1]: count (10) + missing (2) must equal rows (10)',
    ],
    [
      'a negative count',
      p => (p.features[1].frequencies.pro = -3),
      'features[1].frequencies.pro: ',
    ],
    [
      'a name twice',
      p => (p.prediction = { ...p.features[1] }),
      "prediction.name: 'plan' is profiled twice",
    ],
    [
      'a numeric feature without values',
      p =>
        Object.assign(p.features[0], {
          count: 0,
          missing: 10,
          counts: [0, 0, 0],
        }),
      'features[0].count: a numeric feature needs at least one value',
    ],
    [
      'more than 1,000 features',
      p => {
        p.features = Array.from({ length: 1001 }, (_, i) => ({
          ...p.features[1],
          name: `f${i}`,
        }));
      },
      'features: at most 1,000 features',
    ],
    [
      'more than 1,000 bins',
      p => {
        p.features[0].quantiles = Array.from(
          { length: 1002 },
          (_, i) => i / 200,
        );
        p.features[0].counts = new Array(1001).fill(0);
      },
      'features[0].quantiles: at most 1001 edges (1,000 bins)',
    ],
    [
      'more than 1,000 categories',
      p => {
        p.features[1].frequencies = Object.fromEntries(
          Array.from({ length: 1001 }, (_, i) => [`c${i}`, i < 10 ? 1 : 0]),
        );
      },
      'features[1].frequencies: at most 1,000 categories',
    ],
  ])('rejects %s with a message naming the field', (_, spoil, message) => {
    const profile = valid();
    spoil(profile);
    expect(() => parseFeatureProfile(profile)).toThrow(InputError);
    expect(() => parseFeatureProfile(profile)).toThrow(
      `Invalid feature profile: ${message}`,
    );
  });

  it('rejects what is not a profile at all', () => {
    expect(() => parseFeatureProfile('{}')).toThrow(
      /^Invalid feature profile: profile: /,
    );
  });
});
