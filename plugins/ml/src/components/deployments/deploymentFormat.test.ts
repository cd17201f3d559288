import {
  canaryProgress,
  followsLabel,
  formatLatency,
  formatPercent,
  formatRate,
  isSettling,
  trafficSummary,
} from './deploymentFormat';
import { newEndpointRequest, NewEndpointForm } from './newEndpointForm';
import { canaryUnavailableReason, rolloutRequest } from './rollout';
import { makeDeployment, makeEndpoint, runningCanary } from './testData';

describe('deploymentFormat', () => {
  it('writes the traffic split stable first, leaving retired versions out', () => {
    expect(
      trafficSummary([
        makeDeployment({ version: '4', role: 'canary', weight: 10 }),
        makeDeployment({ version: '1', role: 'retired', weight: 0 }),
        makeDeployment({ version: '3', weight: 90 }),
      ]),
    ).toBe('v3 90% · v4 10% canary');
    expect(trafficSummary([])).toBe('—');
  });

  it('says what an endpoint follows, or the version it is pinned to', () => {
    expect(followsLabel(makeEndpoint())).toBe('follows production');
    expect(followsLabel(makeEndpoint({ followsAlias: undefined }))).toBe(
      'pinned to v2',
    );
  });

  it('formats rates, percentages and latencies', () => {
    expect(formatRate(42.5)).toBe('42.5/min');
    expect(formatRate(1234.4)).toBe('1230/min');
    expect(formatPercent(0.0117)).toBe('1.2%');
    expect(formatPercent(undefined)).toBe('—');
    expect(formatLatency(104.2)).toBe('104 ms');
    expect(formatLatency(1520)).toBe('1.52 s');
    expect(formatLatency(undefined)).toBe('—');
  });

  it('polls while a canary runs or a deployment starts, not when settled', () => {
    expect(isSettling(makeEndpoint())).toBe(true);
    const settled = makeEndpoint({
      canary: undefined,
      deployments: [makeDeployment({ version: '2' })],
    });
    expect(isSettling(settled)).toBe(false);
    expect(
      isSettling({
        ...settled,
        deployments: [makeDeployment({ version: '2', state: 'starting' })],
      }),
    ).toBe(true);
    expect(isSettling({ ...settled, status: 'CREATING' })).toBe(true);
  });

  it('measures a canary against its policy and the stable version', () => {
    const progress = canaryProgress(
      runningCanary,
      runningCanary.startedAt + 15 * 60_000,
    );
    expect(progress.timePercent).toBe(50);
    expect(progress.requestsPercent).toBe(60);
    // A decided canary stops its clock.
    expect(
      canaryProgress(
        { ...runningCanary, decidedAt: runningCanary.startedAt + 60_000 },
        runningCanary.startedAt + 3_600_000,
      ).elapsedMs,
    ).toBe(60_000);
  });
});

describe('rollout', () => {
  it('sends the canary share only for a canary, and only 1-99', () => {
    expect(rolloutRequest({ strategy: 'canary', percent: '25' })).toEqual({
      strategy: 'canary',
      canary: { percent: 25 },
    });
    expect(rolloutRequest({ strategy: 'replace', percent: 'x' })).toEqual({
      strategy: 'replace',
    });
    expect(rolloutRequest({ strategy: 'canary', percent: '100' })).toBe(
      undefined,
    );
    expect(rolloutRequest({ strategy: 'canary', percent: '2.5' })).toBe(
      undefined,
    );
  });

  it('refuses a canary beside a running one or without a stable version', () => {
    expect(canaryUnavailableReason(makeEndpoint())).toMatch(/running/);
    expect(
      canaryUnavailableReason(makeEndpoint({ canary: undefined })),
    ).toBeUndefined();
    expect(
      canaryUnavailableReason({
        deployments: [makeDeployment({ version: '3', role: 'canary' })],
      }),
    ).toMatch(/no stable version/);
  });
});

describe('newEndpointRequest', () => {
  const form: NewEndpointForm = {
    name: 'churn-eu',
    owner: 'group:default/growth',
    kind: 'batch',
    target: 'local',
    serves: 'version',
    alias: 'staging',
    minReplicas: '1',
    maxReplicas: '2',
    scaleToZeroAfterSeconds: '300',
  };

  it('leaves out what the kind does not use', () => {
    expect(newEndpointRequest(form, 'churn', '3').request).toEqual({
      name: 'churn-eu',
      owner: 'group:default/growth',
      modelName: 'churn',
      kind: 'batch',
      target: 'local',
      version: '3',
    });
  });

  it('names each bad field', () => {
    const { request, errors } = newEndpointRequest(
      {
        ...form,
        name: '9lives',
        kind: 'serverless',
        serves: 'alias',
        alias: ' ',
        minReplicas: '3',
        maxReplicas: '2',
        scaleToZeroAfterSeconds: '0',
      },
      'churn',
      '3',
    );
    expect(request).toBeUndefined();
    expect(Object.keys(errors).sort()).toEqual([
      'alias',
      'maxReplicas',
      'name',
      'scaleToZeroAfterSeconds',
    ]);
  });
});
