import { NotFoundError } from '@backstage/errors';
import { mlExperimentReadPermission } from '@ml-portal/plugin-ml-common';
import { AccessControl } from '../shared/AccessControl';
import { Caller } from '../shared/caller';

/**
 * Every experiment of a search exists (404) and the caller may read it (403), with one
 * owner query and one permission decision: what run and logged-model searches check
 * before they page.
 *
 * @internal
 */
export async function assertExperimentsReadable(
  deps: {
    owners: (experimentIds: string[]) => Promise<Map<string, string>>;
    access: AccessControl;
  },
  caller: Caller,
  experimentIds: string[],
): Promise<void> {
  const owners = await deps.owners(experimentIds);
  const missing = experimentIds.find(id => !owners.has(id));
  if (missing !== undefined) {
    throw new NotFoundError(`No Experiment with id=${missing} exists`);
  }
  const readable = new Set(
    await deps.access.filter(
      caller,
      mlExperimentReadPermission,
      experimentIds,
      id => owners.get(id)!,
    ),
  );
  const refused = experimentIds.find(id => !readable.has(id));
  if (refused !== undefined) {
    await deps.access.authorize(caller, mlExperimentReadPermission, {
      owner: owners.get(refused)!,
      describe: `experiment ${refused}`,
    });
  }
}
