import type { V1Toleration } from '@kubernetes/client-node';

/**
 * The label on everything the targets create, and its value.
 *
 * @internal
 */
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
/** @internal */
export const MANAGED_BY = 'ml-portal';
/**
 * The extended resource GPUs are asked for by (NVIDIA's device plugin).
 *
 * @internal
 */
export const GPU_RESOURCE = 'nvidia.com/gpu';

/**
 * Tolerations for a pool's taints: a taint with a value is tolerated by that value
 * (`Equal`), one without by its key (`Exists`).
 *
 * @internal
 */
export function toTolerations(
  taints: ReadonlyArray<{ key: string; value?: string; effect: string }>,
): V1Toleration[] {
  return taints.map(taint => ({
    key: taint.key,
    operator: taint.value === undefined ? 'Exists' : 'Equal',
    ...(taint.value !== undefined && { value: taint.value }),
    effect: taint.effect,
  }));
}
