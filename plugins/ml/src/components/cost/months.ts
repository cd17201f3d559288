/** Months are `YYYY-MM` strings in UTC, as the cost API speaks them. */

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** Whether text is a `YYYY-MM` month. @internal */
export function isMonth(text: string | null | undefined): text is string {
  return !!text && MONTH.test(text);
}

/** The month of a moment, in UTC. @internal */
export function monthOf(date: Date): string {
  return date.toISOString().slice(0, 7);
}

/** A month `delta` months after (or before, when negative) another. @internal */
export function addMonths(month: string, delta: number): string {
  const [year, index] = month.split('-').map(Number);
  return monthOf(new Date(Date.UTC(year, index - 1 + delta, 1)));
}

/** The `count` months up to and including `last`, oldest first. @internal */
export function monthsUpTo(last: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    addMonths(last, i - count + 1),
  );
}

/** The number of days of a month. @internal */
export function daysInMonth(month: string): number {
  const [year, index] = month.split('-').map(Number);
  return new Date(Date.UTC(year, index, 0)).getUTCDate();
}

/**
 * How many days of a month have begun by `now`: all of a past month's, none of
 * a future month's.
 *
 * @internal
 */
export function daysElapsed(month: string, now: Date): number {
  const current = monthOf(now);
  if (month < current) return daysInMonth(month);
  if (month > current) return 0;
  return now.getUTCDate();
}

/** A month as people read it, e.g. `November 2026` or, short, `Nov 2026`. @internal */
export function formatMonth(month: string, short = false): string {
  const [year, index] = month.split('-').map(Number);
  return new Date(Date.UTC(year, index - 1, 1)).toLocaleDateString('en-US', {
    month: short ? 'short' : 'long',
    year: 'numeric',
    timeZone: 'UTC',
  });
}
