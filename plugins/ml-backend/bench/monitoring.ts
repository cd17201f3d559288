/*
 * npm run bench:monitoring — the monitoring domain's figures, one named section each:
 *
 * - drift: `evaluateDrift` for 100 numeric features × 100,000 live values each
 *   against their training profiles (10 quantile bins from 20,000 training values per
 *   feature; every tenth feature's live values shifted, so that some work is not the
 *   happy path). Profiles and live values are built before the clock starts; the
 *   figure is the median of BENCH_DRIFT_RUNS (5) timed runs after one warm-up.
 *
 * Prints one line per figure, then one JSON object of every section's figures.
 * `BENCH_MONITORING_SECTIONS=drift` runs only the sections named (comma-separated).
 */
import { evaluateDrift } from '../src/monitoring/drift/evaluate';
import { buildFeatureProfile } from '../src/monitoring/drift/profile';
import { prng } from '../src/__testUtils__/prng';

const log = (line: string) => process.stdout.write(`${line}\n`);
const round = (n: number, digits = 1) => Number(n.toFixed(digits));
const median = (samples: number[]) =>
  [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)];

type Figures = Record<string, number>;

/** n draws from N(mean, sd²) by Box–Muller on the seeded PRNG. */
function normal(n: number, seed: number, mean = 0, sd = 1): number[] {
  const random = prng(seed);
  return Array.from(
    { length: n },
    () =>
      mean +
      sd *
        Math.sqrt(-2 * Math.log(1 - random())) *
        Math.cos(2 * Math.PI * random()),
  );
}

async function drift(): Promise<Figures> {
  const FEATURES = 100;
  const LIVE = 100_000;
  const TRAINING = 20_000;
  const RUNS = Number(process.env.BENCH_DRIFT_RUNS ?? 5);
  const names = Array.from({ length: FEATURES }, (_, i) => `f${i}`);
  const training = Object.fromEntries(
    names.map((name, i) => [name, normal(TRAINING, i + 1)]),
  );
  const profile = buildFeatureProfile(training);
  const live = Object.fromEntries(
    names.map((name, i) => [
      name,
      normal(LIVE, 1000 + i, i % 10 === 0 ? 0.5 : 0),
    ]),
  );

  const time = () => {
    const start = performance.now();
    const results = evaluateDrift(profile, live);
    const ms = performance.now() - start;
    if (results.length !== FEATURES) {
      throw new Error(`expected ${FEATURES} results, got ${results.length}`);
    }
    return { ms, results };
  };
  const { results } = time();
  const samples = Array.from({ length: RUNS }, () => time().ms);
  const ms = median(samples);
  const drifting = results.filter(r => r.status !== 'ok').length;
  log(
    `drift: ${FEATURES} features × ${LIVE.toLocaleString(
      'en',
    )} live values in ${round(ms)} ms (median of ${RUNS}; ${round(
      Math.min(...samples),
    )}-${round(Math.max(...samples))} ms), ${round(
      (FEATURES * LIVE) / (ms / 1000) / 1e6,
    )} M values/s; ${drifting} of ${FEATURES} features flagged (${
      FEATURES / 10
    } shifted), target ≤ 1000 ms`,
  );
  return { drift_100f_100k_ms: round(ms) };
}

/** The sections, by name, in the order they run. */
const SECTIONS: Record<string, () => Promise<Figures>> = { drift };

async function main(): Promise<Figures> {
  const wanted =
    process.env.BENCH_MONITORING_SECTIONS?.split(',').map(s => s.trim()) ??
    Object.keys(SECTIONS);
  const unknown = wanted.filter(name => !SECTIONS[name]);
  if (unknown.length) {
    throw new Error(
      `Unknown sections ${unknown.join(', ')}; known: ${Object.keys(
        SECTIONS,
      ).join(', ')}`,
    );
  }
  const figures: Figures = {};
  for (const name of wanted) Object.assign(figures, await SECTIONS[name]());
  return figures;
}

main().then(
  result => log(JSON.stringify(result)),
  error => {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exit(1);
  },
);
