import {
  DriftThresholds,
  DriftWindow,
  FeatureDrift,
  MonitoringAlert,
  MonitoringSettings,
} from '@ml-portal/plugin-ml-common';
import { MISSING } from '../common/format';

/** The ranges the endpoint page's charts offer, in minutes. @internal */
export const METRIC_RANGES = [
  { label: '1 h', minutes: 60 },
  { label: '24 h', minutes: 1440 },
  { label: '7 d', minutes: 10080 },
  { label: '30 d', minutes: 43200 },
] as const;

/** The documented feature-profile format a training run logs with its model. @internal */
export const FEATURE_PROFILE_DOC = 'docs/feature-profile.md';

/** The server's defaults where an endpoint's thresholds leave one out (issue 15). */
const DEFAULT_THRESHOLDS: Required<DriftThresholds> = {
  psiWarn: 0.1,
  psiAlert: 0.25,
  pValue: 0.01,
};

/** A feature's thresholds: its own, over the endpoint's, over the defaults. @internal */
export function thresholdsFor(
  settings: MonitoringSettings,
  feature: string,
): Required<DriftThresholds> {
  return {
    ...DEFAULT_THRESHOLDS,
    ...settings.drift.thresholds,
    ...settings.drift.perFeature?.[feature],
  };
}

const severity: Record<FeatureDrift['status'], number> = {
  alert: 2,
  warn: 1,
  ok: 0,
};

/** Features worst first: alerts, then warnings, each by PSI, highest first. @internal */
export function worstFirst(features: FeatureDrift[]): FeatureDrift[] {
  return [...features].sort(
    (a, b) =>
      severity[b.status] - severity[a.status] ||
      b.psi - a.psi ||
      a.feature.localeCompare(b.feature),
  );
}

/** The worst status among a window's features; `ok` for none. @internal */
export function windowStatus(
  window: Pick<DriftWindow, 'features'> | undefined,
): FeatureDrift['status'] {
  return worstFirst(window?.features ?? [])[0]?.status ?? 'ok';
}

/** A p-value readable at any size: `0.042`, `3.1e-7`. @internal */
export function formatPValue(p: number | undefined): string {
  if (p === undefined || !Number.isFinite(p)) return MISSING;
  if (p !== 0 && p < 0.001) return p.toExponential(1);
  return String(Number(p.toPrecision(2)));
}

/** A statistic to three significant digits. @internal */
export function formatStatistic(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return MISSING;
  return String(Number(value.toPrecision(3)));
}

/** A feature's test beside PSI: Kolmogorov-Smirnov for numbers, chi-square for categories. @internal */
export function testSummary(drift: FeatureDrift): string {
  if (drift.ks) {
    return `KS ${formatStatistic(drift.ks.statistic)}, p = ${formatPValue(
      drift.ks.pValue,
    )}`;
  }
  if (drift.chiSquare) {
    return `χ² ${formatStatistic(drift.chiSquare.statistic)} (dof ${
      drift.chiSquare.dof
    }), p = ${formatPValue(drift.chiSquare.pValue)}`;
  }
  return MISSING;
}

/** Open alerts first, each group newest first. @internal */
export function openFirst(alerts: MonitoringAlert[]): MonitoringAlert[] {
  return [...alerts].sort(
    (a, b) =>
      Number(b.status === 'open') - Number(a.status === 'open') ||
      b.openedAt - a.openedAt,
  );
}

const sloNames: Record<string, string> = {
  p95: 'p95 latency',
  error_rate: 'error rate',
};

/** What an alert is about: `feature age`, `prediction`, `SLO p95 latency`. @internal */
export function alertSubject(alert: MonitoringAlert): string {
  if (alert.kind === 'slo') {
    return `SLO ${sloNames[alert.subject] ?? alert.subject}`;
  }
  return `drift of ${alert.subject}`;
}

/** One feature's PSI and KS statistic per drift window, oldest first, for a chart. @internal */
export function featureHistory(history: DriftWindow[], feature: string) {
  return [...history]
    .sort((a, b) => a.windowEnd - b.windowEnd)
    .flatMap(window => {
      const drift = window.features.find(f => f.feature === feature);
      return drift
        ? [
            {
              at: window.windowEnd,
              version: window.version,
              psi: drift.psi,
              ks: drift.ks?.statistic,
            },
          ]
        : [];
    });
}
