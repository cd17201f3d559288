import { InputError } from '@backstage/errors';
import {
  Feature,
  FeatureDataSource,
  FeatureEntity,
  FeatureService,
  FeatureView,
  Tag,
} from '@ml-portal/plugin-ml-common';
import { parseUtcTimestamp } from '../shared/time';
import {
  formatSeconds,
  parseProtoDuration,
  parseSloDuration,
} from './durations';
import { FeatureOwnerMapping, resolveOwner } from './owners';

/** @internal */
export type FeastEntity = Omit<FeatureEntity, 'updatedAt'>;

/** @internal */
export type FeastDataSource = Omit<FeatureDataSource, 'updatedAt'>;

/** @internal */
export type FeastFeatureService = Omit<FeatureService, 'updatedAt'>;

/** A feature view as the dump defines it, before the catalog versions it. @internal */
export type FeastFeatureView = {
  project: string;
  name: string;
  kind: NonNullable<FeatureView['kind']>;
  description?: string;
  /** The group Feast's owner or `team`/`owner` tag maps to; none when nothing maps. */
  owner?: string;
  entities: string[];
  features: Feature[];
  ttlSeconds?: number;
  online: boolean;
  offline: boolean;
  batchSource?: string;
  streamSource?: string;
  tags: Tag[];
  /** The allowed age: the `freshness_slo` tag, else the TTL. */
  sloSeconds?: number;
  /** End of the newest materialization interval. */
  lastMaterializedAt?: number;
  /** Feast's creation time of the view. */
  createdAt?: number;
};

/** The catalog's reading of one `feast registry-dump`. @internal */
export type FeastRegistry = {
  /** Every project the dump covers, including projects without objects. */
  projects: string[];
  entities: FeastEntity[];
  dataSources: FeastDataSource[];
  featureViews: FeastFeatureView[];
  featureServices: FeastFeatureService[];
  /** What was skipped or could not be mapped; the import goes on. */
  warnings: string[];
};

/** The tag naming a view's freshness SLO, e.g. `freshness_slo: 2h`. @internal */
export const FRESHNESS_SLO_TAG = 'freshness_slo';

/** The entity Feast adds for views without entities; not a real entity. */
const DUMMY_ENTITY = '__dummy';

const VIEW_LISTS = [
  ['featureViews', 'batch'],
  ['streamFeatureViews', 'stream'],
  ['onDemandFeatureViews', 'on_demand'],
] as const;

const REGISTRY_KEYS = [
  'project',
  'projects',
  'projectMetadata',
  'entities',
  'dataSources',
  'featureServices',
  ...VIEW_LISTS.map(([key]) => key),
];

/** Feast's `DataSource.type` for registries that leave it out, by options field. */
const SOURCE_TYPES_BY_OPTIONS: Record<string, string> = {
  fileOptions: 'BATCH_FILE',
  bigqueryOptions: 'BATCH_BIGQUERY',
  kafkaOptions: 'STREAM_KAFKA',
  kinesisOptions: 'STREAM_KINESIS',
  redshiftOptions: 'BATCH_REDSHIFT',
  snowflakeOptions: 'BATCH_SNOWFLAKE',
  sparkOptions: 'BATCH_SPARK',
  trinoOptions: 'BATCH_TRINO',
  athenaOptions: 'BATCH_ATHENA',
  pushOptions: 'PUSH_SOURCE',
  requestDataOptions: 'REQUEST_SOURCE',
  customOptions: 'CUSTOM_SOURCE',
};

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function kindOfValue(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  return value === null ? 'null' : typeof value;
}

function object(value: unknown, path: string): Json {
  if (!isObject(value)) {
    throw new InputError(
      value === undefined
        ? `${path} is missing`
        : `${path} must be an object, got ${kindOfValue(value)}`,
    );
  }
  return value;
}

function optionalObject(value: unknown, path: string): Json | undefined {
  return value === undefined || value === null
    ? undefined
    : object(value, path);
}

function list(value: unknown, path: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    throw new InputError(`${path} must be a list, got ${kindOfValue(value)}`);
  }
  return value;
}

/** Protobuf JSON leaves out empty strings; an empty string counts as absent too. */
function optionalString(value: unknown, path: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') {
    throw new InputError(`${path} must be a string, got ${kindOfValue(value)}`);
  }
  return value;
}

function requiredString(value: unknown, path: string): string {
  const text = optionalString(value, path);
  if (text === undefined) throw new InputError(`${path} is missing`);
  return text;
}

function optionalBoolean(value: unknown, path: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') {
    throw new InputError(
      `${path} must be true or false, got ${kindOfValue(value)}`,
    );
  }
  return value;
}

function timestamp(value: unknown, path: string): number | undefined {
  const text = optionalString(value, path);
  if (text === undefined) return undefined;
  const date = parseUtcTimestamp(text);
  if (!date) {
    throw new InputError(`${path}: '${text}' is not an RFC 3339 timestamp`);
  }
  return date.getTime();
}

function duration(value: unknown, path: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' && typeof value !== 'string') {
    throw new InputError(`${path} must be a duration such as '86400s'`);
  }
  const seconds = typeof value === 'number' ? value : parseProtoDuration(value);
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) {
    throw new InputError(
      `${path}: '${value}' is not a protobuf duration such as '86400s'`,
    );
  }
  return seconds;
}

/** A protobuf `map<string,string>` as tags sorted by key, so equal maps compare equal. */
function tags(value: unknown, path: string): Tag[] {
  const map = optionalObject(value, path) ?? {};
  return Object.keys(map)
    .sort()
    .map(key => {
      const tagValue = map[key];
      if (typeof tagValue !== 'string') {
        throw new InputError(`${path}.${key} must be a string`);
      }
      return { key, value: tagValue };
    });
}

const tagValue = (tagList: Tag[], key: string) =>
  tagList.find(tag => tag.key === key)?.value;

function feature(value: unknown, path: string): Feature {
  const spec = object(value, path);
  return {
    name: requiredString(spec.name, `${path}.name`),
    valueType: optionalString(spec.valueType, `${path}.valueType`) ?? 'UNKNOWN',
    description: optionalString(spec.description, `${path}.description`),
    tags: tags(spec.tags, `${path}.tags`),
  };
}

/** Path, table or topic a source reads, from whichever options its type has. */
function locationOf(source: Json, path: string): string | undefined {
  const options = (key: string) =>
    optionalObject(source[key], `${path}.${key}`);
  const text = (o: Json | undefined, key: string) =>
    optionalString(o?.[key], `${path}.${key}`);
  const file = options('fileOptions');
  const bigquery = options('bigqueryOptions');
  const kafka = options('kafkaOptions');
  const kinesis = options('kinesisOptions');
  const spark = options('sparkOptions');
  const warehouse =
    options('redshiftOptions') ??
    options('snowflakeOptions') ??
    options('athenaOptions') ??
    options('trinoOptions');
  const dotted = (o: Json | undefined) =>
    text(o, 'table') &&
    [text(o, 'database'), text(o, 'schema'), text(o, 'table')]
      .filter(Boolean)
      .join('.');
  return (
    // `fileUrl`, `tableRef` and `eventTimestampColumn`: names of Feast before 0.20.
    text(file, 'uri') ??
    text(file, 'fileUrl') ??
    text(bigquery, 'table') ??
    text(bigquery, 'tableRef') ??
    text(bigquery, 'query') ??
    text(kafka, 'topic') ??
    text(kinesis, 'streamName') ??
    text(spark, 'table') ??
    text(spark, 'path') ??
    text(spark, 'query') ??
    (dotted(warehouse) || undefined) ??
    text(warehouse, 'query')
  );
}

function dataSource(
  value: Json,
  path: string,
  defaultProject: string | undefined,
  owners: FeatureOwnerMapping,
): FeastDataSource | undefined {
  const name = optionalString(value.name, `${path}.name`);
  if (!name) return undefined;
  const project =
    optionalString(value.project, `${path}.project`) ?? defaultProject;
  if (!project) throw new InputError(`${path}.project is missing`);
  const sourceTags = tags(value.tags, `${path}.tags`);
  const inferred = Object.keys(SOURCE_TYPES_BY_OPTIONS).find(
    key => value[key] !== undefined,
  );
  return {
    project,
    name,
    type:
      optionalString(value.type, `${path}.type`) ??
      (inferred ? SOURCE_TYPES_BY_OPTIONS[inferred] : 'UNKNOWN'),
    location: locationOf(value, path),
    timestampField:
      optionalString(value.timestampField, `${path}.timestampField`) ??
      optionalString(
        value.eventTimestampColumn,
        `${path}.eventTimestampColumn`,
      ),
    description: optionalString(value.description, `${path}.description`),
    owner: resolveOwner(
      [
        optionalString(value.owner, `${path}.owner`),
        tagValue(sourceTags, 'team'),
        tagValue(sourceTags, 'owner'),
      ],
      owners,
    ).group,
    tags: sourceTags,
  };
}

/**
 * Collects what a parse learns besides the objects: projects, sources met inside
 * views, and warnings (one per distinct problem).
 */
class ParseContext {
  readonly projects = new Set<string>();
  readonly sources = new Map<string, FeastDataSource>();
  private readonly warnings = new Map<string, string>();

  constructor(
    readonly topProject: string | undefined,
    readonly owners: FeatureOwnerMapping,
  ) {
    if (topProject) this.projects.add(topProject);
  }

  projectOf(spec: Json, path: string): string {
    const project =
      optionalString(spec.project, `${path}.project`) ?? this.topProject;
    if (!project) {
      throw new InputError(
        `${path}.project is missing and the dump names no top-level project`,
      );
    }
    this.projects.add(project);
    return project;
  }

  /** A source as the first of its name met: the top-level list is read first. */
  addSource(source: FeastDataSource | undefined) {
    const key = source && `${source.project}/${source.name}`;
    if (source && key && !this.sources.has(key)) this.sources.set(key, source);
    return source;
  }

  warn(key: string, message: string) {
    if (!this.warnings.has(key)) this.warnings.set(key, message);
  }

  allWarnings() {
    return [...this.warnings.values()];
  }

  /** Maps the owner candidates, warning once per value that names no group. */
  owner(id: string, candidates: Array<string | undefined>) {
    const { group, unmapped } = resolveOwner(candidates, this.owners);
    if (!group) {
      for (const value of unmapped) {
        this.warn(
          `owner:${value.toLowerCase()}`,
          `owner '${value}' of ${id} is not a group; map it to one in ml.features.owners (the importer's group owns it meanwhile)`,
        );
      }
    }
    return group;
  }
}

function featureView(
  item: unknown,
  path: string,
  kind: FeastFeatureView['kind'],
  ctx: ParseContext,
): FeastFeatureView & { upstreamViews: string[] } {
  const view = object(item, path);
  const spec = object(view.spec, `${path}.spec`);
  const meta = optionalObject(view.meta, `${path}.meta`) ?? {};
  const name = requiredString(spec.name, `${path}.spec.name`);
  const project = ctx.projectOf(spec, `${path}.spec`);
  const id = `${project}/${name}`;
  const viewTags = tags(spec.tags, `${path}.spec.tags`);
  const source = (key: 'batchSource' | 'streamSource') => {
    const value = optionalObject(spec[key], `${path}.spec.${key}`);
    return value
      ? ctx.addSource(
          dataSource(value, `${path}.spec.${key}`, project, ctx.owners),
        )?.name
      : undefined;
  };

  // Feast writes a TTL of 0 for "never expires".
  const ttlSeconds = duration(spec.ttl, `${path}.spec.ttl`) || undefined;
  const sloTag = tagValue(viewTags, FRESHNESS_SLO_TAG);
  let sloSeconds = sloTag === undefined ? undefined : parseSloDuration(sloTag);
  if (sloTag !== undefined && sloSeconds === undefined) {
    ctx.warn(
      `slo:${id}`,
      `${id}: ${FRESHNESS_SLO_TAG} '${sloTag}' is not a duration such as 2h, 30m or 900; ${
        ttlSeconds ? `its TTL (${formatSeconds(ttlSeconds)})` : 'no SLO'
      } applies`,
    );
  }
  sloSeconds ??= ttlSeconds;

  const materializedUntil = list(
    meta.materializationIntervals,
    `${path}.meta.materializationIntervals`,
  ).flatMap((interval, i) => {
    const at = `${path}.meta.materializationIntervals[${i}]`;
    const end = timestamp(object(interval, at).endTime, `${at}.endTime`);
    return end === undefined ? [] : [end];
  });

  // An on-demand view reads other views (and request data): its upstream views.
  const upstreamViews = Object.entries(
    optionalObject(spec.sources, `${path}.spec.sources`) ?? {},
  ).flatMap(([key, value]) => {
    const at = `${path}.spec.sources.${key}`;
    const odfvSource = object(value, at);
    const projection = optionalObject(
      odfvSource.featureViewProjection,
      `${at}.featureViewProjection`,
    );
    const upstream = optionalObject(
      odfvSource.featureView,
      `${at}.featureView`,
    );
    const request = optionalObject(
      odfvSource.requestDataSource,
      `${at}.requestDataSource`,
    );
    if (request) {
      ctx.addSource(
        dataSource(request, `${at}.requestDataSource`, project, ctx.owners),
      );
    }
    const upstreamName =
      optionalString(projection?.featureViewName, `${at}.featureViewName`) ??
      optionalString(
        optionalObject(upstream?.spec, `${at}.featureView.spec`)?.name,
        `${at}.featureView.spec.name`,
      );
    return upstreamName ? [upstreamName] : [];
  });

  const batchSource = source('batchSource');
  return {
    project,
    name,
    kind,
    description: optionalString(spec.description, `${path}.spec.description`),
    owner: ctx.owner(id, [
      optionalString(spec.owner, `${path}.spec.owner`),
      tagValue(viewTags, 'team'),
      tagValue(viewTags, 'owner'),
    ]),
    entities: list(spec.entities, `${path}.spec.entities`)
      .map((ref, i) => requiredString(ref, `${path}.spec.entities[${i}]`))
      .filter(ref => ref !== DUMMY_ENTITY),
    features: list(spec.features, `${path}.spec.features`).map((f, i) =>
      feature(f, `${path}.spec.features[${i}]`),
    ),
    ttlSeconds,
    // On-demand views are computed when read, online and in historical retrieval alike.
    online:
      kind === 'on_demand' ||
      (optionalBoolean(spec.online, `${path}.spec.online`) ?? false),
    // Retrievable offline: historical retrieval reads the batch source (Feast's own
    // `offline` flag only says whether pushes are written to the offline store).
    offline:
      kind === 'on_demand' ||
      batchSource !== undefined ||
      (optionalBoolean(spec.offline, `${path}.spec.offline`) ?? false),
    batchSource,
    streamSource: source('streamSource'),
    tags: viewTags,
    sloSeconds,
    lastMaterializedAt: materializedUntil.length
      ? Math.max(...materializedUntil)
      : undefined,
    createdAt: timestamp(
      meta.createdTimestamp,
      `${path}.meta.createdTimestamp`,
    ),
    upstreamViews,
  };
}

function entity(item: unknown, path: string, ctx: ParseContext) {
  const spec = object(object(item, path).spec, `${path}.spec`);
  const name = requiredString(spec.name, `${path}.spec.name`);
  const project = ctx.projectOf(spec, `${path}.spec`);
  if (name === DUMMY_ENTITY) return [];
  const entityTags = tags(spec.tags, `${path}.spec.tags`);
  const joinKey = optionalString(spec.joinKey, `${path}.spec.joinKey`);
  const parsed: FeastEntity = {
    project,
    name,
    joinKeys: joinKey
      ? [joinKey]
      : list(spec.joinKeys, `${path}.spec.joinKeys`).map((key, i) =>
          requiredString(key, `${path}.spec.joinKeys[${i}]`),
        ),
    valueType: optionalString(spec.valueType, `${path}.spec.valueType`),
    description: optionalString(spec.description, `${path}.spec.description`),
    owner: resolveOwner(
      [
        optionalString(spec.owner, `${path}.spec.owner`),
        tagValue(entityTags, 'team'),
        tagValue(entityTags, 'owner'),
      ],
      ctx.owners,
    ).group,
    tags: entityTags,
  };
  return [parsed];
}

function featureService(
  item: unknown,
  path: string,
  ctx: ParseContext,
): FeastFeatureService {
  const spec = object(object(item, path).spec, `${path}.spec`);
  const serviceTags = tags(spec.tags, `${path}.spec.tags`);
  return {
    project: ctx.projectOf(spec, `${path}.spec`),
    name: requiredString(spec.name, `${path}.spec.name`),
    description: optionalString(spec.description, `${path}.spec.description`),
    owner: resolveOwner(
      [
        optionalString(spec.owner, `${path}.spec.owner`),
        tagValue(serviceTags, 'team'),
        tagValue(serviceTags, 'owner'),
      ],
      ctx.owners,
    ).group,
    featureViews: list(spec.features, `${path}.spec.features`).map((p, i) => {
      const at = `${path}.spec.features[${i}]`;
      const projection = object(p, at);
      return {
        name: requiredString(
          projection.featureViewName,
          `${at}.featureViewName`,
        ),
        features: list(projection.featureColumns, `${at}.featureColumns`).map(
          (column, j) => feature(column, `${at}.featureColumns[${j}]`).name,
        ),
      };
    }),
    tags: serviceTags,
  };
}

function assertUnique<T extends { project: string; name: string }>(
  items: T[],
  what: string,
) {
  const seen = new Set<string>();
  for (const item of items) {
    const id = `${item.project}/${item.name}`;
    if (seen.has(id)) {
      throw new InputError(`The dump defines ${what} '${id}' twice`);
    }
    seen.add(id);
  }
}

/**
 * Reads the JSON `feast registry-dump` prints (also a `Registry` protobuf as JSON):
 * entities, data sources (listed, and met inside views), feature views of all three
 * kinds and feature services, with owners mapped to groups. Optional fields may be
 * missing, as protobuf JSON leaves out defaults. Throws InputError naming the path of
 * the first problem, or what is missing when the input is no registry at all.
 *
 * @internal
 */
export function parseFeastRegistry(
  input: unknown,
  options: { owners?: FeatureOwnerMapping } = {},
): FeastRegistry {
  if (!isObject(input)) {
    throw new InputError(
      `Not a Feast registry: expected the JSON object that \`feast registry-dump\` prints, got ${kindOfValue(
        input,
      )}`,
    );
  }
  if (!REGISTRY_KEYS.some(key => input[key] !== undefined)) {
    const keys = Object.keys(input).slice(0, 8);
    throw new InputError(
      `Not a Feast registry: it has none of ${REGISTRY_KEYS.join(', ')}${
        keys.length ? ` (its keys: ${keys.join(', ')})` : ''
      }; produce it with \`feast registry-dump > registry.json\``,
    );
  }
  const ctx = new ParseContext(
    optionalString(input.project, 'project'),
    options.owners ?? new Map(),
  );
  list(input.projects, 'projects').forEach((project, i) =>
    ctx.projects.add(
      requiredString(
        object(object(project, `projects[${i}]`).spec, `projects[${i}].spec`)
          .name,
        `projects[${i}].spec.name`,
      ),
    ),
  );
  list(input.projectMetadata, 'projectMetadata').forEach((metadata, i) =>
    ctx.projects.add(
      requiredString(
        object(metadata, `projectMetadata[${i}]`).project,
        `projectMetadata[${i}].project`,
      ),
    ),
  );

  list(input.dataSources, 'dataSources').forEach((item, i) => {
    const path = `dataSources[${i}]`;
    const source = object(item, path);
    requiredString(source.name, `${path}.name`);
    const parsed = dataSource(source, path, ctx.topProject, ctx.owners)!;
    const id = `${parsed.project}/${parsed.name}`;
    if (ctx.sources.has(id)) {
      throw new InputError(`The dump defines data source '${id}' twice`);
    }
    ctx.addSource(parsed);
    ctx.projects.add(parsed.project);
  });
  const entities = list(input.entities, 'entities').flatMap((item, i) =>
    entity(item, `entities[${i}]`, ctx),
  );
  const views = VIEW_LISTS.flatMap(([key, kind]) =>
    list(input[key], key).map((item, i) =>
      featureView(item, `${key}[${i}]`, kind, ctx),
    ),
  );
  const featureServices = list(input.featureServices, 'featureServices').map(
    (item, i) => featureService(item, `featureServices[${i}]`, ctx),
  );
  assertUnique(entities, 'entity');
  assertUnique(views, 'feature view');
  assertUnique(featureServices, 'feature service');

  // An on-demand view without its own entities is keyed by those of the views it reads.
  const byId = new Map(views.map(v => [`${v.project}/${v.name}`, v]));
  const featureViews = views.map(({ upstreamViews, ...view }) =>
    view.entities.length > 0 || upstreamViews.length === 0
      ? view
      : {
          ...view,
          entities: [
            ...new Set(
              upstreamViews.flatMap(
                upstream =>
                  byId.get(`${view.project}/${upstream}`)?.entities ?? [],
              ),
            ),
          ],
        },
  );
  for (const service of featureServices) {
    for (const { name } of service.featureViews) {
      if (!byId.has(`${service.project}/${name}`)) {
        ctx.warn(
          `service:${service.project}/${service.name}/${name}`,
          `feature service ${service.project}/${service.name} serves '${name}', which the dump does not define`,
        );
      }
    }
  }

  return {
    projects: [...ctx.projects].sort(),
    entities,
    dataSources: [...ctx.sources.values()],
    featureViews,
    featureServices,
    warnings: ctx.allWarnings(),
  };
}
