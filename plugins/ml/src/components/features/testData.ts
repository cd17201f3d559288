import {
  FeatureDataSource,
  FeatureEntity,
  FeatureImportResult,
  FeatureService,
  FeatureView,
  FeatureViewDetails,
} from '@ml-portal/plugin-ml-common';

/** Test data for the feature catalog pages. @internal */
export const now = Date.UTC(2026, 10, 20, 12, 0, 0);
const day = 86_400;

const float = (name: string, description?: string) => ({
  name,
  valueType: 'FLOAT',
  description,
  tags: [],
});

/** A fresh view of five features, served online and offline. @internal */
export const driverStats: FeatureView = {
  id: 'driver_ranking/driver_hourly_stats',
  project: 'driver_ranking',
  name: 'driver_hourly_stats',
  description: 'Hourly trip statistics per driver',
  owner: 'group:default/mobility',
  entities: ['driver'],
  features: [
    float('conv_rate', 'Share of offers accepted'),
    float('acc_rate'),
    {
      name: 'avg_daily_trips',
      valueType: 'INT64',
      tags: [{ key: 'pii', value: 'false' }],
    },
    float('trips_7d'),
    float('rating'),
  ],
  ttlSeconds: day,
  online: true,
  offline: true,
  batchSource: 'driver_stats_source',
  streamSource: 'driver_stats_push',
  tags: [{ key: 'team', value: 'mobility' }],
  version: 3,
  createdAt: now - 30 * day * 1000,
  updatedAt: now - 2 * day * 1000,
  freshness: {
    status: 'fresh',
    lastMaterializedAt: now - 3 * 3600 * 1000,
    sloSeconds: day,
    ageSeconds: 3 * 3600,
  },
};

/** A stale offline-only view whose SLO tag is tighter than its TTL. @internal */
export const customerProfile: FeatureView = {
  id: 'fraud/customer_profile',
  project: 'fraud',
  name: 'customer_profile',
  owner: 'group:default/risk',
  entities: ['customer'],
  features: [float('avg_basket')],
  ttlSeconds: 7 * day,
  online: false,
  offline: true,
  tags: [{ key: 'slo', value: '6h' }],
  version: 1,
  createdAt: now - 10 * day * 1000,
  updatedAt: now - 10 * day * 1000,
  freshness: {
    status: 'stale',
    lastMaterializedAt: now - (day + 3 * 3600) * 1000,
    sloSeconds: 6 * 3600,
    ageSeconds: day + 3 * 3600,
  },
};

/** @internal */
export const entities: FeatureEntity[] = [
  {
    project: 'driver_ranking',
    name: 'driver',
    joinKeys: ['driver_id'],
    valueType: 'INT64',
    description: 'A driver of the fleet',
    owner: 'group:default/mobility',
    tags: [],
    updatedAt: now,
  },
  {
    project: 'fraud',
    name: 'customer',
    joinKeys: ['customer_id'],
    tags: [],
    updatedAt: now,
  },
];

/** @internal */
export const sources: FeatureDataSource[] = [
  {
    project: 'driver_ranking',
    name: 'driver_stats_source',
    type: 'BATCH_FILE',
    location: 's3://features/driver_stats.parquet',
    timestampField: 'event_timestamp',
    tags: [],
    updatedAt: now,
  },
];

/** @internal */
export const services: FeatureService[] = [
  {
    project: 'driver_ranking',
    name: 'driver_activity_v1',
    owner: 'group:default/mobility',
    featureViews: [
      { name: 'driver_hourly_stats', features: ['conv_rate', 'acc_rate'] },
    ],
    tags: [],
    updatedAt: now,
  },
];

/** @internal */
export const importResult: FeatureImportResult = {
  id: 'imp-2',
  source: 'upload by user:default/alice',
  importedAt: now,
  projects: ['driver_ranking'],
  added: ['driver_ranking/driver_daily_stats'],
  changed: ['driver_ranking/driver_hourly_stats'],
  removed: ['driver_ranking/legacy_stats'],
  unchanged: 4,
};

/** The driver stats view's page. @internal */
export const driverStatsDetails: FeatureViewDetails = {
  ...driverStats,
  versions: [
    { version: 1, importedAt: now - 30 * day * 1000, changes: [] },
    {
      version: 2,
      importedAt: now - 9 * day * 1000,
      changes: ['feature trips_7d added'],
    },
    {
      version: 3,
      importedAt: now - 2 * day * 1000,
      changes: ['ttl 12h → 1d', 'feature rating added'],
    },
  ],
  services: ['driver_activity_v1'],
  usedBy: [
    {
      kind: 'run',
      id: 'run-abc',
      label: 'eager-owl-42',
      path: 'experiments/7/runs/run-abc',
    },
    {
      kind: 'job',
      id: 'job-1',
      label: 'train-ranker',
      path: 'training/jobs/job-1',
    },
    {
      kind: 'model_version',
      id: 'mv-9',
      label: 'driver-ranker v4',
      path: 'models/driver-ranker/versions/4',
    },
    { kind: 'run', id: 'run-gone', label: 'deleted-run' },
  ],
};
