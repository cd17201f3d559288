import { ConfigReader } from '@backstage/config';
import {
  evaluateGates,
  gatesFor,
  parseGateTag,
  readRegistryPolicy,
} from './gates';

describe('registry gates', () => {
  it('reads the policy with its defaults and refuses unknown operators', () => {
    expect(readRegistryPolicy(new ConfigReader({}))).toEqual({
      protectedAliases: ['production'],
      approverGroup: undefined,
      allowSelfApproval: false,
      gates: [],
    });
    const policy = readRegistryPolicy(
      new ConfigReader({
        ml: {
          registry: {
            protectedAliases: ['production', 'canary'],
            approverGroup: 'group:default/ml-release',
            allowSelfApproval: true,
            gates: [
              { alias: 'production', metric: 'auc', op: '>', threshold: 0.7 },
            ],
          },
        },
      }),
    );
    expect(policy).toMatchObject({
      protectedAliases: ['production', 'canary'],
      approverGroup: 'group:default/ml-release',
      allowSelfApproval: true,
      gates: [
        {
          alias: 'production',
          gate: { type: 'metric', metric: 'auc', op: '>', threshold: 0.7 },
        },
      ],
    });
    expect(() =>
      readRegistryPolicy(
        new ConfigReader({
          ml: {
            registry: {
              gates: [{ alias: 'p', metric: 'auc', op: '=>', threshold: 1 }],
            },
          },
        }),
      ),
    ).toThrow(/op must be one of/);
  });

  it('parses gate tags and rejects values that state no comparison', () => {
    expect(
      parseGateTag({ key: 'mlplatform.gate.accuracy', value: '>=0.85' }),
    ).toEqual({
      type: 'metric',
      metric: 'accuracy',
      op: '>=',
      threshold: 0.85,
    });
    expect(
      parseGateTag({ key: 'mlplatform.gate.loss', value: ' < 1e-2 ' }),
    ).toEqual({ type: 'metric', metric: 'loss', op: '<', threshold: 0.01 });
    for (const value of ['0.85', '>= high', '==1', '']) {
      expect(() =>
        parseGateTag({ key: 'mlplatform.gate.accuracy', value }),
      ).toThrow(/Invalid gate tag/);
    }
    expect(() =>
      parseGateTag({ key: 'mlplatform.gate.', value: '>1' }),
    ).toThrow(/Invalid gate tag/);
    for (const [value, threshold] of [
      ['>1.', 1],
      ['>.5', 0.5],
      ['> 12.50e1 ', 125],
    ] as const) {
      expect(parseGateTag({ key: 'mlplatform.gate.a', value })).toMatchObject({
        threshold,
      });
    }
  });

  it('reads a long run of digits in one pass', () => {
    // Was `\d+\.?\d*`: quadratic backtracking, seconds on 20,000 digits.
    const digits = '1'.repeat(200_000);
    expect(() =>
      parseGateTag({ key: 'mlplatform.gate.a', value: `>=${digits}x` }),
    ).toThrow(/Invalid gate tag/);
    expect(
      parseGateTag({ key: 'mlplatform.gate.a', value: `>=${digits}` }),
    ).toMatchObject({ op: '>=' });
  });

  it('adds tag gates to protected aliases only', () => {
    const policy = readRegistryPolicy(
      new ConfigReader({
        ml: {
          registry: {
            gates: [
              { alias: 'staging', metric: 'auc', op: '>=', threshold: 0.5 },
            ],
          },
        },
      }),
    );
    const tags = [
      { key: 'mlplatform.gate.f1', value: '>0.6' },
      { key: 'team', value: 'a' },
    ];
    expect(gatesFor(policy, 'production', tags)).toEqual([
      { type: 'metric', metric: 'f1', op: '>', threshold: 0.6 },
    ]);
    expect(gatesFor(policy, 'staging', tags)).toEqual([
      { type: 'metric', metric: 'auc', op: '>=', threshold: 0.5 },
    ]);
  });

  it('evaluates gates on the run’s metrics and explains each result', () => {
    const accuracy = {
      type: 'metric' as const,
      metric: 'accuracy',
      op: '>=' as const,
      threshold: 0.8,
    };
    const results = evaluateGates(
      [
        accuracy,
        { ...accuracy, op: '<', metric: 'loss', threshold: 0.1 },
        { ...accuracy, metric: 'f1' },
        { type: 'no-open-drift-alert' },
      ],
      { version: '3', runId: 'abc', metrics: { accuracy: 0.8, loss: 0.2 } },
    );
    expect(results.map(r => [r.passed, r.detail])).toEqual([
      [true, 'accuracy 0.8 >= 0.8'],
      [false, 'loss 0.2 not < 0.1'],
      [false, 'no f1 metric on run abc'],
      [true, 'no drift monitoring configured'],
    ]);
    expect(
      evaluateGates([accuracy], { version: '3', metrics: {} })[0],
    ).toMatchObject({
      passed: false,
      detail: expect.stringContaining('no source run'),
    });
    expect(
      evaluateGates([accuracy], {
        version: '3',
        runId: 'abc',
        metrics: { accuracy: NaN },
      })[0].passed,
    ).toBe(false);
  });

  it('fails the drift gate while an endpoint serving the version has an open drift alert', () => {
    const drift = [{ type: 'no-open-drift-alert' as const }];
    const source = { version: '3', runId: 'abc', metrics: {} };
    expect(
      evaluateGates(drift, { ...source, openDriftAlerts: [] })[0],
    ).toMatchObject({ passed: true, detail: 'no open drift alert' });
    expect(
      evaluateGates(drift, {
        ...source,
        openDriftAlerts: ['churn-prod: feature tenure drifted: PSI 0.412'],
      })[0],
    ).toMatchObject({
      passed: false,
      detail:
        '1 open drift alert: churn-prod: feature tenure drifted: PSI 0.412',
    });
  });
});
