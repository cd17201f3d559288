import { ReadinessCheckId } from '@ml-portal/plugin-ml-common';
import { MonitoredServing, readinessChecks, ReadinessFacts } from './checks';

const endpoint = (
  name: string,
  kind: MonitoredServing['kind'] = 'real-time',
): MonitoredServing => ({
  id: `id-${name}`,
  name,
  kind,
  versions: [3],
  settings: {
    drift: {
      enabled: true,
      sampleRate: 0.1,
      windowMinutes: 60,
      minSamples: 200,
      thresholds: { psiAlert: 0.25 },
    },
  },
  baseline: { found: true },
});

/** Facts of a model passing every check but the local artifact store's. */
function facts(change: Partial<ReadinessFacts> = {}): ReadinessFacts {
  return {
    model: {
      name: 'churn',
      owner: 'group:default/churn-team',
      creationTimestamp: 0,
      lastUpdatedTimestamp: 0,
      tags: [],
      aliases: [{ alias: 'production', version: '3' }],
      latestVersions: [],
    },
    alias: 'production',
    version: {
      version: 3,
      versionId: 'v3',
      artifactUri: 'mlflow-artifacts:/1/r3/artifacts/model',
      runId: 'r3',
    },
    datasets: [],
    featureViews: ['shop/driver_stats'],
    gateAlias: 'production',
    gates: [],
    endpoints: [endpoint('churn-live')],
    formatUsd: micros => `$${(micros / 1e6).toFixed(2)}`,
    artifactStore: { kind: 'local', directory: '/data/artifacts' },
    ...change,
  };
}

function check(id: ReadinessCheckId, input: ReadinessFacts) {
  return readinessChecks(input).find(c => c.id === id)!;
}

const job = (spotAllowed: boolean, checkpoint = {}) =>
  ({
    jobId: 'j1',
    name: 'train',
    spotAllowed,
    spec: { checkpoint },
  } as unknown as ReadinessFacts['job']);

describe('readiness checks', () => {
  it('lists the ten checks in order, each with a fact and a fix', () => {
    const checks = readinessChecks(facts());
    expect(checks.map(c => c.id)).toEqual([
      'workload-class',
      'data-residency',
      'artifact-storage',
      'spot-checkpointing',
      'tracking',
      'lineage',
      'evaluation-gates',
      'monitoring',
      'retraining',
      'cost',
    ]);
    for (const c of checks) {
      expect(c.fact).not.toBe('');
      expect(c.fix).not.toBe('');
    }
  });

  it('takes the workload class from the tag, else from endpoints that agree', () => {
    const tagged = (value: string) =>
      facts({
        model: {
          ...facts().model,
          tags: [{ key: 'mlplatform.workload-class', value }],
        },
      });
    expect(check('workload-class', tagged('real-time')).status).toBe('pass');
    expect(check('workload-class', tagged('batch'))).toMatchObject({
      status: 'fail',
      fact: 'Declared batch, but churn-live serves it real-time',
    });
    expect(check('workload-class', tagged('gpu')).status).toBe('fail');
    expect(check('workload-class', facts())).toMatchObject({
      status: 'pass',
      fact: 'real-time, as its endpoints serve it: churn-live (real-time)',
    });
    expect(
      check(
        'workload-class',
        facts({ endpoints: [endpoint('a'), endpoint('b', 'batch')] }),
      ).status,
    ).toBe('fail');
  });

  it('fails residency on a dataset that declares none', () => {
    const dataset = (name: string, residency?: string) => ({
      id: `d-${name}`,
      name,
      digest: 'x',
      sourceType: 's3',
      source: `s3://b/${name}`,
      owner: 'group:default/churn-team',
      createdAt: 0,
      ...(residency && { residency }),
    });
    expect(
      check(
        'data-residency',
        facts({ datasets: [dataset('trips', 'eu'), dataset('users')] }),
      ),
    ).toMatchObject({
      status: 'fail',
      fact: 'users declares no residency; its training job declares no compliance labels',
      fixUrl: 'datasets/d-users',
    });
    expect(check('data-residency', facts()).status).toBe('unknown');
  });

  it('knows encryption on Amazon S3 only', () => {
    expect(
      check(
        'artifact-storage',
        facts({ artifactStore: { kind: 's3', bucket: 'ml', prefix: 'a' } }),
      ),
    ).toMatchObject({ status: 'pass' });
    expect(
      check(
        'artifact-storage',
        facts({
          artifactStore: {
            kind: 's3',
            bucket: 'ml',
            endpoint: 'http://minio:9000',
          },
        }),
      ).status,
    ).toBe('unknown');
    expect(check('artifact-storage', facts()).status).toBe('fail');
    expect(
      check(
        'artifact-storage',
        facts({
          version: { ...facts().version!, artifactUri: 'gs://elsewhere/m' },
        }),
      ).status,
    ).toBe('unknown');
  });

  it('asks for checkpoints only when spot is allowed', () => {
    expect(check('spot-checkpointing', facts({ job: job(false) })).status).toBe(
      'pass',
    );
    expect(
      check('spot-checkpointing', facts({ job: job(true) })),
    ).toMatchObject({ status: 'fail', fixUrl: 'training/jobs/j1' });
    expect(
      check('spot-checkpointing', facts({ job: job(true, { uri: 's3://c' }) }))
        .status,
    ).toBe('pass');
    expect(check('spot-checkpointing', facts()).status).toBe('unknown');
  });

  it('fails monitoring without a baseline and retraining without a job', () => {
    const blind = {
      ...endpoint('churn-live'),
      settings: {
        ...endpoint('churn-live').settings,
        retraining: { profile: 'small' },
      },
      baseline: { found: false, reason: 'no feature_profile.json' },
    };
    expect(check('monitoring', facts({ endpoints: [blind] }))).toMatchObject({
      status: 'fail',
      fact: 'churn-live has no baseline for version 3 (no feature_profile.json)',
    });
    expect(check('retraining', facts({ endpoints: [blind] })).fact).toMatch(
      /was not trained by a platform job/,
    );
    expect(
      check('retraining', facts({ endpoints: [blind], job: job(false) }))
        .status,
    ).toBe('pass');
  });

  it('fails cost over budget and on a forecast past it', () => {
    const budget = (spentMicros: number, forecastMicros: number) => ({
      team: 'group:default/churn-team',
      month: '2026-12',
      amountMicros: 100e6,
      spentMicros,
      forecastMicros,
      thresholds: [1],
      crossed: [],
      hard: false,
      holding: false,
    });
    expect(check('cost', facts({ budget: budget(10e6, 50e6) })).status).toBe(
      'pass',
    );
    expect(check('cost', facts({ budget: budget(100e6, 100e6) })).fact).toBe(
      'group:default/churn-team has spent $100.00 of its $100.00 budget for 2026-12',
    );
    expect(check('cost', facts({ budget: budget(10e6, 150e6) }))).toMatchObject(
      {
        status: 'fail',
        fact: expect.stringContaining('take it to $150.00'),
      },
    );
  });
});
