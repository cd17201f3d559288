import { InputError } from '@backstage/errors';
import { maxRuntimeSecondsOf, withSecretReferences } from './computeTargets';
import { sampleDispatchRequest } from './testUtils';

const request = sampleDispatchRequest({ target: 'any' });

describe('maxRuntimeSecondsOf', () => {
  it('rounds up to whole seconds and leaves a job without a limit unlimited', () => {
    expect(maxRuntimeSecondsOf(request)).toBeUndefined();
    expect(maxRuntimeSecondsOf({ ...request, maxRuntimeSeconds: 90.2 })).toBe(
      91,
    );
  });

  it('refuses a limit that is not positive', () => {
    for (const maxRuntimeSeconds of [0, -5, NaN])
      expect(() =>
        maxRuntimeSecondsOf({ ...request, maxRuntimeSeconds }),
      ).toThrow(new InputError('maxRuntimeSeconds must be positive'));
  });
});

describe('withSecretReferences', () => {
  const secretEnv = [{ name: 'TOKEN', secretRef: 'ref-1' }];

  it('adds a reference per secret, never touching the env it was given', () => {
    const env = { A: '1' };
    expect(
      withSecretReferences(env, { ...request, secretEnv }, '_SECRET_ID'),
    ).toEqual({ A: '1', TOKEN_SECRET_ID: 'ref-1' });
    expect(env).toEqual({ A: '1' });
  });

  it('refuses a secret named like a plain variable or its reference', () => {
    const conflicting: Array<Record<string, string>> = [
      { TOKEN: 'x' },
      { TOKEN_SECRET_ID: 'x' },
    ];
    for (const env of conflicting)
      expect(() =>
        withSecretReferences(env, { ...request, secretEnv }, '_SECRET_ID'),
      ).toThrow(
        "Environment variable 'TOKEN' is both a plain variable and a secret reference",
      );
  });
});
