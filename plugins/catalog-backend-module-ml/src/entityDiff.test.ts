import { Entity } from '@backstage/catalog-model';
import { diffEntities, hashEntity } from './entityDiff';

function resource(
  name: string,
  annotations: Record<string, string> = {},
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Resource',
    metadata: { name, namespace: 'default', annotations },
    spec: { type: 'dataset', owner: 'group:default/a' },
  };
}

describe('hashEntity', () => {
  it('ignores key order and tells different content apart', () => {
    expect(hashEntity(resource('a', { x: '1', y: '2' }))).toBe(
      hashEntity(resource('a', { y: '2', x: '1' })),
    );
    expect(hashEntity(resource('a', { x: '1' }))).not.toBe(
      hashEntity(resource('a', { x: '2' })),
    );
  });
});

describe('diffEntities', () => {
  it('finds new, changed and gone entities, and nothing for unchanged ones', () => {
    const { index: published } = diffEntities(new Map(), [
      resource('kept'),
      resource('edited'),
      resource('gone'),
    ]);

    const diff = diffEntities(published, [
      resource('kept'),
      resource('edited', { note: 'new' }),
      resource('added'),
    ]);

    expect(diff.changed.map(e => e.metadata.name)).toEqual(['edited', 'added']);
    expect(diff.removedRefs).toEqual(['resource:default/gone']);
    expect([...diff.index.keys()]).toEqual([
      'resource:default/kept',
      'resource:default/edited',
      'resource:default/added',
    ]);
    expect(
      diffEntities(diff.index, [
        resource('kept'),
        resource('edited', { note: 'new' }),
        resource('added'),
      ]),
    ).toMatchObject({ changed: [], removedRefs: [] });
  });
});
