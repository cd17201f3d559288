import { Feature, Tag } from '@ml-portal/plugin-ml-common';
import { formatSeconds } from './durations';
import { FeastFeatureView } from './feastRegistry';

/** What a feature view's version is a version of. @internal */
export type FeatureViewDefinition = Pick<
  FeastFeatureView,
  | 'kind'
  | 'description'
  | 'entities'
  | 'features'
  | 'ttlSeconds'
  | 'online'
  | 'offline'
  | 'batchSource'
  | 'streamSource'
  | 'tags'
> & { owner: string };

const orNone = (value: string | undefined) => value ?? 'none';
const ttl = (seconds: number | undefined) =>
  seconds === undefined ? 'none' : formatSeconds(seconds);

/** JSON with object keys sorted and undefined dropped: equal values, equal text. @internal */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map(k => [k, v[k]]),
        )
      : v,
  );
}

/** Keys whose values differ between two tag lists. */
function changedTagKeys(before: Tag[], after: Tag[]): string[] {
  const a = new Map(before.map(t => [t.key, t.value]));
  const b = new Map(after.map(t => [t.key, t.value]));
  return [...new Set([...a.keys(), ...b.keys()])]
    .filter(key => a.get(key) !== b.get(key))
    .sort();
}

function featureChanges(before: Feature[], after: Feature[]): string[] {
  const old = new Map(before.map(f => [f.name, f]));
  const now = new Map(after.map(f => [f.name, f]));
  const changes: string[] = [];
  for (const feature of after) {
    const previous = old.get(feature.name);
    if (!previous) {
      changes.push(`feature ${feature.name} added`);
      continue;
    }
    if (previous.valueType !== feature.valueType) {
      changes.push(
        `feature ${feature.name} type ${previous.valueType} → ${feature.valueType}`,
      );
    }
    if (previous.description !== feature.description) {
      changes.push(`feature ${feature.name} description changed`);
    }
    const tagKeys = changedTagKeys(previous.tags, feature.tags);
    if (tagKeys.length) {
      changes.push(
        `feature ${feature.name} tags changed: ${tagKeys.join(', ')}`,
      );
    }
  }
  for (const feature of before) {
    if (!now.has(feature.name)) changes.push(`feature ${feature.name} removed`);
  }
  return changes;
}

/**
 * What changed from one definition of a view to the next, one line each, e.g.
 * `feature trips_7d added`, `ttl 1d → 1h`; empty when nothing did (a new order of
 * features or tags is no change).
 *
 * @internal
 */
export function viewChanges(
  before: FeatureViewDefinition,
  after: FeatureViewDefinition,
): string[] {
  const changes: string[] = [];
  const from = (label: string, a: string, b: string) => {
    if (a !== b) changes.push(`${label} ${a} → ${b}`);
  };
  from('kind', before.kind, after.kind);
  changes.push(...featureChanges(before.features, after.features));
  const entities = (list: string[]) =>
    list.length ? [...list].sort().join(', ') : 'none';
  from('entities', entities(before.entities), entities(after.entities));
  from('ttl', ttl(before.ttlSeconds), ttl(after.ttlSeconds));
  from('batch source', orNone(before.batchSource), orNone(after.batchSource));
  from(
    'stream source',
    orNone(before.streamSource),
    orNone(after.streamSource),
  );
  from('online', String(before.online), String(after.online));
  from('offline', String(before.offline), String(after.offline));
  from('owner', before.owner, after.owner);
  if (before.description !== after.description) {
    changes.push('description changed');
  }
  const tagKeys = changedTagKeys(before.tags, after.tags);
  if (tagKeys.length) changes.push(`tags changed: ${tagKeys.join(', ')}`);
  return changes;
}
