import { decideCanary } from './canaryVerdict';
import { StoredCanary, ServingMinute } from './DeploymentStore';
import { encodeLatencies, newLatencyHistogram } from '../shared/latency';

const STARTED = Date.UTC(2026, 11, 3, 12, 0);
const canary: StoredCanary = {
  id: 'c1',
  endpointId: 'e1',
  deploymentId: 'canary',
  stableDeploymentId: 'stable',
  version: 2,
  stableVersion: 1,
  percent: 10,
  policy: {
    percent: 10,
    durationMinutes: 10,
    minRequests: 100,
    maxErrorRateIncrease: 0.02,
    maxP95Ratio: 1.5,
  },
  status: 'RUNNING',
  startedBy: 'user:default/a',
  startedAt: STARTED,
};

/**
 * A minute of `requests` with `errors`, every latency `ms`, or latencies by count
 * (`{ 25: 44, 55: 3 }`: 44 requests of 25 ms and 3 of 55 ms).
 */
function minute(
  deploymentId: string,
  requests: number,
  errors: number,
  ms: number | Record<number, number>,
): ServingMinute {
  const histogram = newLatencyHistogram();
  const latencies = typeof ms === 'number' ? { [ms]: requests } : ms;
  for (const [value, count] of Object.entries(latencies)) {
    histogram.recordValueWithCount(Number(value) * 1000, count);
  }
  return {
    endpointId: 'e1',
    deploymentId,
    minute: STARTED / 60_000,
    requests,
    errors,
    clientErrors: 0,
    bytesIn: 0,
    coldStarts: 0,
    coldStartMs: 0,
    latency: encodeLatencies(histogram),
  };
}

const stats = (c: ServingMinute[], s: ServingMinute[]) => ({
  canary: c,
  stable: s,
});
const after = (minutes: number) => STARTED + minutes * 60_000;

describe('decideCanary', () => {
  it('waits for the minimum requests of both versions, then passes once its time is up', () => {
    const few = stats(
      [minute('canary', 50, 0, 5)],
      [minute('stable', 900, 0, 5)],
    );
    expect(decideCanary(canary, few, after(11))).toMatchObject({
      decision: 'wait',
      reason: expect.stringMatching(/canary 50, stable 900/),
    });
    const enough = stats(
      [minute('canary', 120, 1, 5)],
      [minute('stable', 900, 5, 5)],
    );
    expect(decideCanary(canary, enough, after(5)).decision).toBe('wait');
    expect(decideCanary(canary, enough, after(10))).toMatchObject({
      decision: 'pass',
      canary: { requests: 120, errors: 1 },
    });
  });

  it('fails as soon as the error rate exceeds the allowed increase', () => {
    const verdict = decideCanary(
      canary,
      stats([minute('canary', 100, 30, 5)], [minute('stable', 900, 9, 5)]),
      after(1),
    );
    expect(verdict.decision).toBe('fail');
    expect(verdict.reason).toBe(
      "Error rate 30.0% against the stable version's 1.0% (at most 3.0% allowed; 30 errors in 100 requests, p = 7.7e-22)",
    );
  });

  it('does not roll back on a few errors or slow requests a small sample holds by chance', () => {
    // Seen on a loaded CI host: a good canary's three slowest of 47 requests (6%) took its p95
    // to 52.5 ms beside the stable version's 27.5 ms.
    const fewSlow = decideCanary(
      canary,
      stats(
        [minute('canary', 140, 0, { 25: 131, 55: 9 })],
        [minute('stable', 900, 0, 27.5)],
      ),
      after(1),
    );
    expect(fewSlow.canary.p95Ms).toBeGreaterThan(41.25);
    expect(fewSlow).toMatchObject({
      decision: 'wait',
      reason: expect.stringMatching(/^Worse so far, not beyond chance yet/),
    });
    const fiveErrors = stats(
      [minute('canary', 100, 5, 5)],
      [minute('stable', 900, 0, 5)],
    );
    const fewErrors = decideCanary(canary, fiveErrors, after(1));
    expect(fewErrors).toMatchObject({
      decision: 'wait',
      reason: expect.stringMatching(/^Worse so far, not beyond chance yet/),
    });
    expect(decideCanary(canary, fiveErrors, after(10)).decision).toBe('pass');
    // The same share of slow requests over more traffic is a regression.
    const manySlow = decideCanary(
      canary,
      stats(
        [minute('canary', 1000, 0, { 25: 880, 55: 120 })],
        [minute('stable', 900, 0, 27.5)],
      ),
      after(1),
    );
    expect(manySlow).toMatchObject({
      decision: 'fail',
      reason: expect.stringMatching(/120 of 1000 requests slower than 41.3 ms/),
    });
  });

  it('fails on p95 latency beyond the ratio, but not on differences under the noise floor', () => {
    const slow = decideCanary(
      canary,
      stats([minute('canary', 100, 0, 80)], [minute('stable', 900, 0, 20)]),
      after(1),
    );
    expect(slow).toMatchObject({
      decision: 'fail',
      reason: expect.stringMatching(/^p95 latency 80/),
    });
    const noisy = decideCanary(
      canary,
      stats([minute('canary', 100, 0, 3)], [minute('stable', 900, 0, 1)]),
      after(1),
    );
    expect(noisy.decision).toBe('wait');
  });

  it('rolls back a canary starved of traffic for three times its duration', () => {
    const starved = stats(
      [minute('canary', 5, 0, 5)],
      [minute('stable', 40, 0, 5)],
    );
    expect(decideCanary(canary, starved, after(29)).decision).toBe('wait');
    expect(decideCanary(canary, starved, after(30))).toMatchObject({
      decision: 'fail',
      reason: expect.stringMatching(/^Too little traffic to judge/),
    });
  });
});
