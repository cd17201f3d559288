import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { AccessControl } from '../shared/AccessControl';
import { Caller } from '../shared/caller';

/** Access control with permissions off (everything allowed), for domain tests. */
export const openAccess = () =>
  new AccessControl({
    permissions: mockServices.permissions(),
    tenancy: { readAcrossTeams: true, managers: [], platformGroups: [] },
    enabled: false,
  });

/**
 * Access control with permissions on and a framework that allows every user: what
 * remains are the rules the ml plugin applies itself (membership, services, anonymous).
 */
export const memberAccess = () =>
  new AccessControl({
    permissions: mockServices.permissions(),
    tenancy: { readAcrossTeams: true, managers: [], platformGroups: [] },
    enabled: true,
  });

/** A signed-in user acting for `groups` (the first owns what they create). */
export const userCaller = (
  userId = 'user:default/mock',
  groups: string[] = ['group:default/ml-platform'],
): Caller => ({
  credentials: mockCredentials.user(userId),
  kind: 'user',
  userId,
  groups,
  owner: groups[0] ?? 'group:default/ml-platform',
});
