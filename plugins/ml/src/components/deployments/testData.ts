import {
  Canary,
  Endpoint,
  EndpointDeployment,
  EndpointDetails,
  EndpointMetrics,
  ModelPipeline,
} from '@ml-portal/plugin-ml-common';
import { pendingPromotion } from '../registry/testData';

const started = Date.UTC(2026, 11, 1, 9, 0, 0);

/** A deployment of `churn` version `version`, ready. @internal */
export function makeDeployment(
  overrides: Partial<EndpointDeployment> & { version: string },
): EndpointDeployment {
  const createdAt = overrides.createdAt ?? started;
  return {
    id: `dep-${overrides.version}`,
    name: `churn-prod-v${overrides.version}`,
    role: 'stable',
    weight: 100,
    state: 'ready',
    createdAt,
    readyAt: createdAt + 12_000,
    ...overrides,
  };
}

/** Version 3 at 10% beside version 2, ten minutes into thirty, waiting for requests. @internal */
export const runningCanary: Canary = {
  id: 'can-1',
  version: '3',
  stableVersion: '2',
  percent: 10,
  policy: {
    percent: 10,
    durationMinutes: 30,
    minRequests: 200,
    maxErrorRateIncrease: 0.02,
    maxP95Ratio: 1.5,
  },
  status: 'RUNNING',
  startedAt: started + 3_600_000,
  startedBy: 'user:default/alice',
  alias: 'production',
  verdict: {
    decision: 'wait',
    reason: 'canary has 120 of 200 requests',
    at: started + 3_600_000 + 600_000,
    canary: {
      version: '3',
      requests: 120,
      errors: 3,
      errorRate: 0.025,
      p50Ms: 40,
      p95Ms: 130,
    },
    stable: {
      version: '2',
      requests: 1080,
      errors: 11,
      errorRate: 0.0102,
      p50Ms: 35,
      p95Ms: 100,
    },
    allowed: { errorRate: 0.0302, p95Ms: 150 },
  },
};

/** `churn-prod`: follows production, version 2 stable at 90%, version 3 a canary at 10%. @internal */
export function makeEndpoint(overrides: Partial<Endpoint> = {}): Endpoint {
  return {
    name: 'churn-prod',
    owner: 'group:default/growth',
    kind: 'real-time',
    target: 'local',
    modelName: 'churn',
    followsAlias: 'production',
    gpus: 0,
    minReplicas: 1,
    maxReplicas: 3,
    targetConcurrency: 8,
    canaryPolicy: runningCanary.policy,
    status: 'READY',
    url: 'http://localhost:7007/api/ml/serving/churn-prod/invocations',
    createdBy: 'user:default/alice',
    createdAt: started,
    updatedAt: started + 3_600_000,
    deployments: [
      makeDeployment({ version: '2', weight: 90 }),
      makeDeployment({
        version: '3',
        role: 'canary',
        weight: 10,
        createdAt: started + 3_600_000,
      }),
    ],
    canary: runningCanary,
    stats: { requestsPerMinute: 42.5, errorRate: 0.0117, p95Ms: 104 },
    ...overrides,
  };
}

/** `churn-prod`'s page: version 1 served before version 2. @internal */
export function makeEndpointDetails(
  overrides: Partial<EndpointDetails> = {},
): EndpointDetails {
  return {
    ...makeEndpoint(),
    history: [
      makeDeployment({
        version: '1',
        role: 'retired',
        weight: 0,
        state: 'retired',
        reason: 'replaced by version 2',
        lastColdStartMs: 8_400,
        retiredAt: started + 1_800_000,
      }),
    ],
    events: [
      {
        id: 'e1',
        at: started,
        actor: 'user:default/alice',
        kind: 'endpoint.created',
        version: '1',
        detail: 'Created following production',
      },
      {
        id: 'e2',
        at: started + 3_600_000,
        actor: 'user:default/alice',
        kind: 'canary.started',
        version: '3',
        detail: 'Canary of version 3 at 10%',
      },
    ],
    canaries: [runningCanary],
    canUpdate: true,
    rollbackVersion: '1',
    ...overrides,
  };
}

/** Two versions' minutes: version 3 slower and failing more. @internal */
export const endpointMetrics: EndpointMetrics = {
  minutes: 60,
  stepMinutes: 1,
  versions: [
    {
      version: '2',
      points: [0, 1, 2].map(minute => ({
        minute: started + minute * 60_000,
        requests: 100,
        errors: 1,
        p50Ms: 35,
        p95Ms: 100,
      })),
    },
    {
      version: '3',
      points: [1, 2].map(minute => ({
        minute: started + minute * 60_000,
        requests: 10,
        errors: 1,
        p50Ms: 40,
        p95Ms: 130,
        // Served by a model server that reports its GPU (version 2's does not).
        gpuUtilizationPercent: 55,
      })),
    },
  ],
};

/** `churn`'s stages: staging holds version 3, production version 2 with a canary of 3 and a request pending. @internal */
export const churnPipeline: ModelPipeline = {
  modelName: 'churn',
  owner: 'group:default/growth',
  stages: [
    {
      name: 'staging',
      version: '3',
      endpoints: [
        {
          name: 'churn-staging',
          kind: 'serverless',
          target: 'local',
          status: 'READY',
          deployments: [makeDeployment({ version: '3' })],
        },
      ],
      pendingPromotions: [],
    },
    {
      name: 'production',
      version: '2',
      endpoints: [
        {
          name: 'churn-prod',
          kind: 'real-time',
          target: 'local',
          status: 'READY',
          deployments: makeEndpoint().deployments,
          canary: runningCanary,
        },
      ],
      pendingPromotions: [pendingPromotion],
    },
  ],
  otherEndpoints: [
    {
      name: 'churn-shadow',
      kind: 'batch',
      target: 'local',
      status: 'FAILED',
      deployments: [makeDeployment({ version: '1', state: 'failed' })],
    },
  ],
};
