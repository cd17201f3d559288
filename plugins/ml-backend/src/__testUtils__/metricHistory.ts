import { metricsOf } from '../tracking/metricChunks';
import { TrackingStore } from '../tracking/TrackingStore';

/** A stored series as metrics (the store reads it as columns). */
export const historyOf = async (
  store: TrackingStore,
  runId: string,
  key: string,
  window?: { offset: number; limit?: number },
) => metricsOf(key, await store.getMetricHistory(runId, key, window));
