import { FeatureFreshness, Tag } from '@ml-portal/plugin-ml-common';
import { formatDuration, MISSING } from '../common/format';

/**
 * A span of seconds (a TTL, an SLO, an age), written as every duration on the
 * ML pages is: `3h 00m`, `1d 06h`.
 *
 * @internal
 */
export function formatSeconds(seconds: number | undefined): string {
  return formatDuration(seconds === undefined ? undefined : seconds * 1000);
}

/** A view's TTL; Feast's 0 means its rows never expire. @internal */
export function formatTtl(ttlSeconds: number | undefined): string {
  return ttlSeconds === 0 ? 'none' : formatSeconds(ttlSeconds);
}

/**
 * How old a view's data is against what it may be, e.g. `2d 03h old, SLO 1d 00h`;
 * `never materialised` when nothing says when it last was.
 *
 * @internal
 */
export function freshnessSummary(freshness: FeatureFreshness): string {
  const slo =
    freshness.sloSeconds !== undefined
      ? `SLO ${formatSeconds(freshness.sloSeconds)}`
      : 'no SLO or TTL';
  if (freshness.ageSeconds === undefined) {
    return freshness.lastMaterializedAt === undefined
      ? `never materialised, ${slo}`
      : slo;
  }
  return `${formatSeconds(freshness.ageSeconds)} old, ${slo}`;
}

/** The online and offline stores a view is served from, e.g. `online, offline`. @internal */
export function storesLabel(view: { online: boolean; offline: boolean }) {
  const stores = [view.online && 'online', view.offline && 'offline'].filter(
    Boolean,
  );
  return stores.length > 0 ? stores.join(', ') : MISSING;
}

/** Tags as `key=value`, the way Feast writes them. @internal */
export function tagLabel(tag: Tag): string {
  return tag.value ? `${tag.key}=${tag.value}` : tag.key;
}
