import { Micros, MICROS_PER_USD } from '@ml-portal/plugin-ml-common';

/**
 * How a figure is shown: `exact` to the cent for tables, `whole` dollars for
 * headline figures, `compact` (`$12.3K`) for chart axes.
 *
 * @internal
 */
export type MoneyStyle = 'exact' | 'whole' | 'compact';

const formats: Record<MoneyStyle, Intl.NumberFormatOptions> = {
  exact: { minimumFractionDigits: 2, maximumFractionDigits: 2 },
  whole: { maximumFractionDigits: 0 },
  compact: { notation: 'compact', maximumFractionDigits: 1 },
};

const formatters = new Map<string, Intl.NumberFormat>();

function formatter(style: MoneyStyle, signed: boolean) {
  const key = `${style}:${signed}`;
  let format = formatters.get(key);
  if (!format) {
    format = new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency: 'USD',
      ...formats[style],
      ...(signed && { signDisplay: 'exceptZero' }),
    });
    formatters.set(key, format);
  }
  return format;
}

/**
 * An amount of integer micro-dollars as US dollars, e.g. `$1,234.57`. The one
 * place money becomes a fraction: everything before it adds micro-dollars
 * exactly. A positive amount below the smallest shown unit reads `<$0.01`
 * rather than `$0.00`, so a small cost never looks free.
 *
 * @internal
 */
export function formatMoney(
  micros: Micros,
  options: { style?: MoneyStyle; signed?: boolean } = {},
): string {
  const style = options.style ?? 'exact';
  const usd = micros / MICROS_PER_USD;
  if (style === 'exact' && micros > 0 && micros < MICROS_PER_USD / 100) {
    return options.signed ? '+<$0.01' : '<$0.01';
  }
  return formatter(style, options.signed ?? false).format(usd);
}

/**
 * Dollars typed into a form as micro-dollars; `undefined` for text that is not
 * a non-negative amount.
 *
 * @internal
 */
export function parseUsd(text: string): Micros | undefined {
  const trimmed = text.trim().replace(/^\$/, '').replace(/,/g, '');
  if (!/^\d+(\.\d*)?$|^\.\d+$/.test(trimmed)) return undefined;
  return Math.round(Number(trimmed) * MICROS_PER_USD);
}

/** Micro-dollars as the plain number a form field shows, e.g. `2.5`. @internal */
export function usdInputValue(micros: Micros): string {
  return String(micros / MICROS_PER_USD);
}

/** A fraction as a whole percentage, e.g. `0.8` → `80%`. @internal */
export function formatShare(fraction: number): string {
  if (!Number.isFinite(fraction)) return '—';
  return `${Math.round(fraction * 100)}%`;
}

/** GPU time in hours, e.g. `1,234.5 GPU-h`. @internal */
export function formatGpuHours(gpuSeconds: number): string {
  const hours = gpuSeconds / 3600;
  return `${hours.toLocaleString('en-US', {
    maximumFractionDigits: hours < 10 ? 1 : 0,
  })} GPU-h`;
}
