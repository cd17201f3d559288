import { Config } from '@backstage/config';
import {
  AuthorizeResult,
  Permission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import {
  ML_TEAM_RESOURCE_TYPE,
  mlPlatformPermissions,
} from '@ml-portal/plugin-ml-common';
import { isMlResourcePermission, ownedByDecision } from './ownerRules';

/**
 * The tenancy rules of a shared ML platform, from `ml.permissions`: who reads across
 * teams, who sees every team's spend, who holds the platform-wide permissions.
 *
 * @public
 */
export type TenancySettings = {
  /** Members may read other teams' experiments, models, jobs and data (default true). */
  readAcrossTeams: boolean;
  /** Groups that read every team's spend (finance, engineering managers). */
  managers: string[];
  /** Groups that import bills and Feast registries (the ML platform team). */
  platformGroups: string[];
};

/** @public */
export function readTenancySettings(config: Config): TenancySettings {
  return {
    readAcrossTeams:
      config.getOptionalBoolean('ml.permissions.readAcrossTeams') ?? true,
    managers: config.getOptionalStringArray('ml.permissions.managers') ?? [],
    platformGroups:
      config.getOptionalStringArray('ml.permissions.platformGroups') ?? [],
  };
}

/** What the tenancy rules decide: allowed, refused, or allowed on what `owners` own. */
export type TenancyDecision =
  | { result: 'allow' }
  | { result: 'deny' }
  | { result: 'owned-by'; owners: string[] };

const groupsIn = (refs: string[]) =>
  refs.filter(ref => ref.startsWith('group:'));

/**
 * The one statement of the ML tenancy rules, for a caller who belongs to `memberOf`
 * (entity refs: their groups, and for users their own ref):
 * - a team writes, cancels, deletes and promotes only what it owns;
 * - reads cross teams when `readAcrossTeams`, except spend: a team's own, or every
 *   team's for managers;
 * - creating needs a group to own the result; bill and Feast imports need a platform group;
 * - permissions of other plugins are not this rule's business (allowed).
 *
 * @public
 */
export function decideTenancy(
  permission: Permission,
  memberOf: string[],
  settings: TenancySettings,
): TenancyDecision {
  const groups = groupsIn(memberOf);
  if (isMlResourcePermission(permission)) {
    if (permission.resourceType === ML_TEAM_RESOURCE_TYPE) {
      return groups.some(group => settings.managers.includes(group))
        ? { result: 'allow' }
        : { result: 'owned-by', owners: groups };
    }
    if (permission.attributes.action === 'read' && settings.readAcrossTeams) {
      return { result: 'allow' };
    }
    return { result: 'owned-by', owners: memberOf };
  }
  if (mlPlatformPermissions.some(p => p.name === permission.name)) {
    return groups.some(group => settings.platformGroups.includes(group))
      ? { result: 'allow' }
      : { result: 'deny' };
  }
  if (
    permission.name.startsWith('ml.') &&
    permission.attributes.action === 'create'
  ) {
    return groups.length > 0 ? { result: 'allow' } : { result: 'deny' };
  }
  return { result: 'allow' };
}

/**
 * The portal's permission policy: {@link decideTenancy} for signed-in users, as
 * conditional decisions on the ML owner rules; other plugins' permissions are allowed.
 * Service and anonymous callers never reach a policy (the framework allows services
 * outright); the ml plugin applies the same rules to them itself.
 *
 * @public
 */
export class MlTenancyPolicy implements PermissionPolicy {
  constructor(private readonly settings: TenancySettings) {}

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    const { permission } = request;
    const decision = decideTenancy(
      permission,
      user?.info.ownershipEntityRefs ?? [],
      this.settings,
    );
    if (decision.result === 'owned-by' && isMlResourcePermission(permission)) {
      return ownedByDecision(permission, decision.owners);
    }
    return {
      result:
        decision.result === 'deny'
          ? AuthorizeResult.DENY
          : AuthorizeResult.ALLOW,
    };
  }
}
