import {
  FeatureDrift,
  MonitoringAlert,
  MonitoringSettings,
} from '@ml-portal/plugin-ml-common';

/** An hour of one deployment's serving, rolled up from its minutes. @internal */
export type ServingHour = {
  endpointId: string;
  deploymentId: string;
  /** Epoch hour (ms / 3,600,000, floored). */
  hour: number;
  requests: number;
  errors: number;
  clientErrors: number;
  bytesIn: number;
  latency: string;
  /** Mean GPU utilisation in percent of the minutes that report it. */
  gpuUtilization?: number;
  /** The hour's quantiles in milliseconds, computed when it was rolled up. */
  quantiles?: { p50Ms: number; p95Ms: number; p99Ms: number };
};

/** Rows sampled from one deployment's traffic in one drift window. @internal */
export type DriftSample = {
  endpointId: string;
  deploymentId: string;
  windowStart: number;
  rows: number;
  columns: Record<string, Array<number | string | null>>;
};

/** A judged drift window. @internal */
export type DriftResult = {
  endpointId: string;
  deploymentId: string;
  version: number;
  windowStart: number;
  windowEnd: number;
  samples: number;
  status: FeatureDrift['status'];
  features: FeatureDrift[];
};

/** An alert as stored: `version` a number, the endpoint by id. @internal */
export type StoredAlert = Omit<MonitoringAlert, 'endpoint' | 'version'> & {
  endpointId: string;
  version?: number;
};

/** @internal */
export type NewAlert = Pick<
  StoredAlert,
  | 'endpointId'
  | 'kind'
  | 'subject'
  | 'version'
  | 'detail'
  | 'value'
  | 'threshold'
>;

/**
 * The monitoring domain's storage: settings per endpoint, hourly rollups of the serving
 * minutes, drift samples (until their window is judged) and results, and alerts.
 *
 * @internal
 */
export interface MonitoringStore {
  getSettings(endpointId: string): Promise<MonitoringSettings | undefined>;
  setSettings(
    endpointId: string,
    settings: MonitoringSettings,
    by: string,
  ): Promise<void>;
  /** Recomputes the hours from their minutes (idempotent: rows are replaced). */
  rollUpHours(endpointIds: string[], sinceHour: number): Promise<number>;
  servingHours(
    endpointIds: string[],
    sinceHour: number,
  ): Promise<ServingHour[]>;
  addDriftSamples(samples: DriftSample[]): Promise<void>;
  /** Windows with samples that ended before `before`, oldest first. */
  pendingDriftWindows(
    before: number,
  ): Promise<
    Array<{ endpointId: string; deploymentId: string; windowStart: number }>
  >;
  driftSamples(
    endpointId: string,
    deploymentId: string,
    windowStart: number,
  ): Promise<DriftSample[]>;
  /** Stores the verdict and drops the window's samples, in one transaction. */
  saveDriftResult(result: DriftResult): Promise<void>;
  driftResults(endpointId: string, limit: number): Promise<DriftResult[]>;
  /** Opens an alert unless one is open for the endpoint, kind and subject; undefined then. */
  openAlert(alert: NewAlert, at: number): Promise<StoredAlert | undefined>;
  closeAlert(
    id: string,
    by: string,
    at: number,
  ): Promise<StoredAlert | undefined>;
  /** Open alerts, of some endpoints or all. */
  openAlerts(endpointIds?: string[]): Promise<StoredAlert[]>;
  alerts(endpointId: string, limit: number): Promise<StoredAlert[]>;
  getAlert(id: string): Promise<StoredAlert | undefined>;
  /** Records the retraining an alert started; false when another replica did first. */
  claimRetraining(alertId: string): Promise<boolean>;
  setRetraining(
    alertId: string,
    outcome: { jobId?: string; error?: string },
  ): Promise<void>;
}
