import * as permissions from './permissions';
import { mlPermissions } from './permissions';

describe('mlPermissions', () => {
  it('lists every permission the module exports, each once', () => {
    const exported = Object.entries(permissions)
      .filter(([name]) => /^ml\w+Permission$/.test(name))
      .map(([, permission]) => permission);
    const names = mlPermissions.map(p => p.name);
    expect(new Set(names).size).toBe(names.length);
    expect(new Set(mlPermissions)).toEqual(new Set(exported));
  });
});
