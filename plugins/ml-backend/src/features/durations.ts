/** Durations as Feast writes them (protobuf JSON) and as people write freshness SLOs. */

const PROTO_DURATION = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/;

/**
 * A protobuf JSON `Duration` (`86400s`, `3600.5s`, `0.000001s`) in seconds; undefined
 * for any other text.
 *
 * @internal
 */
export function parseProtoDuration(text: string): number | undefined {
  const m = PROTO_DURATION.exec(text.trim());
  if (!m) return undefined;
  const seconds = Number(m[2]) + Number(`0.${m[3] ?? '0'}`);
  return m[1] ? -seconds : seconds;
}

const SLO_UNITS = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$/;

/**
 * A freshness SLO tag value in seconds: plain seconds (`900`), a protobuf duration
 * (`900s`) or units (`2h`, `30m`, `1d`, `1h30m`). Undefined for anything else or zero.
 *
 * @internal
 */
export function parseSloDuration(text: string): number | undefined {
  const value = text.trim().toLowerCase();
  if (/^\d+(?:\.\d+)?$/.test(value)) return Number(value) || undefined;
  const m = SLO_UNITS.exec(value);
  if (!m || value === '') return undefined;
  const [days, hours, minutes, seconds] = [1, 2, 3, 4].map(i =>
    Number(m[i] ?? 0),
  );
  return days * 86400 + hours * 3600 + minutes * 60 + seconds || undefined;
}

/** `86400` → `1d`, `5400` → `1h30m`, `90.5` → `1m30.5s`: how changes and warnings name durations. @internal */
export function formatSeconds(total: number): string {
  if (total === 0) return '0s';
  const parts: string[] = [];
  let rest = total;
  for (const [unit, size] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
  ] as const) {
    const whole = Math.floor(rest / size);
    if (whole > 0) parts.push(`${whole}${unit}`);
    rest -= whole * size;
  }
  if (rest > 0) parts.push(`${Number(rest.toFixed(9))}s`);
  return parts.join('');
}
