import {
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { NotAllowedError } from '@backstage/errors';
import {
  AuthorizeResult,
  BasicPermission,
  PermissionCondition,
  PermissionCriteria,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import { Caller } from './caller';
import { OwnerQuery } from './ownerRules';
import { decideTenancy, readTenancySettings, TenancySettings } from './tenancy';

type Criteria = PermissionCriteria<PermissionCondition<string, OwnerQuery>>;

/** Evaluates a conditional decision's owner rules against one resource's owner. */
function holds(criteria: Criteria, owner: string): boolean {
  if ('allOf' in criteria) return criteria.allOf.every(c => holds(c, owner));
  if ('anyOf' in criteria) return criteria.anyOf.some(c => holds(c, owner));
  if ('not' in criteria) return !holds(criteria.not, owner);
  // Every ML rule is an owner rule; an unknown rule refuses rather than guesses.
  return (
    criteria.rule.startsWith('IS_') &&
    Array.isArray(criteria.params?.owners) &&
    criteria.params.owners.includes(owner)
  );
}

/** What a caller may do with one permission: a test on a resource's owner. */
type Decision = (owner?: string) => boolean;

/**
 * Every permission check of the ml plugin: the permission framework decides for users
 * (the portal policy, or whatever policy the installation sets) and applies service
 * tokens' access restrictions; since the framework allows service principals
 * everything else, the same tenancy rules the portal policy states are applied here to
 * services and anonymous MLflow clients, as members of the group they are mapped to.
 *
 * One framework call per permission, whatever the number of resources: conditional
 * decisions are evaluated here on the resources' owners.
 *
 * @internal
 */
export class AccessControl {
  constructor(
    private readonly options: {
      permissions: PermissionsService;
      tenancy: TenancySettings;
      /** `permission.enabled`: off, the framework and so this allow everything. */
      enabled: boolean;
    },
  ) {}

  /**
   * From config: with `permission.enabled` off every signed-in user may do anything to
   * any team's work, so the backend refuses to start unless `ml.permissions.allowDisabled`
   * says that is meant, and then says so loudly.
   */
  static fromConfig(
    config: Config,
    permissions: PermissionsService,
    logger: LoggerService,
  ): AccessControl {
    const enabled = config.getOptionalBoolean('permission.enabled') ?? false;
    if (!enabled) {
      if (!config.getOptionalBoolean('ml.permissions.allowDisabled')) {
        throw new Error(
          "Permissions are off (permission.enabled is not true): every signed-in user could change and delete every team's experiments, models and jobs. Turn them on with the portal policy, or set ml.permissions.allowDisabled: true to run an open portal on purpose.",
        );
      }
      logger.warn(
        "PERMISSIONS ARE OFF (ml.permissions.allowDisabled: true): every caller may read, change and delete every team's ML work. Never run this way on a shared platform.",
      );
    }
    return new AccessControl({
      permissions,
      tenancy: readTenancySettings(config),
      enabled,
    });
  }

  /** Refuses (403) unless the caller holds `permission`, on `resource` when it is a resource permission. */
  async authorize(
    caller: Caller,
    permission: BasicPermission | ResourcePermission,
    resource?: { owner: string; describe: string },
  ): Promise<void> {
    const decide = await this.decision(caller, permission);
    if (!decide(resource?.owner)) {
      const who = caller.userId ?? 'An anonymous client';
      const action = permission.attributes.action ?? 'use';
      throw new NotAllowedError(
        resource
          ? `${who} may not ${verbOf(permission)} ${resource.describe}${
              resource.describe.includes(resource.owner)
                ? ''
                : ` owned by ${resource.owner}`
            }`
          : `${who} lacks the permission ${permission.name}${
              caller.groups.length === 0 && action === 'create'
                ? ' (it belongs to no group to own what it would create)'
                : ''
            }`,
      );
    }
  }

  /** Whether the caller holds a basic permission (no 403: for what a page shows). */
  async holds(caller: Caller, permission: BasicPermission): Promise<boolean> {
    return (await this.decision(caller, permission))(undefined);
  }

  /**
   * Refuses (403) unless the caller acts for `owner` (one of the groups they belong to;
   * the default owner never counts), or for any group when `owner` is not given. Open
   * when permissions are off.
   */
  assertMember(caller: Caller, what: string, owner?: string): void {
    const member = owner
      ? caller.groups.includes(owner)
      : caller.groups.length > 0;
    if (!this.options.enabled || member) return;
    throw new NotAllowedError(
      `${caller.userId ?? 'An anonymous client'} may not ${what}${
        owner ? ` for ${owner}` : ''
      }: ${
        caller.groups.length
          ? `it acts for ${caller.groups.join(', ')}`
          : 'it belongs to no group'
      }`,
    );
  }

  /** The items the caller holds `permission` on (a read filter for lists). */
  async filter<T>(
    caller: Caller,
    permission: ResourcePermission,
    items: T[],
    ownerOf: (item: T) => string,
  ): Promise<T[]> {
    if (items.length === 0) return items;
    const decide = await this.decision(caller, permission);
    return items.filter(item => decide(ownerOf(item)));
  }

  /**
   * The owners whose resources the caller holds `permission` on, for filtering in SQL
   * before paging: `all`, or those of the caller's own refs (their groups and user ref)
   * it holds on. Owner rules name the caller's refs, so nothing readable is left out
   * under the portal policy; a policy naming other owners gets a subset, never more.
   */
  async ownersFor(
    caller: Caller,
    permission: ResourcePermission,
  ): Promise<'all' | string[]> {
    const decide = await this.decision(caller, permission);
    // A decision that holds without an owner is unconditional.
    if (decide(undefined)) return 'all';
    const refs = [...caller.groups, ...(caller.userId ? [caller.userId] : [])];
    return refs.filter(owner => decide(owner));
  }

  private async decision(
    caller: Caller,
    permission: BasicPermission | ResourcePermission,
  ): Promise<Decision> {
    const { permissions, tenancy, enabled } = this.options;
    if (!enabled) return () => true;
    const framework: Decision =
      caller.kind === 'anonymous'
        ? () => true // no identity for the framework; only the tenancy rules apply
        : await this.frameworkDecision(caller, permission, permissions);
    if (caller.kind === 'user') return framework;
    if (
      caller.kind === 'service' &&
      caller.groups.length === 0 &&
      permission.attributes.action === 'read'
    ) {
      // An unmapped service (the catalog, a dashboard) reads every team's work; its
      // token's accessRestrictions narrow that. It writes nothing.
      return framework;
    }
    const rule = decideTenancy(permission, caller.groups, tenancy);
    const ruled: Decision =
      rule.result === 'owned-by'
        ? owner => owner !== undefined && rule.owners.includes(owner)
        : () => rule.result === 'allow';
    return owner => framework(owner) && ruled(owner);
  }

  private async frameworkDecision(
    caller: Caller,
    permission: BasicPermission | ResourcePermission,
    permissions: PermissionsService,
  ): Promise<Decision> {
    const options = { credentials: caller.credentials };
    if (!('resourceType' in permission)) {
      const [decision] = await permissions.authorize([{ permission }], options);
      return () => decision.result === AuthorizeResult.ALLOW;
    }
    const [decision] = await permissions.authorizeConditional(
      [{ permission }],
      options,
    );
    if (decision.result === AuthorizeResult.CONDITIONAL) {
      const conditions = decision.conditions as Criteria;
      return owner => owner !== undefined && holds(conditions, owner);
    }
    return () => decision.result === AuthorizeResult.ALLOW;
  }
}

/** The action a permission names last: `ml.job.cancel` → `cancel`. */
function verbOf(permission: ResourcePermission | BasicPermission) {
  return permission.name.split('.').pop() ?? 'use';
}
