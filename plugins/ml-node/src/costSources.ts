import { createExtensionPoint } from '@backstage/backend-plugin-api';

/**
 * One line of a real bill or allocation export, after mapping to a team. Amounts are
 * integer micro-dollars.
 *
 * @public
 */
export type BilledCost = {
  /** Stable across re-imports of the same bill (e.g. line item id, or allocation name + window): makes imports idempotent. */
  key: string;
  /** Inclusive start and exclusive end of the billed period, UTC. */
  periodStart: Date;
  periodEnd: Date;
  /** The owning team (a group entity ref) when the line could be mapped to one. */
  team?: string;
  /** What the line is for, e.g. `p4d.24xlarge` or a Kubernetes namespace. */
  description: string;
  gpuType?: string;
  amountMicros: number;
};

/**
 * Where real costs come from: a cloud bill (AWS CUR), an OpenCost allocation export, ...
 * Read by the scheduled import; the same rows can be uploaded in the portal.
 *
 * @public
 */
export interface CostSource {
  /** Shown next to the imported figures, e.g. `aws-cur`, `opencost`. */
  readonly id: string;
  read(): Promise<BilledCost[]>;
}

/**
 * Lets modules add cost sources to the ml backend plugin.
 *
 * @public
 */
export interface MlCostSourcesExtensionPoint {
  addCostSource(...sources: CostSource[]): void;
}

/** @public */
export const mlCostSourcesExtensionPoint =
  createExtensionPoint<MlCostSourcesExtensionPoint>({
    id: 'ml.cost-sources',
  });
