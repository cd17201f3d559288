import { FeatureFreshness, Tag } from '@ml-portal/plugin-ml-common';
import { MISSING } from '../common/format';

const UNITS: Array<[suffix: string, seconds: number]> = [
  ['d', 86_400],
  ['h', 3_600],
  ['m', 60],
  ['s', 1],
];

/**
 * A span of seconds the way a TTL or an SLO is written: its two largest units,
 * zeros left out: `1d`, `1d 6h`, `1h 30m`, `45s`.
 *
 * @internal
 */
export function formatSeconds(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) {
    return MISSING;
  }
  const whole = Math.round(seconds);
  if (whole === 0) return '0s';
  const first = UNITS.findIndex(([, size]) => whole >= size);
  const parts: string[] = [];
  let rest = whole;
  for (const [suffix, size] of UNITS.slice(first, first + 2)) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0) parts.push(`${count}${suffix}`);
  }
  return parts.join(' ');
}

/** A view's TTL; Feast's 0 means its rows never expire. @internal */
export function formatTtl(ttlSeconds: number | undefined): string {
  return ttlSeconds === 0 ? 'none' : formatSeconds(ttlSeconds);
}

/**
 * How old a view's data is against what it may be, e.g. `2d 3h old, SLO 1d`;
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

/** The path of a feature view's page below the Features tab. @internal */
export function featureViewPath(view: { project: string; name: string }) {
  return `views/${encodeURIComponent(view.project)}/${encodeURIComponent(
    view.name,
  )}`;
}
