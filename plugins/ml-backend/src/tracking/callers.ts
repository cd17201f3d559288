import {
  HttpAuthService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { Request } from 'express';
import { Caller } from './TrackingService';

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
    if (principal.type === 'user') {
      const info = await userInfo.getUserInfo(credentials as any);
      const group = info.ownershipEntityRefs.find(ref =>
        ref.startsWith('group:'),
      );
      return {
        credentials,
        userId: info.userEntityRef,
        owner: group ?? defaultOwner,
      };
    }
    if (principal.type === 'service') {
      return { credentials, userId: principal.subject, owner: defaultOwner };
    }
    return { credentials, owner: defaultOwner };
  };
}
