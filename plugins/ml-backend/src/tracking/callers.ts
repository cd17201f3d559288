import {
  BackstageCredentials,
  BackstageUserPrincipal,
  HttpAuthService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { Request } from 'express';
import { Caller } from './TrackingService';

function isUser(
  credentials: BackstageCredentials<{ type: string }>,
): credentials is BackstageCredentials<BackstageUserPrincipal> {
  return credentials.principal.type === 'user';
}

/**
 * Resolves who calls from a request: a signed-in user owns what they create through
 * their first group; a service token or, where allowed, an anonymous MLflow client gets
 * the configured default owner.
 *
 * @internal
 */
export function createCallerResolver(options: {
  httpAuth: HttpAuthService;
  userInfo: UserInfoService;
  defaultOwner: string;
  allowUnauthenticated: boolean;
}): (req: Request) => Promise<Caller> {
  const { httpAuth, userInfo, defaultOwner, allowUnauthenticated } = options;
  return async req => {
    const credentials = await httpAuth.credentials(req, {
      allow: allowUnauthenticated
        ? ['user', 'service', 'none']
        : ['user', 'service'],
    });
    const { principal } = credentials;
    if (isUser(credentials)) {
      const info = await userInfo.getUserInfo(credentials);
      const group = info.ownershipEntityRefs.find(ref =>
        ref.startsWith('group:'),
      );
      return {
        credentials,
        userId: info.userEntityRef,
        owner: group ?? defaultOwner,
        groups: info.ownershipEntityRefs.filter(ref =>
          ref.startsWith('group:'),
        ),
      };
    }
    if (principal.type === 'service') {
      return {
        credentials,
        userId: principal.subject,
        owner: defaultOwner,
        groups: [],
      };
    }
    return { credentials, owner: defaultOwner, groups: [] };
  };
}
