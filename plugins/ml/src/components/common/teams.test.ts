import { groupEntityRef, teamName, teamRef } from './teams';

describe('teams', () => {
  it('shortens refs in the default namespace only', () => {
    expect(teamName('group:default/ml-research')).toBe('ml-research');
    expect(teamName('group:emea/vision')).toBe('emea/vision');
  });

  it('completes a typed team into a group ref', () => {
    expect(teamRef('ml-research')).toBe('group:default/ml-research');
    expect(teamRef(' Emea/Vision ')).toBe('group:emea/vision');
    expect(teamRef('group:default/recsys')).toBe('group:default/recsys');
    expect(teamRef('  ')).toBe('');
  });

  it("names a group entity like the catalog's stringifyEntityRef", () => {
    expect(
      groupEntityRef({ kind: 'Group', metadata: { name: 'ML-Research' } }),
    ).toBe('group:default/ml-research');
    expect(
      groupEntityRef({
        kind: 'Group',
        metadata: { name: 'vision', namespace: 'emea' },
      }),
    ).toBe('group:emea/vision');
  });
});
