import { InputError } from '@backstage/errors';
import {
  MlServingTargetsExtensionPoint,
  ServingTarget,
} from '@ml-portal/plugin-ml-node';
import { TargetRegistry } from '../shared/targetRegistry';

/**
 * The serving targets the plugin's extension point collects: the local one and the
 * modules'.
 *
 * @internal
 */
export class ServingTargets
  extends TargetRegistry<ServingTarget>
  implements MlServingTargetsExtensionPoint
{
  constructor() {
    super('Serving target');
  }

  addServingTarget(...targets: ServingTarget[]): void {
    this.add(targets);
  }

  /** The target an endpoint names; InputError listing the enabled ones when it is not. */
  enabled(id: string): ServingTarget {
    const target = this.get(id);
    if (!target) {
      throw new InputError(
        `Serving target '${id}' is not enabled; enabled: ${
          [...this.keys()].sort().join(', ') || 'none'
        }`,
      );
    }
    return target;
  }
}
