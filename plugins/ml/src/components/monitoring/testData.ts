import {
  DriftWindow,
  EndpointMonitoring,
  FeatureDrift,
  MonitoredEndpoint,
  MonitoringAlert,
  MonitoringSettings,
} from '@ml-portal/plugin-ml-common';

const now = Date.UTC(2026, 11, 4, 12, 0, 0);
const hour = 3_600_000;

/** SLOs p95 200 ms and 2% errors over 15 minutes; drift hourly on 10% of requests. @internal */
export const monitoringSettings: MonitoringSettings = {
  slo: { p95Ms: 200, errorRate: 0.02, windowMinutes: 15 },
  drift: {
    enabled: true,
    sampleRate: 0.1,
    windowMinutes: 60,
    minSamples: 200,
    thresholds: { psiWarn: 0.1, psiAlert: 0.25, pValue: 0.01 },
    perFeature: { tenure: { psiAlert: 0.5 } },
  },
  retraining: { profile: 'cpu-small' },
};

/** A feature's drift; `age` shifted by default. @internal */
export function makeFeatureDrift(
  overrides: Partial<FeatureDrift> & { feature: string },
): FeatureDrift {
  return {
    kind: 'numeric',
    prediction: false,
    samples: 480,
    psi: 0.02,
    ks: { statistic: 0.04, pValue: 0.41 },
    status: 'ok',
    baseline: { labels: ['<30', '30-50', '>50'], shares: [0.3, 0.5, 0.2] },
    live: { labels: ['<30', '30-50', '>50'], shares: [0.31, 0.49, 0.2] },
    ...overrides,
  };
}

/** The latest window of version 2: `age` drifted, `plan` warns, `tenure` fine. @internal */
export function makeDriftWindow(
  overrides: Partial<DriftWindow> = {},
): DriftWindow {
  return {
    version: '2',
    windowStart: now - hour,
    windowEnd: now,
    samples: 480,
    features: [
      makeFeatureDrift({ feature: 'tenure', psi: 0.01 }),
      makeFeatureDrift({
        feature: 'plan',
        kind: 'categorical',
        psi: 0.14,
        ks: undefined,
        chiSquare: { statistic: 31.2, dof: 2, pValue: 0.0000002 },
        status: 'warn',
        baseline: { labels: ['basic', 'pro', 'team'], shares: [0.6, 0.3, 0.1] },
        live: { labels: ['basic', 'pro', 'team'], shares: [0.45, 0.4, 0.15] },
      }),
      makeFeatureDrift({
        feature: 'age',
        psi: 0.61,
        ks: { statistic: 0.31, pValue: 0.0000001 },
        status: 'alert',
        live: { labels: ['<30', '30-50', '>50'], shares: [0.05, 0.35, 0.6] },
      }),
      makeFeatureDrift({
        feature: 'prediction',
        prediction: true,
        psi: 0.05,
        status: 'ok',
      }),
    ],
    ...overrides,
  };
}

/** An open drift alert on `age` with its retraining job, a closed SLO alert. @internal */
export const monitoringAlerts: MonitoringAlert[] = [
  {
    id: 'al-1',
    endpoint: 'churn-prod',
    kind: 'slo',
    subject: 'p95',
    version: '2',
    status: 'closed',
    openedAt: now - 5 * hour,
    closedAt: now - 4 * hour,
    closedBy: 'user:default/alice',
    detail: 'p95 latency 310 ms over 200 ms in 15 minutes',
    value: 310,
    threshold: 200,
  },
  {
    id: 'al-2',
    endpoint: 'churn-prod',
    kind: 'drift',
    subject: 'age',
    version: '2',
    status: 'open',
    openedAt: now - hour,
    detail: 'age drifted: PSI 0.61 over 0.25, KS 0.310 (p 1.0e-7)',
    value: 0.61,
    threshold: 0.25,
    retrainingJobId: 'job-42',
  },
];

/** `churn-prod`'s monitoring: p95 over its SLO, `age` drifting, two windows of history. @internal */
export function makeMonitoring(
  overrides: Partial<EndpointMonitoring> = {},
): EndpointMonitoring {
  const latest = makeDriftWindow();
  const earlier = makeDriftWindow({
    windowStart: now - 2 * hour,
    windowEnd: now - hour,
    features: latest.features.map(f => ({
      ...f,
      psi: f.psi / 4,
      status: 'ok' as const,
    })),
  });
  return {
    endpoint: 'churn-prod',
    modelName: 'churn',
    owner: 'group:default/growth',
    settings: monitoringSettings,
    slo: {
      windowMinutes: 15,
      requests: 620,
      errors: 6,
      errorRate: 6 / 620,
      p95Ms: 240,
      breaches: ['p95'],
    },
    baseline: {
      found: true,
      version: '2',
      features: ['age', 'plan', 'tenure'],
    },
    drift: latest,
    driftHistory: [latest, earlier],
    alerts: monitoringAlerts,
    ...overrides,
  };
}

/** Endpoints needing attention: one in breach, one drifting. @internal */
export const monitoredEndpoints: MonitoredEndpoint[] = [
  {
    endpoint: 'churn-prod',
    modelName: 'churn',
    owner: 'group:default/growth',
    status: 'drifting',
    openAlerts: [monitoringAlerts[1]],
  },
  {
    endpoint: 'fraud-rt',
    modelName: 'fraud',
    owner: 'group:default/risk',
    status: 'breach',
    openAlerts: [
      {
        id: 'al-9',
        endpoint: 'fraud-rt',
        kind: 'slo',
        subject: 'error_rate',
        status: 'open',
        openedAt: now - 2 * hour,
        detail: 'error rate 4.1% over 1.0% in 5 minutes',
      },
    ],
  },
];
