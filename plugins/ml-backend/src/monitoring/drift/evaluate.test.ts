import {
  DEFAULT_DRIFT_THRESHOLDS,
  driftStatus,
  evaluateDrift,
  FeatureDrift,
} from './evaluate';
import { buildFeatureProfile } from './profile';
import { categoricalSample, normalSample } from './__testUtils__/samples';

const PLANS = { free: 0.5, pro: 0.3, team: 0.2 };

/** A training set of 20,000 rows: a standard normal, a plan, and the model's score. */
const profile = buildFeatureProfile(
  {
    x: normalSample(20_000, 1),
    plan: categoricalSample(20_000, 2, PLANS),
    score: normalSample(20_000, 3, 0.5, 0.1),
  },
  { prediction: 'score' },
);

function drift(live: Record<string, Array<number | string | null>>) {
  const results = evaluateDrift(profile, live);
  return Object.fromEntries(results.map(r => [r.feature, r])) as Record<
    string,
    FeatureDrift
  >;
}

describe('evaluateDrift', () => {
  it('finds no drift in live data drawn like the training data', () => {
    const { x, plan, score } = drift({
      x: normalSample(10_000, 11),
      plan: categoricalSample(10_000, 12, PLANS),
      score: normalSample(10_000, 13, 0.5, 0.1),
    });
    expect(x.psi).toBeLessThan(0.01);
    expect(x.ks!.pValue).toBeGreaterThan(0.01);
    expect(plan.psi).toBeLessThan(0.01);
    expect(plan.chiSquare!.pValue).toBeGreaterThan(0.01);
    expect([x.status, plan.status, score.status]).toEqual(['ok', 'ok', 'ok']);
    expect(score).toMatchObject({ prediction: true, kind: 'numeric' });
    expect(x).toMatchObject({ prediction: false, samples: 10_000 });
  });

  it('grades a shifted mean by its PSI', () => {
    // SciPy 1.17: with e = np.diff(stats.norm.cdf(stats.norm.ppf(np.linspace(0, 1, 11))))
    // and a the same for norm(mu, 1): PSI = 0.0096 at mu = 0.1, 0.2377 at 0.5 and
    // 0.9261 at 1.0 (the population's values; a sample lands near them).
    const small = drift({ x: normalSample(50_000, 21, 0.1) }).x;
    const half = drift({ x: normalSample(50_000, 22, 0.5) }).x;
    const whole = drift({ x: normalSample(50_000, 23, 1) }).x;
    expect(small.psi).toBeCloseTo(0.0096, 2);
    expect(half.psi).toBeCloseTo(0.2377, 1);
    expect(whole.psi).toBeCloseTo(0.9261, 1);
    // A shift of 0.1 sd is real (the test sees it) but too small to report.
    expect(small.ks!.pValue).toBeLessThan(0.01);
    expect([small.status, half.status, whole.status]).toEqual([
      'ok',
      'warn',
      'alert',
    ]);
  });

  it('sees a change of scale, which leaves the mean where it was', () => {
    // SciPy 1.17, as above with norm(0, sd): PSI = 0.1935 at sd 1.5 and 0.4908 at
    // sd 2; the CDFs of N(0, 1) and N(0, 1.5²) differ by at most 0.0968.
    const wider = drift({ x: normalSample(50_000, 31, 0, 1.5) }).x;
    const widest = drift({ x: normalSample(50_000, 32, 0, 2) }).x;
    expect(wider.psi).toBeCloseTo(0.1935, 1);
    expect(wider.ks!.statistic).toBeCloseTo(0.0968, 1);
    expect(widest.psi).toBeCloseTo(0.4908, 1);
    expect([wider.status, widest.status]).toEqual(['warn', 'alert']);
  });

  it('finds a shift between categories and puts unseen ones under __other__', () => {
    const { plan } = drift({
      plan: categoricalSample(5_000, 41, {
        free: 0.3,
        pro: 0.3,
        team: 0.35,
        enterprise: 0.05,
      }),
    });
    expect(plan.baseline.labels).toEqual(['free', 'pro', 'team', '__other__']);
    expect(plan.live.labels).toEqual(plan.baseline.labels);
    expect(plan.baseline.shares[3]).toBe(0);
    expect(plan.live.shares[3]).toBeCloseTo(0.05, 1);
    expect(plan.chiSquare!.dof).toBe(3);
    expect(plan.chiSquare!.pValue).toBeLessThan(1e-10);
    expect(plan.status).toBe('alert');
  });

  it('does not report a small window whose PSI is only noise', () => {
    // 40 values from the training distribution: PSI over ten bins is about 9/40 by
    // chance alone, but the test finds no difference.
    const { x } = drift({ x: normalSample(40, 51) });
    expect(x.psi).toBeGreaterThan(DEFAULT_DRIFT_THRESHOLDS.psiWarn);
    expect(x.ks!.pValue).toBeGreaterThan(0.01);
    expect(x.status).toBe('ok');
  });

  it('keeps identical data at PSI 0 on a feature of repeated values', () => {
    const counts = normalSample(20_000, 61).map(v =>
      Math.max(0, Math.round(v)),
    );
    const own = buildFeatureProfile({ n: counts });
    const [n] = evaluateDrift(own, { n: counts });
    expect(n.psi).toBe(0);
    expect(n.ks!.statistic).toBeLessThan(1e-12);
    expect(n.baseline.labels[0]).toBe('= 0');
    expect(n.status).toBe('ok');
  });

  it('skips features without live values and ignores columns it does not know', () => {
    const results = evaluateDrift(profile, {
      x: [null, 'n/a', NaN],
      plan: [],
      unknown: [1, 2, 3],
      score: ['0.5', 0.51, null],
    });
    expect(results.map(r => [r.feature, r.samples])).toEqual([['score', 2]]);
  });

  it('takes thresholds overall and per feature', () => {
    const live = { x: normalSample(50_000, 22, 0.5) };
    const [byDefault] = evaluateDrift(profile, live);
    const [overall] = evaluateDrift(profile, live, { psiAlert: 0.2 });
    const [perFeature] = evaluateDrift(profile, live, {
      psiAlert: 0.2,
      perFeature: { x: { psiWarn: 0.3, psiAlert: 0.5 }, plan: { psiWarn: 0 } },
    });
    expect([byDefault.status, overall.status, perFeature.status]).toEqual([
      'warn',
      'alert',
      'ok',
    ]);
  });
});

describe('driftStatus', () => {
  it('needs both the PSI level and a p-value under the threshold', () => {
    const t = DEFAULT_DRIFT_THRESHOLDS;
    expect(driftStatus(0.3, 0.001, t)).toBe('alert');
    expect(driftStatus(0.3, 0.05, t)).toBe('ok');
    expect(driftStatus(0.12, 0.001, t)).toBe('warn');
    expect(driftStatus(0.05, 1e-30, t)).toBe('ok');
    expect(driftStatus(0.25, 0.0099, t)).toBe('alert');
  });
});
