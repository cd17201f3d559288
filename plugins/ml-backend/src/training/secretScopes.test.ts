import { ConfigReader } from '@backstage/config';
import { readLocalTargetPolicy, readSecretScopes } from './config';
import { firstSecretOutOfScope, secretAllowed } from './secretScopes';

const TEAM_A = 'group:default/team-a';
const TEAM_B = 'group:default/team-b';

const scopes = readSecretScopes(
  new ConfigReader({
    ml: {
      training: {
        secretScopes: [
          { group: TEAM_A, secrets: ['team-a/*', 'shared/hf-token'] },
          { group: TEAM_A, target: 'local', secrets: ['env:TEAM_A_TOKEN'] },
          { group: TEAM_B, target: 'kubernetes', secrets: ['team-b/*'] },
        ],
      },
    },
  }),
);

describe('secret scopes', () => {
  it('allows a group exact references and prefixes, on its targets only', () => {
    expect(secretAllowed(scopes, TEAM_A, 'kubernetes', 'team-a/db')).toBe(true);
    expect(secretAllowed(scopes, TEAM_A, 'vertex', 'shared/hf-token')).toBe(
      true,
    );
    expect(secretAllowed(scopes, TEAM_A, 'local', 'env:TEAM_A_TOKEN')).toBe(
      true,
    );
    expect(
      secretAllowed(scopes, TEAM_A, 'kubernetes', 'env:TEAM_A_TOKEN'),
    ).toBe(false);
    expect(secretAllowed(scopes, TEAM_A, 'kubernetes', 'shared/hf')).toBe(
      false,
    );
    expect(
      secretAllowed(scopes, TEAM_A, 'kubernetes', 'shared/hf-token-2'),
    ).toBe(false);
    // Another team's prefix, and a prefix that only looks alike.
    expect(secretAllowed(scopes, TEAM_A, 'kubernetes', 'team-b/db')).toBe(
      false,
    );
    expect(secretAllowed(scopes, TEAM_A, 'kubernetes', 'team-a-x/db')).toBe(
      false,
    );
    expect(secretAllowed(scopes, TEAM_B, 'kubernetes', 'team-b/db')).toBe(true);
    expect(secretAllowed(scopes, TEAM_B, 'sagemaker', 'team-b/db')).toBe(false);
    expect(secretAllowed([], TEAM_A, 'kubernetes', 'team-a/db')).toBe(false);
  });

  it('matches characters literally: a reference is never read as a pattern', () => {
    const literal = readSecretScopes(
      new ConfigReader({
        ml: {
          training: {
            secretScopes: [{ group: TEAM_A, secrets: ['a.b/(x)+*'] }],
          },
        },
      }),
    );
    expect(secretAllowed(literal, TEAM_A, 'k', 'a.b/(x)+token')).toBe(true);
    expect(secretAllowed(literal, TEAM_A, 'k', 'aXb/(x)+token')).toBe(false);
    expect(secretAllowed(literal, TEAM_A, 'k', 'a.b/xx')).toBe(false);
  });

  it('names the first reference out of scope on any of the targets a job could run on', () => {
    expect(
      firstSecretOutOfScope(
        scopes,
        TEAM_A,
        ['kubernetes', 'local'],
        [
          { name: 'A', secretRef: 'team-a/db' },
          { name: 'B', secretRef: 'team-b/db' },
        ],
      ),
    ).toEqual({ index: 1, secretRef: 'team-b/db', target: 'kubernetes' });
    expect(
      firstSecretOutOfScope(
        scopes,
        TEAM_A,
        ['kubernetes', 'local'],
        [{ name: 'A', secretRef: 'team-a/db' }],
      ),
    ).toBeUndefined();
  });

  it('refuses patterns with a * anywhere but at the end, and owners that are not groups', () => {
    const read = (secretScopes: object[]) => () =>
      readSecretScopes(
        new ConfigReader({ ml: { training: { secretScopes } } }),
      );
    expect(read([{ group: TEAM_A, secrets: ['team-*/db'] }])).toThrow(
      "'team-*/db' of group:default/team-a must be a secret reference or a prefix ending in '*'",
    );
    expect(read([{ group: TEAM_A, secrets: ['**'] }])).toThrow(/prefix/);
    expect(read([{ group: 'user:default/a', secrets: ['x'] }])).toThrow(
      /not a group entity ref/,
    );
  });
});

describe('the local target policy', () => {
  it('lets nobody run and hands no variable on by default', () => {
    expect(readLocalTargetPolicy(new ConfigReader({}))).toEqual({
      allowedGroups: [],
      envAllowlist: [],
    });
  });

  it('reads the allowed groups and variables, refusing what they cannot be', () => {
    const read = (local: object) => () =>
      readLocalTargetPolicy(new ConfigReader({ ml: { training: { local } } }));
    expect(
      read({ allowedGroups: [TEAM_A], envAllowlist: ['HF_TOKEN'] })(),
    ).toEqual({ allowedGroups: [TEAM_A], envAllowlist: ['HF_TOKEN'] });
    expect(read({ allowedGroups: ['team-a'] })).toThrow(/group entity ref/);
    expect(read({ envAllowlist: ['A-B'] })).toThrow(
      /not an environment variable name/,
    );
  });
});
