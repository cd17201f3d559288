import { InputError, NotFoundError } from '@backstage/errors';
import {
  DriftWindow,
  EndpointMetrics,
  FeatureDrift,
  EndpointMonitoring,
  MonitoredEndpoint,
  MonitoringAlert,
  MonitoringSettings,
  mlEndpointReadPermission,
} from '@ml-portal/plugin-ml-common';
import { LoggerService } from '@backstage/backend-plugin-api';
import {
  DeploymentStore,
  StoredEndpoint,
} from '../deployments/DeploymentStore';
import { latencyQuantiles } from '../shared/latency';
import { DeploymentAlerts } from '../deployments/ports';
import { DatabaseServingUsage } from '../deployments/servingUsage';
import { AccessControl } from '../shared/AccessControl';
import { Caller, actorOf } from '../shared/caller';
import { evaluateDrift } from './drift/evaluate';
import { Baselines } from './baselines';
import { DriftResult, MonitoringStore, StoredAlert } from './MonitoringStore';
import { RequestSampler, SamplingSettings } from './RequestSampler';
import { Columns, PREDICTION_COLUMN, sampleColumns } from './scoringRows';

/** The platform's name on what monitoring decides by itself. */
const MONITOR_ACTOR = 'ml-platform/monitoring';
/** An SLO is judged only on at least this many requests in its window. */
const SLO_MIN_REQUESTS = 20;
/** Beyond a day, charts read hourly rollups. */
const HOURLY_AFTER_MINUTES = 24 * 60;
/** Rows a posted batch of samples may add at once. */
const MAX_POSTED_ROWS = 10_000;

const mean = (values: number[]) =>
  values.length ? values.reduce((a, b) => a + b, 0) / values.length : undefined;

/** The endpoint-facing part of deployments that monitoring needs. @internal */
export type MonitoredEndpoints = {
  store: DeploymentStore;
  readableEndpoint(caller: Caller, name: string): Promise<StoredEndpoint>;
  updatableEndpoint(caller: Caller, name: string): Promise<StoredEndpoint>;
};

/** Starts the retraining of the version an endpoint serves. @internal */
export type Retraining = (input: {
  endpoint: StoredEndpoint;
  version: number;
  /** The deployment whose traffic drifted. */
  deploymentId: string;
  profile: string;
  reason: string;
}) => Promise<{ jobId: string }>;

/**
 * Monitoring of every endpoint: hourly rollups of its serving minutes, its SLOs, drift of
 * its live inputs and predictions against the feature profile its version was trained
 * with, and the alerts both open (to the owner group, once per breach), with the
 * optional retraining a drift alert starts (once per alert).
 *
 * @internal
 */
export class MonitoringService {
  constructor(
    private readonly options: {
      store: MonitoringStore;
      endpoints: MonitoredEndpoints;
      access: AccessControl;
      baselines: Baselines;
      sampler: RequestSampler;
      alerts: DeploymentAlerts;
      defaults: MonitoringSettings;
      logger: LoggerService;
      retrain?: Retraining;
      /** Replica counts the reconciler recorded, for the charts. */
      replicas?: Pick<DatabaseServingUsage, 'replicaSpans'>;
    },
  ) {}

  async get(caller: Caller, name: string): Promise<EndpointMonitoring> {
    const endpoint = await this.options.endpoints.readableEndpoint(
      caller,
      name,
    );
    return this.monitoringOf(endpoint);
  }

  async setSettings(
    caller: Caller,
    name: string,
    settings: MonitoringSettings,
  ): Promise<EndpointMonitoring> {
    const endpoint = await this.options.endpoints.updatableEndpoint(
      caller,
      name,
    );
    const { drift } = settings;
    const thresholds = {
      ...this.options.defaults.drift.thresholds,
      ...drift.thresholds,
    };
    if (thresholds.psiWarn! > thresholds.psiAlert!) {
      throw new InputError(
        `drift.thresholds.psiWarn (${thresholds.psiWarn}) must not exceed psiAlert (${thresholds.psiAlert})`,
      );
    }
    await this.options.store.setSettings(
      endpoint.id,
      { ...settings, drift: { ...drift, thresholds } },
      actorOf(caller),
    );
    await this.refreshSampling();
    return this.monitoringOf(endpoint);
  }

  /** Live rows posted for an endpoint the portal does not route. */
  async postSamples(
    caller: Caller,
    name: string,
    body: { inputs: unknown; predictions?: unknown },
  ): Promise<{ rows: number }> {
    const endpoint = await this.options.endpoints.updatableEndpoint(
      caller,
      name,
    );
    const settings = await this.settingsOf(endpoint.id);
    if (!settings.drift.enabled) {
      throw new InputError(`Drift monitoring is off for endpoint '${name}'`);
    }
    const sample = sampleColumns(
      body.inputs,
      body.predictions,
      MAX_POSTED_ROWS,
    );
    if (!sample) {
      throw new InputError(
        'inputs must be a scoring request: dataframe_split, dataframe_records, instances or inputs',
      );
    }
    const [stable] = (
      await this.options.endpoints.store.liveDeployments([endpoint.id])
    ).filter(d => d.role === 'stable');
    if (!stable) {
      throw new InputError(`Endpoint '${name}' serves no version yet`);
    }
    const windowMs = settings.drift.windowMinutes * 60_000;
    await this.options.store.addDriftSamples([
      {
        endpointId: endpoint.id,
        deploymentId: stable.id,
        windowStart: Math.floor(Date.now() / windowMs) * windowMs,
        rows: sample.rows,
        columns: sample.columns,
      },
    ]);
    return { rows: sample.rows };
  }

  async closeAlert(caller: Caller, id: string): Promise<MonitoringAlert> {
    const alert = await this.options.store.getAlert(id);
    const endpoint =
      alert &&
      (await this.options.endpoints.store.getEndpointById(alert.endpointId));
    if (!alert || !endpoint) throw new NotFoundError(`No alert ${id}`);
    await this.options.endpoints.updatableEndpoint(caller, endpoint.name);
    const closed = await this.options.store.closeAlert(
      id,
      actorOf(caller),
      Date.now(),
    );
    return toAlert(closed!, endpoint.name);
  }

  async overview(caller: Caller): Promise<{ endpoints: MonitoredEndpoint[] }> {
    const { store, endpoints, access } = this.options;
    const open = await store.openAlerts();
    const ids = [...new Set(open.map(a => a.endpointId))];
    const all = await Promise.all(
      ids.map(id => endpoints.store.getEndpointById(id)),
    );
    const visible = await access.filter(
      caller,
      mlEndpointReadPermission,
      all.filter((e): e is StoredEndpoint => Boolean(e)),
      e => e.owner,
    );
    return {
      endpoints: visible.map(endpoint => {
        const alerts = open.filter(a => a.endpointId === endpoint.id);
        return {
          endpoint: endpoint.name,
          modelName: endpoint.modelName,
          owner: endpoint.owner,
          status: alerts.some(a => a.kind === 'slo') ? 'breach' : 'drifting',
          openAlerts: alerts.map(a => toAlert(a, endpoint.name)),
        };
      }),
    };
  }

  /** Requests, errors and latency per version: minutes up to a day, hours beyond. */
  async metrics(
    caller: Caller,
    name: string,
    minutes = 60,
  ): Promise<EndpointMetrics> {
    const endpoint = await this.options.endpoints.readableEndpoint(
      caller,
      name,
    );
    const deploymentStore = this.options.endpoints.store;
    const hourly = minutes > HOURLY_AFTER_MINUTES;
    const stepMinutes = hourly ? 60 : 1;
    const nowStep = Math.floor(Date.now() / (stepMinutes * 60_000));
    const since = nowStep - Math.ceil(minutes / stepMinutes) + 1;
    const rows = hourly
      ? (await this.options.store.servingHours([endpoint.id], since)).map(
          h => ({ ...h, step: h.hour }),
        )
      : (await deploymentStore.servingMinutes([endpoint.id], since)).map(m => ({
          ...m,
          step: m.minute,
        }));
    const deployments = await deploymentStore.getDeployments([
      ...new Set(rows.map(r => r.deploymentId)),
    ]);
    const versionOf = new Map(deployments.map(d => [d.id, d.version]));
    const stepMs = stepMinutes * 60_000;
    const spans =
      (await this.options.replicas?.replicaSpans(
        endpoint.id,
        since * stepMs,
        (nowStep + 1) * stepMs,
      )) ?? [];
    // The most replicas each of the version's deployments ran during the step, summed.
    const replicasAt = (version: number, step: number) => {
      const [from, to] = [step * stepMs, (step + 1) * stepMs];
      const most = new Map<string, number>();
      for (const span of spans) {
        if (versionOf.get(span.deploymentId) !== version) continue;
        if (span.fromMs >= to || (span.toMs ?? Infinity) <= from) continue;
        most.set(
          span.deploymentId,
          Math.max(most.get(span.deploymentId) ?? 0, span.replicas),
        );
      }
      return most.size
        ? [...most.values()].reduce((a, b) => a + b, 0)
        : undefined;
    };
    // Per version, not per deployment: a version deployed again continues its line.
    const byVersion = new Map<number, Map<number, typeof rows>>();
    for (const row of rows) {
      const version = versionOf.get(row.deploymentId);
      if (version === undefined) continue;
      const perStep = byVersion.get(version) ?? new Map();
      byVersion.set(version, perStep);
      perStep.set(row.step, [...(perStep.get(row.step) ?? []), row]);
    }
    return {
      minutes,
      stepMinutes,
      versions: [...byVersion.entries()]
        .sort(([a], [b]) => a - b)
        .map(([version, perStep]) => ({
          version: String(version),
          points: [...perStep.entries()]
            .sort(([a], [b]) => a - b)
            .map(([step, stepRows]) => ({
              minute: step * stepMinutes * 60_000,
              requests: stepRows.reduce((n, r) => n + r.requests, 0),
              errors: stepRows.reduce((n, r) => n + r.errors, 0),
              clientErrors: stepRows.reduce((n, r) => n + r.clientErrors, 0),
              bytesIn: stepRows.reduce((n, r) => n + r.bytesIn, 0),
              replicas: replicasAt(version, step),
              gpuUtilizationPercent: mean(
                stepRows.flatMap(r =>
                  r.gpuUtilization === undefined ? [] : [r.gpuUtilization],
                ),
              ),
              // An hour of one deployment has its quantiles; several are merged.
              ...(stepRows.length === 1 && 'quantiles' in stepRows[0]
                ? stepRows[0].quantiles
                : latencyQuantiles(stepRows.map(r => r.latency))),
            })),
        })),
    };
  }

  /** Open drift alerts on endpoints serving the version, for the promotion gate. */
  async openDriftAlerts(modelName: string, version: number): Promise<string[]> {
    const endpoints = await this.options.endpoints.store.listEndpoints({
      modelName,
    });
    const open = await this.options.store.openAlerts(endpoints.map(e => e.id));
    return open
      .filter(a => a.kind === 'drift' && a.version === version)
      .map(a => {
        const endpoint = endpoints.find(e => e.id === a.endpointId);
        return `${endpoint?.name}: ${a.detail}`;
      });
  }

  /** One pass of the background work: rollups, SLOs, drift windows, sampling settings. */
  async tick(now = Date.now()): Promise<void> {
    const endpoints = await this.options.endpoints.store.listEndpoints({});
    const ids = endpoints.map(e => e.id);
    await this.options.store.rollUpHours(ids, Math.floor(now / 3_600_000) - 1);
    for (const endpoint of endpoints) {
      await this.checkSlos(endpoint, now).catch(error =>
        this.options.logger.warn(
          `Could not check the SLOs of ${endpoint.name}: ${error.message}`,
        ),
      );
    }
    await this.options.sampler.flush(now);
    await this.judgeDriftWindows(endpoints, now);
    await this.refreshSampling(endpoints);
  }

  /** Which endpoints the serving router samples, and how. */
  async refreshSampling(endpoints?: StoredEndpoint[]) {
    const all =
      endpoints ?? (await this.options.endpoints.store.listEndpoints({}));
    const sampling = new Map<string, SamplingSettings>();
    for (const endpoint of all) {
      const { drift } = await this.settingsOf(endpoint.id);
      if (drift.enabled && drift.sampleRate > 0) {
        sampling.set(endpoint.id, drift);
      }
    }
    this.options.sampler.setSettings(sampling);
  }

  private async settingsOf(endpointId: string): Promise<MonitoringSettings> {
    const stored = await this.options.store.getSettings(endpointId);
    return stored ?? this.options.defaults;
  }

  private async checkSlos(endpoint: StoredEndpoint, now: number) {
    const { slo } = await this.settingsOf(endpoint.id);
    if (!slo) return;
    const status = await this.sloStatus(endpoint, slo.windowMinutes, now);
    if (status.requests < SLO_MIN_REQUESTS) return;
    const checks = [
      {
        subject: 'p95',
        target: slo.p95Ms,
        value: status.p95Ms,
        describe: (v: number, t: number) =>
          `p95 latency ${v.toFixed(1)} ms over the last ${
            slo.windowMinutes
          } minutes exceeds the SLO of ${t} ms`,
      },
      {
        subject: 'error_rate',
        target: slo.errorRate,
        value: status.errorRate,
        describe: (v: number, t: number) =>
          `error rate ${(v * 100).toFixed(2)}% over the last ${
            slo.windowMinutes
          } minutes exceeds the SLO of ${(t * 100).toFixed(2)}%`,
      },
    ];
    const open = await this.options.store.openAlerts([endpoint.id]);
    for (const check of checks) {
      if (check.target === undefined || check.value === undefined) continue;
      const existing = open.find(
        a => a.kind === 'slo' && a.subject === check.subject,
      );
      if (check.value > check.target) {
        if (existing) continue;
        await this.raise(endpoint, {
          kind: 'slo',
          subject: check.subject,
          detail: check.describe(check.value, check.target),
          value: check.value,
          threshold: check.target,
        });
      } else if (existing) {
        await this.options.store.closeAlert(existing.id, MONITOR_ACTOR, now);
      }
    }
  }

  private async sloStatus(
    endpoint: StoredEndpoint,
    windowMinutes: number,
    now: number,
  ) {
    const since = Math.floor(now / 60_000) - windowMinutes + 1;
    const minutes = await this.options.endpoints.store.servingMinutes(
      [endpoint.id],
      since,
    );
    const requests = minutes.reduce((n, m) => n + m.requests, 0);
    const errors = minutes.reduce((n, m) => n + m.errors, 0);
    return {
      windowMinutes,
      requests,
      errors,
      errorRate: requests === 0 ? undefined : errors / requests,
      p95Ms: latencyQuantiles(minutes.map(m => m.latency))?.p95Ms,
    };
  }

  private async judgeDriftWindows(endpoints: StoredEndpoint[], now: number) {
    const { store } = this.options;
    for (const pending of await store.pendingDriftWindows(now)) {
      const endpoint = endpoints.find(e => e.id === pending.endpointId);
      if (!endpoint) continue;
      const { drift } = await this.settingsOf(endpoint.id);
      if (pending.windowStart + drift.windowMinutes * 60_000 > now) continue;
      await this.judgeWindow(endpoint, pending, drift, now).catch(error =>
        this.options.logger.warn(
          `Could not judge drift of ${endpoint.name}: ${error.message}`,
        ),
      );
    }
  }

  private async judgeWindow(
    endpoint: StoredEndpoint,
    window: { deploymentId: string; windowStart: number },
    drift: MonitoringSettings['drift'],
    now: number,
  ) {
    const { store } = this.options;
    const samples = await store.driftSamples(
      endpoint.id,
      window.deploymentId,
      window.windowStart,
    );
    const [deployment] = await this.options.endpoints.store.getDeployments([
      window.deploymentId,
    ]);
    const rows = samples.reduce((n, s) => n + s.rows, 0);
    const baseline =
      deployment &&
      (await this.options.baselines.profileOf(
        endpoint.modelName,
        deployment.version,
      ));
    const result: DriftResult = {
      endpointId: endpoint.id,
      deploymentId: window.deploymentId,
      version: deployment?.version ?? 0,
      windowStart: window.windowStart,
      windowEnd: window.windowStart + drift.windowMinutes * 60_000,
      samples: rows,
      status: 'ok',
      features: [],
    };
    // Too few rows, or nothing to compare with: the window is dropped unjudged.
    if (!deployment || !baseline?.profile || rows < drift.minSamples) {
      await store.saveDriftResult({ ...result, samples: -1 });
      return;
    }
    const live = mergeColumns(samples);
    // The router samples predictions under one name; the profile names its own.
    const prediction = baseline.profile.prediction?.name;
    if (prediction && live[PREDICTION_COLUMN]) {
      live[prediction] ??= live[PREDICTION_COLUMN];
    }
    const features = evaluateDrift(baseline.profile, live, {
      ...drift.thresholds,
      perFeature: drift.perFeature,
    });
    const status = worstStatus(features);
    await store.saveDriftResult({ ...result, features, status });
    const open = (await store.openAlerts([endpoint.id])).filter(
      a => a.kind === 'drift',
    );
    for (const feature of features) {
      const existing = open.find(a => a.subject === feature.feature);
      if (feature.status === 'alert' && !existing) {
        const alert = await this.raise(endpoint, {
          kind: 'drift',
          subject: feature.feature,
          version: deployment.version,
          detail: driftDetail(feature),
          value: feature.psi,
          threshold:
            drift.perFeature?.[feature.feature]?.psiAlert ??
            drift.thresholds.psiAlert,
        });
        if (alert) await this.maybeRetrain(endpoint, alert, deployment);
      } else if (feature.status !== 'alert' && existing) {
        await store.closeAlert(existing.id, MONITOR_ACTOR, now);
      }
    }
  }

  private async raise(
    endpoint: StoredEndpoint,
    alert: Omit<StoredAlert, 'id' | 'endpointId' | 'status' | 'openedAt'>,
  ) {
    const opened = await this.options.store.openAlert(
      { ...alert, endpointId: endpoint.id },
      Date.now(),
    );
    if (!opened) return undefined;
    // The breach is on the endpoint's timeline (and so the model's audit trail) too.
    await this.options.endpoints.store.addEvent(endpoint.id, {
      kind:
        alert.kind === 'drift' ? 'monitoring.drift' : 'monitoring.slo_breach',
      actor: MONITOR_ACTOR,
      detail: alert.detail,
      version: alert.version,
    });
    await this.options.alerts.notify({
      owner: endpoint.owner,
      endpoint: endpoint.name,
      title:
        alert.kind === 'drift'
          ? `Drift on ${endpoint.name}: ${alert.subject}`
          : `SLO breached on ${endpoint.name}: ${alert.subject}`,
      description: alert.detail,
      severity: 'high',
    });
    return opened;
  }

  private async maybeRetrain(
    endpoint: StoredEndpoint,
    alert: StoredAlert,
    deployment: { id: string; version: number },
  ) {
    const { retraining } = await this.settingsOf(endpoint.id);
    const { retrain, store } = this.options;
    if (!retraining || !retrain) return;
    // Once per alert, whichever replica judged the window.
    if (!(await store.claimRetraining(alert.id))) return;
    try {
      const { jobId } = await retrain({
        endpoint,
        version: deployment.version,
        deploymentId: deployment.id,
        profile: retraining.profile,
        reason: alert.detail,
      });
      await store.setRetraining(alert.id, { jobId });
    } catch (error) {
      await store.setRetraining(alert.id, {
        error: (error as Error).message,
      });
    }
  }

  private async monitoringOf(
    endpoint: StoredEndpoint,
  ): Promise<EndpointMonitoring> {
    const { store, endpoints, baselines } = this.options;
    const settings = await this.settingsOf(endpoint.id);
    const [stable] = (
      await endpoints.store.liveDeployments([endpoint.id])
    ).filter(d => d.role === 'stable');
    const baseline = stable
      ? await baselines.profileOf(endpoint.modelName, stable.version)
      : undefined;
    const results = (await store.driftResults(endpoint.id, 48)).filter(
      r => r.samples >= 0,
    );
    const windows = results.map(toWindow);
    const slo = await this.sloStatus(
      endpoint,
      settings.slo?.windowMinutes ?? 5,
      Date.now(),
    );
    const breaches = [
      settings.slo?.p95Ms !== undefined &&
      slo.p95Ms !== undefined &&
      slo.p95Ms > settings.slo.p95Ms
        ? 'p95'
        : undefined,
      settings.slo?.errorRate !== undefined &&
      slo.errorRate !== undefined &&
      slo.errorRate > settings.slo.errorRate
        ? 'error_rate'
        : undefined,
    ].filter((b): b is string => Boolean(b));
    return {
      endpoint: endpoint.name,
      modelName: endpoint.modelName,
      owner: endpoint.owner,
      settings,
      slo: { ...slo, breaches },
      baseline: stable
        ? {
            found: Boolean(baseline?.profile),
            version: String(stable.version),
            reason: baseline?.reason,
            features: baseline?.profile?.features.map(f => f.name),
          }
        : { found: false, reason: 'The endpoint serves no version yet' },
      drift: windows[0],
      driftHistory: windows,
      alerts: (await store.alerts(endpoint.id, 50)).map(a =>
        toAlert(a, endpoint.name),
      ),
    };
  }
}

function toAlert(alert: StoredAlert, endpoint: string): MonitoringAlert {
  const { endpointId, version, ...rest } = alert;
  return {
    ...rest,
    endpoint,
    version: version === undefined ? undefined : String(version),
  };
}

function toWindow(result: DriftResult): DriftWindow {
  return {
    version: String(result.version),
    windowStart: result.windowStart,
    windowEnd: result.windowEnd,
    samples: result.samples,
    features: result.features,
  };
}

/** The rows of all replicas' samples of a window, column by column. */
function mergeColumns(samples: Array<{ rows: number; columns: Columns }>) {
  const names = new Set(samples.flatMap(s => Object.keys(s.columns)));
  const merged: Columns = {};
  for (const name of names) {
    merged[name] = samples.flatMap(
      s => s.columns[name] ?? new Array(s.rows).fill(null),
    );
  }
  return merged;
}

function worstStatus(features: FeatureDrift[]): FeatureDrift['status'] {
  if (features.some(f => f.status === 'alert')) return 'alert';
  return features.some(f => f.status === 'warn') ? 'warn' : 'ok';
}

/** What an alert says of a drifted feature: its PSI and the test that agreed. */
function driftDetail(feature: FeatureDrift): string {
  let test = '';
  if (feature.ks) {
    test = `, KS ${feature.ks.statistic.toFixed(
      3,
    )} (p ${feature.ks.pValue.toPrecision(2)})`;
  } else if (feature.chiSquare) {
    test = `, chi-square p ${feature.chiSquare.pValue.toPrecision(2)}`;
  }
  const subject = feature.prediction
    ? 'prediction'
    : `feature ${feature.feature}`;
  return `${subject} drifted: PSI ${feature.psi.toFixed(3)}${test} over ${
    feature.samples
  } samples`;
}
