/** An entity name (lowercase, as group refs are compared). */
const NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/**
 * A team label value as a group entity ref: `recsys` → `group:default/recsys`,
 * `group:recsys` → `group:default/recsys`, `platform/recsys` → `group:platform/recsys`,
 * and `group:platform/recsys` is kept. Refs are lowercased, as the catalog compares
 * them case-insensitively and the portal's estimates use lowercase refs. Returns
 * undefined for values that cannot be a group ref (empty, another kind such as
 * `user:alice`, spaces or other characters an entity name cannot have).
 *
 * @internal
 */
export function toGroupRef(value: string | undefined): string | undefined {
  const text = value?.trim().toLocaleLowerCase('en-US');
  if (!text) return undefined;
  const m = /^(?:group:)?(?:([^:/]+)\/)?([^:/]+)$/.exec(text);
  if (!m) return undefined;
  const namespace = m[1] ?? 'default';
  const name = m[2];
  if (!NAME.test(namespace) || !NAME.test(name)) return undefined;
  if (namespace.length > 63 || name.length > 63) return undefined;
  return `group:${namespace}/${name}`;
}
