import {
  BackstageCredentials,
  BackstageUserPrincipal,
  HttpAuthService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { Request } from 'express';

/**
 * Who is calling: their credentials (for the permission framework), the groups they act
 * for (every owner check), and the group that owns what they create.
 *
 * @internal
 */
export type Caller = {
  credentials: BackstageCredentials;
  kind: 'user' | 'service' | 'anonymous';
  /** A user's entity ref or a service's subject (recorded on runs, audits, jobs). */
  userId?: string;
  /**
   * The groups the caller belongs to: a user's groups, the group a service principal
   * (or, locally, the anonymous MLflow client) is mapped to in config; else none.
   */
  groups: string[];
  /**
   * Owner of what the caller creates: their first group, else `ml.tracking.defaultOwner`.
   * Never a membership: a caller without groups is refused creation by the tenancy rules.
   */
  owner: string;
};

function isUser(
  credentials: BackstageCredentials<{ type: string }>,
): credentials is BackstageCredentials<BackstageUserPrincipal> {
  return credentials.principal.type === 'user';
}

/**
 * Which team each service principal acts for (`ml.permissions.servicePrincipals`: a
 * static or external token's subject → a group), and the group an anonymous MLflow
 * client acts for where `ml.mlflow.allowUnauthenticated` lets one in.
 *
 * @internal
 */
export type PrincipalGroups = {
  services: Map<string, string>;
  anonymous?: string;
};

/** @internal */
export function readPrincipalGroups(config: Config): PrincipalGroups {
  const services = new Map<string, string>();
  for (const entry of config.getOptionalConfigArray(
    'ml.permissions.servicePrincipals',
  ) ?? []) {
    services.set(entry.getString('subject'), entry.getString('group'));
  }
  return {
    services,
    anonymous: config.getOptionalString('ml.mlflow.anonymousGroup'),
  };
}

/** Owner of what anonymous or service callers create, unless configured. */
const FALLBACK_OWNER = 'group:default/ml-platform';

/**
 * Who callers are, from config: the default owner (`ml.tracking.defaultOwner`), whether
 * MLflow clients may call without a token (`ml.mlflow.allowUnauthenticated`, local
 * installs only) and the service principals' groups.
 *
 * @internal
 */
export function readCallerSettings(config: Config) {
  return {
    defaultOwner:
      config.getOptionalString('ml.tracking.defaultOwner') ?? FALLBACK_OWNER,
    allowUnauthenticated:
      config.getOptionalBoolean('ml.mlflow.allowUnauthenticated') ?? false,
    principals: readPrincipalGroups(config),
  };
}

/**
 * Resolves who calls from a request: a signed-in user acts for their groups; a service
 * principal for the group it is mapped to (none: it may read, never write); an
 * anonymous MLflow client, where allowed, for `ml.mlflow.anonymousGroup`.
 *
 * @internal
 */
export function createCallerResolver(options: {
  httpAuth: HttpAuthService;
  userInfo: UserInfoService;
  defaultOwner: string;
  allowUnauthenticated: boolean;
  principals: PrincipalGroups;
}): (req: Request) => Promise<Caller> {
  const { httpAuth, userInfo, defaultOwner, allowUnauthenticated, principals } =
    options;
  const acting = (
    base: Omit<Caller, 'owner' | 'groups'>,
    groups: string[],
  ): Caller => ({ ...base, groups, owner: groups[0] ?? defaultOwner });
  return async req => {
    const credentials = await httpAuth.credentials(req, {
      allow: allowUnauthenticated
        ? ['user', 'service', 'none']
        : ['user', 'service'],
    });
    const { principal } = credentials;
    if (isUser(credentials)) {
      const info = await userInfo.getUserInfo(credentials);
      return acting(
        { credentials, kind: 'user', userId: info.userEntityRef },
        info.ownershipEntityRefs.filter(ref => ref.startsWith('group:')),
      );
    }
    if (principal.type === 'service') {
      const subject = (principal as { subject: string }).subject;
      const group = principals.services.get(subject);
      return acting(
        { credentials, kind: 'service', userId: subject },
        group ? [group] : [],
      );
    }
    return acting(
      { credentials, kind: 'anonymous' },
      principals.anonymous ? [principals.anonymous] : [],
    );
  };
}

/** Who did it, as audits, timelines and alerts record it. @internal */
export const actorOf = (caller: Caller) => caller.userId ?? 'anonymous';
