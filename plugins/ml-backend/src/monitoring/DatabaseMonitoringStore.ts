import { randomUUID } from 'node:crypto';
import { MonitoringSettings } from '@ml-portal/plugin-ml-common';
import { Knex } from 'knex';
import { isUniqueViolation } from '../database/uniqueViolation';
import { latencyQuantiles, mergeLatencies } from '../shared/latency';
import {
  DriftResult,
  DriftSample,
  MonitoringStore,
  NewAlert,
  ServingHour,
  StoredAlert,
} from './MonitoringStore';

type Row = Record<string, any>;

const MINUTES_PER_HOUR = 60;
/** A retraining claimed but not started yet. */
const CLAIMED = 'claimed';

const optionalNumber = (value: unknown) =>
  value === null || value === undefined ? undefined : Number(value);

function toAlert(row: Row): StoredAlert {
  const jobId =
    row.retraining_job_id && row.retraining_job_id !== CLAIMED
      ? row.retraining_job_id
      : undefined;
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    kind: row.kind,
    subject: row.subject,
    version: optionalNumber(row.version),
    status: row.status,
    openedAt: Number(row.opened_at),
    closedAt: optionalNumber(row.closed_at),
    closedBy: row.closed_by ?? undefined,
    detail: row.detail,
    value: optionalNumber(row.value),
    threshold: optionalNumber(row.threshold),
    retrainingJobId: jobId,
    retrainingError: row.retraining_error ?? undefined,
  };
}

function toResult(row: Row): DriftResult {
  return {
    endpointId: row.endpoint_id,
    deploymentId: row.deployment_id,
    version: Number(row.version),
    windowStart: Number(row.window_start),
    windowEnd: Number(row.window_end),
    samples: Number(row.samples),
    status: row.status,
    features: JSON.parse(row.features),
  };
}

/** @internal */
export class DatabaseMonitoringStore implements MonitoringStore {
  constructor(private readonly db: Knex) {}

  async getSettings(endpointId: string) {
    const row = await this.db('ml_endpoint_monitoring')
      .where({ endpoint_id: endpointId })
      .first();
    return row ? (JSON.parse(row.settings) as MonitoringSettings) : undefined;
  }

  async setSettings(
    endpointId: string,
    settings: MonitoringSettings,
    by: string,
  ) {
    await this.db('ml_endpoint_monitoring')
      .insert({
        endpoint_id: endpointId,
        settings: JSON.stringify(settings),
        updated_by: by,
        updated_at: Date.now(),
      })
      .onConflict('endpoint_id')
      .merge();
  }

  async rollUpHours(endpointIds: string[], sinceHour: number) {
    if (endpointIds.length === 0) return 0;
    const minutes = await this.db('ml_serving_minutes')
      .whereIn('endpoint_id', endpointIds)
      .where('minute', '>=', sinceHour * MINUTES_PER_HOUR)
      .select(
        'endpoint_id',
        'deployment_id',
        'minute',
        'requests',
        'errors',
        'client_errors',
        'bytes_in',
        'latency',
        'gpu_util',
      );
    const hours = new Map<
      string,
      Row & { latencies: string[]; gpu: number[] }
    >();
    for (const m of minutes) {
      const hour = Math.floor(Number(m.minute) / MINUTES_PER_HOUR);
      const key = `${m.deployment_id}/${hour}`;
      const row = hours.get(key) ?? {
        deployment_id: m.deployment_id,
        hour,
        endpoint_id: m.endpoint_id,
        requests: 0,
        errors: 0,
        client_errors: 0,
        bytes_in: 0,
        latencies: [],
        gpu: [],
      };
      row.requests += Number(m.requests);
      row.errors += Number(m.errors);
      row.client_errors += Number(m.client_errors);
      row.bytes_in += Number(m.bytes_in);
      row.latencies.push(m.latency);
      if (m.gpu_util !== null && m.gpu_util !== undefined) {
        row.gpu.push(Number(m.gpu_util));
      }
      hours.set(key, row);
    }
    const rows = [...hours.values()].map(({ latencies, gpu, ...row }) => {
      const latency = mergeLatencies(latencies);
      const quantiles = latencyQuantiles([latency]);
      return {
        ...row,
        latency,
        p50_ms: quantiles?.p50Ms ?? null,
        p95_ms: quantiles?.p95Ms ?? null,
        p99_ms: quantiles?.p99Ms ?? null,
        // The mean of the minutes that report it.
        gpu_util: gpu.length
          ? gpu.reduce((a, b) => a + b, 0) / gpu.length
          : null,
      };
    });
    // Replaced whole: a rollup run twice, or by two replicas, writes the same rows.
    for (let i = 0; i < rows.length; i += 200) {
      await this.db('ml_serving_hours')
        .insert(rows.slice(i, i + 200))
        .onConflict(['deployment_id', 'hour'])
        .merge();
    }
    return rows.length;
  }

  async servingHours(endpointIds: string[], sinceHour: number) {
    if (endpointIds.length === 0) return [];
    const rows = await this.db('ml_serving_hours')
      .whereIn('endpoint_id', endpointIds)
      .where('hour', '>=', sinceHour)
      .orderBy('hour');
    return rows.map(
      (row): ServingHour => ({
        endpointId: row.endpoint_id,
        deploymentId: row.deployment_id,
        hour: Number(row.hour),
        requests: Number(row.requests),
        errors: Number(row.errors),
        clientErrors: Number(row.client_errors),
        bytesIn: Number(row.bytes_in),
        latency: row.latency,
        gpuUtilization:
          row.gpu_util === null ? undefined : Number(row.gpu_util),
        quantiles:
          row.p50_ms === null
            ? undefined
            : {
                p50Ms: Number(row.p50_ms),
                p95Ms: Number(row.p95_ms),
                p99Ms: Number(row.p99_ms),
              },
      }),
    );
  }

  async addDriftSamples(samples: DriftSample[]) {
    if (samples.length === 0) return;
    await this.db('ml_drift_samples').insert(
      samples.map(s => ({
        endpoint_id: s.endpointId,
        deployment_id: s.deploymentId,
        window_start: s.windowStart,
        rows: s.rows,
        columns: JSON.stringify(s.columns),
      })),
    );
  }

  async pendingDriftWindows(before: number) {
    const rows = await this.db('ml_drift_samples')
      .distinct('endpoint_id', 'deployment_id', 'window_start')
      .where('window_start', '<', before)
      .orderBy('window_start');
    return rows.map(row => ({
      endpointId: row.endpoint_id,
      deploymentId: row.deployment_id,
      windowStart: Number(row.window_start),
    }));
  }

  async driftSamples(
    endpointId: string,
    deploymentId: string,
    windowStart: number,
  ) {
    const rows = await this.db('ml_drift_samples').where({
      endpoint_id: endpointId,
      deployment_id: deploymentId,
      window_start: windowStart,
    });
    return rows.map(
      (row): DriftSample => ({
        endpointId: row.endpoint_id,
        deploymentId: row.deployment_id,
        windowStart: Number(row.window_start),
        rows: Number(row.rows),
        columns: JSON.parse(row.columns),
      }),
    );
  }

  async saveDriftResult(result: DriftResult) {
    await this.db.transaction(async tx => {
      await tx('ml_drift_results')
        .insert({
          endpoint_id: result.endpointId,
          deployment_id: result.deploymentId,
          window_start: result.windowStart,
          window_end: result.windowEnd,
          version: result.version,
          samples: result.samples,
          status: result.status,
          features: JSON.stringify(result.features),
        })
        .onConflict(['endpoint_id', 'deployment_id', 'window_start'])
        .merge();
      // No raw payloads are kept beyond their window.
      await tx('ml_drift_samples')
        .where({
          endpoint_id: result.endpointId,
          deployment_id: result.deploymentId,
          window_start: result.windowStart,
        })
        .delete();
    });
  }

  async driftResults(endpointId: string, limit: number) {
    const rows = await this.db('ml_drift_results')
      .where({ endpoint_id: endpointId })
      .orderBy('window_end', 'desc')
      .limit(limit);
    return rows.map(toResult);
  }

  async openAlert(alert: NewAlert, at: number) {
    const row = {
      id: randomUUID(),
      endpoint_id: alert.endpointId,
      kind: alert.kind,
      subject: alert.subject,
      version: alert.version ?? null,
      status: 'open',
      opened_at: at,
      detail: alert.detail,
      value: alert.value ?? null,
      threshold: alert.threshold ?? null,
    };
    try {
      await this.db('ml_monitoring_alerts').insert(row);
    } catch (error) {
      // Already open (maybe by another replica): one alert per breach.
      if (isUniqueViolation(error)) return undefined;
      throw error;
    }
    return toAlert(row);
  }

  async closeAlert(id: string, by: string, at: number) {
    await this.db('ml_monitoring_alerts')
      .where({ id, status: 'open' })
      .update({ status: 'closed', closed_at: at, closed_by: by });
    return this.getAlert(id);
  }

  async openAlerts(endpointIds?: string[]) {
    const query = this.db('ml_monitoring_alerts').where({ status: 'open' });
    if (endpointIds) query.whereIn('endpoint_id', endpointIds);
    return (await query.orderBy('opened_at', 'desc')).map(toAlert);
  }

  async alerts(endpointId: string, limit: number) {
    const rows = await this.db('ml_monitoring_alerts')
      .where({ endpoint_id: endpointId })
      // Open ones first, then the newest.
      .orderByRaw(`CASE WHEN status = 'open' THEN 0 ELSE 1 END`)
      .orderBy('opened_at', 'desc')
      .limit(limit);
    return rows.map(toAlert);
  }

  async getAlert(id: string) {
    const row = await this.db('ml_monitoring_alerts').where({ id }).first();
    return row ? toAlert(row) : undefined;
  }

  async claimRetraining(alertId: string) {
    const claimed = await this.db('ml_monitoring_alerts')
      .where({ id: alertId })
      .whereNull('retraining_job_id')
      .update({ retraining_job_id: CLAIMED });
    return claimed === 1;
  }

  async setRetraining(
    alertId: string,
    outcome: { jobId?: string; error?: string },
  ) {
    await this.db('ml_monitoring_alerts')
      .where({ id: alertId })
      .update({
        retraining_job_id: outcome.jobId ?? CLAIMED,
        retraining_error: outcome.error ?? null,
      });
  }
}
