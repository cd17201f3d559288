import { createHash } from 'node:crypto';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';

/** Entity ref → hash of the entity, as last applied to the catalog. @internal */
export type PublishedEntities = ReadonlyMap<string, string>;

/** JSON with object keys sorted, so equal entities hash equally whatever their key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(canonicalJson).join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      // An object's keys are distinct, so no pair compares equal.
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** @internal */
export function hashEntity(entity: Entity): string {
  return createHash('sha256').update(canonicalJson(entity)).digest('hex');
}

/**
 * What changed since the last publication: entities that are new or differ from what was
 * published, refs of published entities that are gone, and the index of `current` to
 * remember once the change is applied.
 *
 * @internal
 */
export function diffEntities(
  published: PublishedEntities,
  current: Entity[],
): { changed: Entity[]; removedRefs: string[]; index: Map<string, string> } {
  const index = new Map<string, string>();
  const changed: Entity[] = [];
  for (const entity of current) {
    const ref = stringifyEntityRef(entity);
    const hash = hashEntity(entity);
    index.set(ref, hash);
    if (published.get(ref) !== hash) {
      changed.push(entity);
    }
  }
  const removedRefs = [...published.keys()].filter(ref => !index.has(ref));
  return { changed, removedRefs, index };
}
