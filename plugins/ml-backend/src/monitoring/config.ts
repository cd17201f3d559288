import { Config } from '@backstage/config';
import { MonitoringSettings } from '@ml-portal/plugin-ml-common';
import { DEFAULT_DRIFT_THRESHOLDS } from './drift/evaluate';

/** @internal */
export type MonitoringConfig = {
  /** What an endpoint without settings of its own is monitored with. */
  defaults: MonitoringSettings;
  /** Rows each backend replica keeps per deployment and drift window. */
  sampleCapacity: number;
  tickMs: number;
};

/** `ml.monitoring`, with the defaults of a production install. @internal */
export function readMonitoringConfig(config: Config): MonitoringConfig {
  const monitoring = config.getOptionalConfig('ml.monitoring');
  const drift = monitoring?.getOptionalConfig('drift');
  const thresholds = drift?.getOptionalConfig('thresholds');
  const slo = monitoring?.getOptionalConfig('slo');
  return {
    defaults: {
      drift: {
        enabled: drift?.getOptionalBoolean('enabled') ?? true,
        sampleRate: drift?.getOptionalNumber('sampleRate') ?? 0.1,
        windowMinutes: drift?.getOptionalNumber('windowMinutes') ?? 60,
        minSamples: drift?.getOptionalNumber('minSamples') ?? 200,
        thresholds: {
          psiWarn:
            thresholds?.getOptionalNumber('psiWarn') ??
            DEFAULT_DRIFT_THRESHOLDS.psiWarn,
          psiAlert:
            thresholds?.getOptionalNumber('psiAlert') ??
            DEFAULT_DRIFT_THRESHOLDS.psiAlert,
          pValue:
            thresholds?.getOptionalNumber('pValue') ??
            DEFAULT_DRIFT_THRESHOLDS.pValue,
        },
      },
      ...(slo && {
        slo: {
          p95Ms: slo.getOptionalNumber('p95Ms'),
          errorRate: slo.getOptionalNumber('errorRate'),
          windowMinutes: slo.getOptionalNumber('windowMinutes') ?? 5,
        },
      }),
    },
    sampleCapacity: monitoring?.getOptionalNumber('sampleCapacity') ?? 2000,
    tickMs: (monitoring?.getOptionalNumber('intervalSeconds') ?? 30) * 1000,
  };
}
