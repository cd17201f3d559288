import { StoredDeployment } from './DeploymentStore';
import { pickDeployment } from './servingRouter';

const deployment = (
  version: number,
  weight: number,
  state: StoredDeployment['state'] = 'ready',
): StoredDeployment => ({
  id: `d${version}`,
  endpointId: 'e',
  name: `e-v${version}`,
  version,
  role: version === 1 ? 'stable' : 'canary',
  weight,
  state,
  createdAt: 0,
});

describe('pickDeployment', () => {
  it('splits by weight', () => {
    const live = [deployment(1, 90), deployment(2, 10)];
    expect(pickDeployment(live, 0)?.version).toBe(1);
    expect(pickDeployment(live, 0.899)?.version).toBe(1);
    expect(pickDeployment(live, 0.9)?.version).toBe(2);
    expect(pickDeployment(live, 0.999)?.version).toBe(2);
  });

  it('sends nothing to a canary that is not ready, and nothing at all when none is', () => {
    const starting = [deployment(1, 90), deployment(2, 10, 'starting')];
    expect(pickDeployment(starting, 0.95)?.version).toBe(1);
    expect(pickDeployment([deployment(1, 100, 'failed')], 0.5)).toBeUndefined();
  });

  it('routes to a serverless deployment scaled to zero (the target starts it)', () => {
    expect(
      pickDeployment([deployment(1, 100, 'scaled-to-zero')], 0.3)?.version,
    ).toBe(1);
  });
});
