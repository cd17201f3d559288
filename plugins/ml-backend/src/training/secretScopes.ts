import type { SecretScope } from './config';

/**
 * Whether `pattern` is one a scope may list: an exact reference, or a prefix ending in
 * one `*` (no other `*`), so matching stays a string comparison.
 *
 * @internal
 */
export function isSecretPattern(pattern: string): boolean {
  const star = pattern.indexOf('*');
  return pattern !== '' && (star === -1 || star === pattern.length - 1);
}

/** Whether `ref` matches `pattern`: equal, or starting with a `prefix*` pattern's prefix. */
function matches(pattern: string, ref: string): boolean {
  return pattern.endsWith('*')
    ? ref.startsWith(pattern.slice(0, -1))
    : ref === pattern;
}

/**
 * Whether jobs owned by `owner` may use the secret `ref` on `target`: some scope of
 * that group for that target (or for every target) lists it. No scope, no secret.
 *
 * @internal
 */
export function secretAllowed(
  scopes: SecretScope[],
  owner: string,
  target: string,
  ref: string,
): boolean {
  return scopes.some(
    scope =>
      scope.group === owner &&
      (scope.target === undefined || scope.target === target) &&
      scope.secrets.some(pattern => matches(pattern, ref)),
  );
}

/**
 * The first of a job's secret references its owner may not use on one of `targets`
 * (every target the job could run on), with its index in `secretEnv`; none when all are
 * in scope.
 *
 * @internal
 */
export function firstSecretOutOfScope(
  scopes: SecretScope[],
  owner: string,
  targets: string[],
  secretEnv: Array<{ name: string; secretRef: string }>,
): { index: number; secretRef: string; target: string } | undefined {
  for (const [index, { secretRef }] of secretEnv.entries()) {
    for (const target of targets) {
      if (!secretAllowed(scopes, owner, target, secretRef)) {
        return { index, secretRef, target };
      }
    }
  }
  return undefined;
}
