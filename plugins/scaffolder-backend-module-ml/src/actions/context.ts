import {
  BackstageCredentials,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError, NotAllowedError } from '@backstage/errors';
import { MlApi, MlPortalClient } from '../MlPortalClient';

/**
 * What every ML action is built with: the ml API client, the initiator's groups (to
 * say up front what the portal would refuse) and where the portal's pages are.
 *
 * @public
 */
export type MlActionsContext = {
  client: MlPortalClient;
  userInfo: UserInfoService;
  /** The app's base URL (`app.baseUrl`); outputs link to `<appBaseUrl>/ml/...`. */
  appBaseUrl: string;
};

/**
 * What a dry run outputs in place of ids that only a real run creates; later steps of a
 * dry run see it and skip the checks that need the real thing.
 *
 * @public
 */
export const DRY_RUN_ID = 'dry-run';

/** The task's initiator as the ml API sees them: a client acting for them and their groups. */
export async function initiator(
  context: MlActionsContext,
  credentials: BackstageCredentials,
): Promise<{ api: MlApi; groups: string[] }> {
  const groups =
    (credentials.principal as { type?: string }).type === 'user'
      ? (await context.userInfo.getUserInfo(credentials)).ownershipEntityRefs
      : [];
  return {
    api: context.client.as(credentials),
    groups: groups.filter(ref => ref.startsWith('group:')),
  };
}

/** A page of the ML portal, e.g. `/experiments/12`. */
export function pageUrl(context: MlActionsContext, path: string): string {
  return `${context.appBaseUrl.replace(/\/+$/, '')}/ml${path}`;
}

/** The group ref in full (`group:recsys` → `group:default/recsys`). */
export function groupRef(ref: string): string {
  try {
    return stringifyEntityRef(parseEntityRef(ref));
  } catch (error) {
    throw new InputError(`'${ref}' is not a group entity ref: ${error}`);
  }
}

/** One path segment of an API URL. */
export const segment = (value: string) => encodeURIComponent(value);

/**
 * The owner of what the initiator creates where the API gives no choice (experiments,
 * models): the portal makes them their first group's. A requested owner must be that
 * group; anything else is refused before anything is written.
 */
export function creatorOwner(
  what: string,
  groups: string[],
  requested: string | undefined,
): string | undefined {
  const owner = groups[0];
  if (requested === undefined) return owner;
  if (!groups.includes(requested)) {
    throw new NotAllowedError(
      `You cannot create ${what} for ${requested}: you act for ${
        groups.join(', ') || 'no group'
      }`,
    );
  }
  if (requested !== owner) {
    throw new InputError(
      `The portal makes ${what} owned by your first group, ${owner}; ${requested} cannot be chosen here (leave owner out, or ask a member whose first group it is)`,
    );
  }
  return owner;
}

/** Whether an existing asset owned by `owner` is the one a retry or re-run asked for. */
export function ownedAsAsked(
  owner: string,
  groups: string[],
  requested: string | undefined,
): boolean {
  return requested === undefined ? groups.includes(owner) : owner === requested;
}
