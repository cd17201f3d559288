import { InputError, NotAllowedError } from '@backstage/errors';
import {
  ComputeTarget,
  MlComputeTargetsExtensionPoint,
} from '@ml-portal/plugin-ml-node';
import { TargetRegistry } from '../shared/targetRegistry';
import { TrainingConfig } from './config';
import { firstSecretOutOfScope } from './secretScopes';

/** The enabled compute targets by id: the local one and the modules'. @internal */
export type ComputeTargets = ReadonlyMap<string, ComputeTarget>;

/**
 * The compute targets the plugin's extension point collects: the local one and the
 * modules'.
 *
 * @internal
 */
export class ComputeTargetRegistry
  extends TargetRegistry<ComputeTarget>
  implements MlComputeTargetsExtensionPoint
{
  constructor() {
    super('Compute target');
  }

  addComputeTarget(...targets: ComputeTarget[]): void {
    this.add(targets);
  }
}

/** The target an attempt or pool names; an error when it is no longer enabled. @internal */
export function enabledTarget(
  targets: ComputeTargets,
  id: string,
): ComputeTarget {
  const target = targets.get(id);
  if (!target) throw new Error(`Compute target '${id}' is not enabled`);
  return target;
}

/**
 * Why jobs of `owner` may not run on `target` with these secrets, as the error to throw
 * (403, or 400 for a reference the target cannot read); none when they may. Asked at
 * submit and again at dispatch: what was allowed then may not be any more.
 *
 * @internal
 */
export function refusalToRun(
  { local, secretScopes }: Pick<TrainingConfig, 'local' | 'secretScopes'>,
  owner: string,
  target: string,
  secretEnv: Array<{ name: string; secretRef: string }>,
): Error | undefined {
  if (target === 'local') {
    if (!local.allowedGroups.includes(owner)) {
      return new NotAllowedError(
        `Invalid job spec: pool: the local compute target runs jobs only for the groups in ml.training.local.allowedGroups (${
          local.allowedGroups.join(', ') || 'none'
        }), and ${owner} is not one of them`,
      );
    }
    for (const [index, { secretRef }] of secretEnv.entries()) {
      if (!secretRef.startsWith('env:')) {
        return new InputError(
          `Invalid job spec: secretEnv[${index}].secretRef: the local target reads secrets only as env:VARIABLE, got '${secretRef}'`,
        );
      }
      if (!local.envAllowlist.includes(secretRef.slice(4))) {
        return new NotAllowedError(
          `Invalid job spec: secretEnv[${index}].secretRef: the local target hands jobs only the variables ml.training.local.envAllowlist lists, not ${secretRef.slice(
            4,
          )}`,
        );
      }
    }
  }
  const outside = firstSecretOutOfScope(
    secretScopes,
    owner,
    [target],
    secretEnv,
  );
  if (outside) {
    return new NotAllowedError(
      `Invalid job spec: secretEnv[${outside.index}].secretRef: '${outside.secretRef}' is not a secret ${owner} may use on the ${outside.target} target (its secret scopes: GET /training/secret-scopes/{team})`,
    );
  }
  return undefined;
}
