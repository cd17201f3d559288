import { exampleRegistry } from './__testUtils__/exampleRegistry';
import { viewChanges } from './changes';
import {
  formatSeconds,
  parseProtoDuration,
  parseSloDuration,
} from './durations';
import { FeastFeatureView, parseFeastRegistry } from './feastRegistry';
import { freshnessOf } from './freshness';

const MEI = new Map([['mei.chen@example.com', 'group:default/recsys']]);

const byName = <T extends { name: string }>(items: T[], name: string) =>
  items.find(i => i.name === name)!;

describe('parseFeastRegistry', () => {
  it('reads the example dump: projects, entities, sources, the three kinds of views, services', () => {
    const registry = parseFeastRegistry(exampleRegistry());

    expect(registry.projects).toEqual(['rideshare']);
    // Feast's placeholder entity for entity-less views is left out.
    expect(registry.entities.map(e => e.name)).toEqual(['customer', 'driver']);
    expect(byName(registry.entities, 'driver')).toEqual({
      project: 'rideshare',
      name: 'driver',
      joinKeys: ['driver_id'],
      valueType: 'INT64',
      description: 'A driver on the platform',
      owner: 'group:default/recsys',
      tags: [{ key: 'team', value: 'recsys' }],
    });

    const sources = new Map(
      registry.dataSources.map(s => [s.name, [s.type, s.location]]),
    );
    expect(Object.fromEntries(sources)).toEqual({
      customer_profile_source: [
        'BATCH_BIGQUERY',
        'rideshare-prod.features.customer_profile_daily',
      ],
      driver_activity_batch: [
        'BATCH_FILE',
        's3://rideshare-features/driver_activity/driver_activity.parquet',
      ],
      driver_hourly_stats_source: [
        'BATCH_FILE',
        's3://rideshare-features/driver_stats/driver_hourly_stats.parquet',
      ],
      trip_events_batch: [
        'BATCH_FILE',
        's3://rideshare-features/trips/trip_events.parquet',
      ],
      trip_events_stream: ['STREAM_KAFKA', 'rideshare.trip_events'],
      vals_to_add: ['REQUEST_SOURCE', undefined],
    });

    expect(registry.featureViews.map(v => [v.name, v.kind]).sort()).toEqual([
      ['customer_profile', 'batch'],
      ['driver_activity', 'batch'],
      ['driver_hourly_stats', 'batch'],
      ['driver_trip_aggregates', 'stream'],
      ['transformed_conv_rate', 'on_demand'],
    ]);
    expect(byName(registry.featureViews, 'driver_hourly_stats')).toEqual({
      project: 'rideshare',
      name: 'driver_hourly_stats',
      kind: 'batch',
      description: 'Hourly conversion, acceptance and trip counts per driver',
      owner: 'group:default/recsys',
      entities: ['driver'],
      features: [
        {
          name: 'conv_rate',
          valueType: 'FLOAT',
          description: 'Share of offers the driver converted',
          tags: [],
        },
        {
          name: 'acc_rate',
          valueType: 'FLOAT',
          description: 'Share of offers the driver accepted',
          tags: [],
        },
        { name: 'avg_daily_trips', valueType: 'INT64', tags: [] },
      ],
      ttlSeconds: 86400,
      online: true,
      offline: true,
      batchSource: 'driver_hourly_stats_source',
      tags: [
        { key: 'freshness_slo', value: '2h' },
        { key: 'team', value: 'recsys' },
      ],
      sloSeconds: 7200,
      lastMaterializedAt: Date.parse('2026-11-23T13:00:00Z'),
      createdAt: Date.parse('2026-09-02T10:15:31.482Z'),
    });
    expect(
      byName(registry.featureViews, 'driver_trip_aggregates'),
    ).toMatchObject({
      batchSource: 'trip_events_batch',
      streamSource: 'trip_events_stream',
      ttlSeconds: 3600,
      sloSeconds: 900,
    });
    // Without its own entities, an on-demand view is keyed like the views it reads.
    expect(
      byName(registry.featureViews, 'transformed_conv_rate'),
    ).toMatchObject({
      entities: ['driver'],
      online: true,
      offline: true,
      lastMaterializedAt: undefined,
      sloSeconds: undefined,
    });
    // No SLO tag: the TTL is the allowed age.
    expect(byName(registry.featureViews, 'driver_activity').sloSeconds).toBe(
      86400,
    );

    expect(byName(registry.featureServices, 'driver_ranking_v1')).toEqual({
      project: 'rideshare',
      name: 'driver_ranking_v1',
      description: 'Online features of the driver ranking model',
      owner: 'group:default/recsys',
      featureViews: [
        {
          name: 'driver_hourly_stats',
          features: ['conv_rate', 'acc_rate', 'avg_daily_trips'],
        },
        { name: 'driver_trip_aggregates', features: ['trips_last_15m'] },
        { name: 'transformed_conv_rate', features: ['conv_rate_plus_val1'] },
      ],
      tags: [{ key: 'team', value: 'recsys' }],
    });
  });

  it('maps emails through ml.features.owners and warns about owners that map to no group', () => {
    const unmapped = parseFeastRegistry(exampleRegistry());
    expect(
      byName(unmapped.featureViews, 'customer_profile').owner,
    ).toBeUndefined();
    expect(unmapped.warnings).toEqual([
      expect.stringContaining(
        "owner 'mei.chen@example.com' of rideshare/customer_profile is not a group",
      ),
    ]);

    const mapped = parseFeastRegistry(exampleRegistry(), { owners: MEI });
    expect(byName(mapped.featureViews, 'customer_profile').owner).toBe(
      'group:default/recsys',
    );
    expect(byName(mapped.entities, 'customer').owner).toBe(
      'group:default/recsys',
    );
    expect(mapped.warnings).toEqual([]);
  });

  it('reads the later dump: one feature more, one view fewer', () => {
    const registry = parseFeastRegistry(
      exampleRegistry('registry-changed.json'),
    );

    expect(registry.featureViews.map(v => v.name).sort()).toEqual([
      'customer_profile',
      'driver_hourly_stats',
      'driver_trip_aggregates',
      'transformed_conv_rate',
    ]);
    expect(
      byName(registry.featureViews, 'driver_hourly_stats').features.map(
        f => f.name,
      ),
    ).toEqual(['conv_rate', 'acc_rate', 'avg_daily_trips', 'trips_today']);
    expect(registry.dataSources.map(s => s.name)).not.toContain(
      'driver_activity_batch',
    );
  });

  it('tolerates the fields protobuf JSON leaves out and the names of older Feast', () => {
    const registry = parseFeastRegistry({
      project: 'legacy',
      featureViews: [
        {
          spec: {
            name: 'bare',
            batchSource: {
              name: 'old_file',
              fileOptions: { fileUrl: 'file:///data/bare.parquet' },
              eventTimestampColumn: 'ts',
            },
            features: [{ name: 'x' }],
          },
        },
      ],
    });

    expect(registry.featureViews).toEqual([
      {
        project: 'legacy',
        name: 'bare',
        kind: 'batch',
        entities: [],
        features: [{ name: 'x', valueType: 'UNKNOWN', tags: [] }],
        online: false,
        offline: true,
        batchSource: 'old_file',
        tags: [],
      },
    ]);
    expect(registry.dataSources).toEqual([
      {
        project: 'legacy',
        name: 'old_file',
        type: 'BATCH_FILE',
        location: 'file:///data/bare.parquet',
        timestampField: 'ts',
        tags: [],
      },
    ]);
  });

  it('takes each object’s project from its spec when the dump names none (a Registry proto as JSON)', () => {
    const registry = parseFeastRegistry({
      projects: [{ spec: { name: 'empty' } }],
      entities: [
        { spec: { name: 'user', project: 'web', joinKey: 'user_id' } },
      ],
      featureViews: [
        { spec: { name: 'clicks', project: 'web', ttl: '0s', online: true } },
      ],
      lastUpdated: '2026-11-20T10:00:00Z',
    });

    expect(registry.projects).toEqual(['empty', 'web']);
    // A TTL of 0 means "never expires": no TTL and no SLO.
    expect(registry.featureViews[0]).toMatchObject({
      project: 'web',
      ttlSeconds: undefined,
      sloSeconds: undefined,
    });
  });

  it('warns and falls back to the TTL on a freshness SLO it cannot read', () => {
    const registry = parseFeastRegistry({
      project: 'p',
      featureViews: [
        {
          spec: {
            name: 'v',
            ttl: '3600s',
            tags: { freshness_slo: 'soon' },
          },
        },
      ],
    });

    expect(registry.featureViews[0].sloSeconds).toBe(3600);
    expect(registry.warnings).toEqual([
      "p/v: freshness_slo 'soon' is not a duration such as 2h, 30m or 900; its TTL (1h) applies",
    ]);
  });

  it.each([
    [null, 'Not a Feast registry: expected the JSON object'],
    [[{ project: 'p' }], 'got a list'],
    [{ name: 'driver', version: 3 }, 'it has none of project, projects'],
    [{ featureViews: {} }, 'featureViews must be a list, got object'],
    [
      { project: 'p', featureViews: [{ spec: {} }] },
      'featureViews[0].spec.name is missing',
    ],
    [
      { project: 'p', featureViews: [{ meta: {} }] },
      'featureViews[0].spec is missing',
    ],
    [
      { featureViews: [{ spec: { name: 'v' } }] },
      'featureViews[0].spec.project is missing and the dump names no top-level project',
    ],
    [
      { project: 'p', featureViews: [{ spec: { name: 'v', ttl: '1 day' } }] },
      "featureViews[0].spec.ttl: '1 day' is not a protobuf duration such as '86400s'",
    ],
    [
      {
        project: 'p',
        featureViews: [
          {
            spec: { name: 'v' },
            meta: { materializationIntervals: [{ endTime: 'yesterday' }] },
          },
        ],
      },
      "featureViews[0].meta.materializationIntervals[0].endTime: 'yesterday' is not an RFC 3339 timestamp",
    ],
    [
      { project: 'p', featureViews: [{ spec: { name: 'v', online: 'yes' } }] },
      'featureViews[0].spec.online must be true or false, got string',
    ],
    [
      {
        project: 'p',
        featureViews: [{ spec: { name: 'v' } }],
        streamFeatureViews: [{ spec: { name: 'v' } }],
      },
      "The dump defines feature view 'p/v' twice",
    ],
    [
      { project: 'p', dataSources: [{ type: 'BATCH_FILE' }] },
      'dataSources[0].name is missing',
    ],
  ])('refuses %j naming the problem', (input, message) => {
    expect(() => parseFeastRegistry(input)).toThrow(
      expect.objectContaining({
        name: 'InputError',
        message: expect.stringContaining(message),
      }),
    );
  });
});

describe('durations', () => {
  it('reads protobuf durations', () => {
    expect(parseProtoDuration('86400s')).toBe(86400);
    expect(parseProtoDuration('3600.5s')).toBe(3600.5);
    expect(parseProtoDuration('0.000000001s')).toBe(1e-9);
    expect(parseProtoDuration('-2s')).toBe(-2);
    expect(parseProtoDuration('86400')).toBeUndefined();
    expect(parseProtoDuration('1h')).toBeUndefined();
  });

  it('reads freshness SLOs in seconds or units', () => {
    expect(parseSloDuration('900')).toBe(900);
    expect(parseSloDuration('900s')).toBe(900);
    expect(parseSloDuration('2h')).toBe(7200);
    expect(parseSloDuration('1h30m')).toBe(5400);
    expect(parseSloDuration('1D')).toBe(86400);
    expect(parseSloDuration('0')).toBeUndefined();
    expect(parseSloDuration('')).toBeUndefined();
    expect(parseSloDuration('two hours')).toBeUndefined();
  });

  it('names durations', () => {
    expect(formatSeconds(86400)).toBe('1d');
    expect(formatSeconds(5400)).toBe('1h30m');
    expect(formatSeconds(90.5)).toBe('1m30.5s');
    expect(formatSeconds(0)).toBe('0s');
  });
});

describe('freshnessOf', () => {
  const at = Date.parse('2026-11-23T12:00:00Z');

  it('is fresh up to the SLO and stale past it', () => {
    expect(
      freshnessOf({ lastMaterializedAt: at, sloSeconds: 3600 }, at + 3600_000),
    ).toEqual({
      status: 'fresh',
      lastMaterializedAt: at,
      sloSeconds: 3600,
      ageSeconds: 3600,
    });
    expect(
      freshnessOf({ lastMaterializedAt: at, sloSeconds: 3600 }, at + 3601_000),
    ).toMatchObject({ status: 'stale', ageSeconds: 3601 });
  });

  it('is unknown without a materialization or without an SLO, with what is known', () => {
    expect(freshnessOf({ sloSeconds: 60 }, at)).toEqual({
      status: 'unknown',
      sloSeconds: 60,
    });
    expect(freshnessOf({ lastMaterializedAt: at }, at + 5000)).toEqual({
      status: 'unknown',
      lastMaterializedAt: at,
      ageSeconds: 5,
    });
  });
});

describe('viewChanges', () => {
  const view = (overrides: Partial<FeastFeatureView> = {}) => ({
    ...(parseFeastRegistry(exampleRegistry()).featureViews.find(
      v => v.name === 'driver_hourly_stats',
    ) as FeastFeatureView),
    owner: 'group:default/recsys',
    ...overrides,
  });

  it('lists each change of the definition', () => {
    const before = view();
    const after = view({
      features: [
        { ...before.features[0], valueType: 'DOUBLE' },
        { ...before.features[1], description: 'accepted / offered' },
        { name: 'trips_today', valueType: 'INT64', tags: [] },
      ],
      entities: ['driver', 'city'],
      ttlSeconds: 3600,
      batchSource: undefined,
      streamSource: 'trip_events_stream',
      online: false,
      owner: 'group:default/vision',
      tags: [{ key: 'team', value: 'vision' }],
    });

    expect(viewChanges(before, after)).toEqual([
      'feature conv_rate type FLOAT → DOUBLE',
      'feature acc_rate description changed',
      'feature trips_today added',
      'feature avg_daily_trips removed',
      'entities driver → city, driver',
      'ttl 1d → 1h',
      'batch source driver_hourly_stats_source → none',
      'stream source none → trip_events_stream',
      'online true → false',
      'owner group:default/recsys → group:default/vision',
      'tags changed: freshness_slo, team',
    ]);
  });

  it('finds nothing in a new order of features and tags or in materializations', () => {
    const before = view();
    const after = view({
      features: [...before.features].reverse(),
      tags: [...before.tags].reverse(),
      lastMaterializedAt: Date.now(),
    });
    expect(viewChanges(before, after)).toEqual([]);
  });
});
