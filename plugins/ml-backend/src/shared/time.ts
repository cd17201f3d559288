/** Time parsing shared by the bill parsers and the Feast import. */

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|z|UTC|[+-]\d{2}:?\d{2})?$/;

/**
 * An ISO-8601 / RFC 3339 timestamp (`2026-05-04T00:00:00Z`, `2026-05-04T02:00:00+02:00`,
 * `2026-05-04 00:00:00.000`, `2026-05-04`) to a `Date`. Text without a zone is UTC, as
 * both AWS and OpenCost report in UTC. Returns undefined for anything else, including
 * impossible dates such as `2026-02-30`.
 *
 * @internal
 */
export function parseUtcTimestamp(text: string): Date | undefined {
  const m = TIMESTAMP.exec(text.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map(i => Number(m[i] ?? 0));
  const ms = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3) || 0);
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59)
    return undefined;
  let t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d)
    return undefined;
  const zone = m[8];
  if (zone && /^[+-]/.test(zone)) {
    const digits = zone.replace(':', '');
    const offset = Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5));
    t -= (zone[0] === '-' ? -1 : 1) * offset * 60_000;
  }
  return new Date(t);
}
