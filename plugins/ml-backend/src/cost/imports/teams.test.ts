import { toGroupRef } from '../../shared/groupRefs';
import { findLabel, mapTeam, validateTeamMapping } from './teams';

describe('toGroupRef', () => {
  it('turns label values into group refs and keeps refs', () => {
    expect(toGroupRef('recsys')).toBe('group:default/recsys');
    expect(toGroupRef(' ml-platform ')).toBe('group:default/ml-platform');
    expect(toGroupRef('group:default/vision')).toBe('group:default/vision');
    expect(toGroupRef('group:research/vision')).toBe('group:research/vision');
    expect(toGroupRef('group:vision')).toBe('group:default/vision');
    expect(toGroupRef('research/vision')).toBe('group:research/vision');
    expect(toGroupRef('Group:Default/RecSys')).toBe('group:default/recsys');
    expect(toGroupRef('team_a.b')).toBe('group:default/team_a.b');
  });

  it('refuses what cannot be a group ref', () => {
    for (const bad of [
      undefined,
      '',
      '  ',
      'user:alice',
      'component:default/x',
      'a/b/c',
      'rec sys',
      '-recsys',
      'recsys-',
      'a--b',
      'x'.repeat(64),
    ])
      expect(toGroupRef(bad)).toBeUndefined();
  });
});

describe('mapTeam', () => {
  const mapping = {
    namespaces: { 'vision-batch': 'group:default/vision', jobs: 'recsys' },
    defaultTeam: 'ml-platform',
  };

  it('prefers the label, then the namespace, then the default team', () => {
    expect(
      mapTeam(mapping, { label: 'recsys', namespace: 'vision-batch' }),
    ).toBe('group:default/recsys');
    expect(mapTeam(mapping, { namespace: 'vision-batch' })).toBe(
      'group:default/vision',
    );
    expect(mapTeam(mapping, { namespace: 'jobs' })).toBe(
      'group:default/recsys',
    );
    expect(mapTeam(mapping, { namespace: 'kube-system' })).toBe(
      'group:default/ml-platform',
    );
    expect(mapTeam(mapping, {})).toBe('group:default/ml-platform');
  });

  it('skips an unusable label value instead of failing', () => {
    expect(mapTeam(mapping, { label: 'Rec Sys', namespace: 'jobs' })).toBe(
      'group:default/recsys',
    );
  });

  it('leaves the team out when nothing matches and there is no default', () => {
    expect(mapTeam({}, { namespace: 'vision-batch' })).toBeUndefined();
    expect(
      mapTeam({ namespaces: {} }, { namespace: 'constructor' }),
    ).toBeUndefined();
  });
});

describe('findLabel', () => {
  it('finds a label as written or as OpenCost sanitizes it', () => {
    expect(findLabel({ team: 'recsys' }, 'team')).toBe('recsys');
    expect(
      findLabel({ app_kubernetes_io_team: 'vision' }, 'app.kubernetes.io/team'),
    ).toBe('vision');
    expect(
      findLabel(
        { 'app.kubernetes.io/team': 'vision' },
        'app.kubernetes.io/team',
      ),
    ).toBe('vision');
    expect(findLabel({ team: '' }, 'team')).toBeUndefined();
    expect(findLabel({ team: 3 }, 'team')).toBeUndefined();
    expect(findLabel(undefined, 'team')).toBeUndefined();
    expect(findLabel(['team'], 'team')).toBeUndefined();
  });
});

describe('validateTeamMapping', () => {
  it('accepts good mappings and names the bad entry of others', () => {
    expect(() =>
      validateTeamMapping({
        teamLabel: 'owner',
        namespaces: { a: 'recsys' },
        defaultTeam: 'group:default/x',
      }),
    ).not.toThrow();
    expect(() =>
      validateTeamMapping({ namespaces: { 'vision-batch': 'user:bob' } }),
    ).toThrow("namespaces.vision-batch: 'user:bob' is not a group entity ref");
    expect(() => validateTeamMapping({ defaultTeam: 'a b' })).toThrow(
      /defaultTeam/,
    );
    expect(() => validateTeamMapping({ teamLabel: ' ' })).toThrow(/teamLabel/);
  });
});
