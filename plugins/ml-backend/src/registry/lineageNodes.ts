import { LineageNodeDescriber } from '../shared/lineage';
import { RegistryStore } from './RegistryStore';

/**
 * Model versions drawn as `<name> v<version>` with their aliases (or stage), owner and
 * page, from one registry query.
 *
 * @internal
 */
export function describeVersions(
  store: Pick<RegistryStore, 'getVersionsById'>,
): LineageNodeDescriber {
  return async ids =>
    new Map(
      (await store.getVersionsById(ids)).map(v => {
        const aliases = v.aliases.map(a => `@${a}`).join(', ');
        const stage = v.currentStage !== 'None' ? v.currentStage : undefined;
        return [
          v.id,
          {
            label: `${v.name} v${v.version}`,
            subtitle: aliases || stage,
            owner: v.owner,
            path: `models/${encodeURIComponent(v.name)}/versions/${v.version}`,
          },
        ];
      }),
    );
}
