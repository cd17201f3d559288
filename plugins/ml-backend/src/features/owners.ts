import { Config } from '@backstage/config';
import { toGroupRef } from '../shared/groupRefs';

/**
 * Feast owners (emails, names, team tags) → Backstage group entity refs, from
 * `ml.features.owners`. Keys are compared case-insensitively.
 *
 * @internal
 */
export type FeatureOwnerMapping = ReadonlyMap<string, string>;

/**
 * Reads `ml.features.owners: [{ owner, group }]` (a list, as config keys cannot hold
 * the dots and `@` of emails); a group that is not a group ref fails start-up.
 *
 * @internal
 */
export function readOwnerMapping(config: Config): FeatureOwnerMapping {
  const entries = config.getOptionalConfigArray('ml.features.owners') ?? [];
  return new Map(
    entries.map((entry, i) => {
      const group = toGroupRef(entry.getString('group'));
      if (!group) {
        throw new Error(
          `ml.features.owners[${i}].group: '${entry.getString(
            'group',
          )}' is not a group entity ref`,
        );
      }
      return [entry.getString('owner').trim().toLowerCase(), group];
    }),
  );
}

/**
 * The group of the first candidate that names one: mapped in `owners`, or itself a
 * group ref or group name (`recsys` → `group:default/recsys`). Emails and other text
 * that is not a group name map to nothing unless configured.
 *
 * @internal
 */
export function resolveOwner(
  candidates: Array<string | undefined>,
  owners: FeatureOwnerMapping,
): { group?: string; unmapped: string[] } {
  const unmapped: string[] = [];
  for (const candidate of candidates) {
    const value = candidate?.trim();
    if (!value) continue;
    const group = owners.get(value.toLowerCase()) ?? toGroupRef(value);
    if (group) return { group, unmapped };
    unmapped.push(value);
  }
  return { unmapped };
}
