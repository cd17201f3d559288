import { FeatureFreshness } from '@ml-portal/plugin-ml-common';

/**
 * A view's freshness at `now`: fresh while the end of its last materialization is at
 * most its allowed age (SLO tag, else TTL) old, stale after; unknown without either.
 * Views fed by pushes or computed on demand have no materialization to judge by.
 *
 * @internal
 */
export function freshnessOf(
  view: { lastMaterializedAt?: number; sloSeconds?: number },
  now: number,
): FeatureFreshness {
  const { lastMaterializedAt, sloSeconds } = view;
  if (lastMaterializedAt === undefined) {
    return { status: 'unknown', sloSeconds };
  }
  const ageSeconds = Math.max(0, Math.floor((now - lastMaterializedAt) / 1000));
  if (sloSeconds === undefined) {
    return { status: 'unknown', lastMaterializedAt, ageSeconds };
  }
  return {
    status: ageSeconds > sloSeconds ? 'stale' : 'fresh',
    lastMaterializedAt,
    sloSeconds,
    ageSeconds,
  };
}
