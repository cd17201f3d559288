import { identityApiRef } from '@backstage/frontend-plugin-api';

/**
 * A team's group entity ref as a short name: `group:default/ml-research` →
 * `ml-research`; another namespace stays, `group:emea/vision` → `emea/vision`.
 *
 * @internal
 */
export function teamName(ref: string): string {
  return ref.replace(/^group:/i, '').replace(/^default\//i, '');
}

/**
 * What was typed into the team filter as a group entity ref, completed the way
 * the catalog completes refs: `ml-research` → `group:default/ml-research`.
 * Refs are case-insensitive; the API receives them lower-cased.
 *
 * @internal
 */
export function teamRef(text: string): string {
  const trimmed = text.trim().toLowerCase();
  if (!trimmed) return '';
  const withKind = trimmed.includes(':') ? trimmed : `group:${trimmed}`;
  const [kind, rest] = [
    withKind.slice(0, withKind.indexOf(':')),
    withKind.slice(withKind.indexOf(':') + 1),
  ];
  return `${kind}:${rest.includes('/') ? rest : `default/${rest}`}`;
}

/**
 * The ref of a group entity, like the catalog's `stringifyEntityRef`: kind,
 * namespace (`default` when absent) and name, lower-cased.
 *
 * @internal
 */
export function groupEntityRef(entity: {
  kind: string;
  metadata: { name: string; namespace?: string };
}): string {
  const namespace = entity.metadata.namespace ?? 'default';
  return `${entity.kind}:${namespace}/${entity.metadata.name}`.toLowerCase();
}

/**
 * The groups the signed-in user may own things for (their group ownership refs): the
 * choices of an owner picker.
 *
 * @internal
 */
export async function ownerGroupsOf(
  identityApi: typeof identityApiRef.T,
): Promise<string[]> {
  const { ownershipEntityRefs } = await identityApi.getBackstageIdentity();
  return ownershipEntityRefs.filter(ref => ref.startsWith('group:'));
}
