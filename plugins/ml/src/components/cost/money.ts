import { Micros, MICROS_PER_USD } from '@ml-portal/plugin-ml-common';

/**
 * How an amount is shown:
 *
 * - `exact` (the default): dollars and cents, for tables and details,
 *   `$1,234.57`; a positive amount below a cent reads `<$0.01`, never `$0.00`,
 *   so a small cost never looks free.
 * - `rounded`: headline figures. Whole dollars from {@link ROUNDED_FROM_USD}
 *   up, where a cent is noise (`$13,000`); below it, exactly as `exact`, so a
 *   $0.17 month reads `$0.17`, as its budgets do, and never `$0`.
 * - `tick`: the labels of a chart axis whose ticks are multiples of `step`
 *   (see {@link moneyAxis}): as many decimals as the step needs, so that
 *   neighbouring ticks always differ (`$0.05`, `$0.10`; `$0.005`, `$0.010`;
 *   `$25`, `$50`); from a step of $1,000 up, shortened (`$2.5K`, `$1.25M`).
 *
 * @internal
 */
export type MoneyOptions = {
  style?: 'exact' | 'rounded' | 'tick';
  /** For `tick`: the distance between neighbouring ticks, in micro-dollars. */
  step?: Micros;
  /** Signs the amount, `+$600.00` / `-$600.00`, for differences. */
  signed?: boolean;
};

/** From here up, a `rounded` figure is shown in whole dollars. @internal */
export const ROUNDED_FROM_USD = 100;

const formatters = new Map<string, Intl.NumberFormat>();

function formatter(options: {
  digits: number;
  compact?: boolean;
  signed?: boolean;
}) {
  const { digits, compact = false, signed = false } = options;
  const key = `${digits}:${compact}:${signed}`;
  let format = formatters.get(key);
  if (!format) {
    format = new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency: 'USD',
      ...(compact
        ? { notation: 'compact', maximumFractionDigits: digits }
        : { minimumFractionDigits: digits, maximumFractionDigits: digits }),
      ...(signed && { signDisplay: 'exceptZero' }),
    });
    formatters.set(key, format);
  }
  return format;
}

/** How many of its last decimal digits an integer has as zeros, up to `max`. */
function trailingZeros(n: number, max: number): number {
  let zeros = 0;
  for (let rest = Math.abs(n); zeros < max && rest % 10 === 0; rest /= 10) {
    zeros += 1;
  }
  return zeros;
}

/** The power of ten of micro-dollars in one dollar. */
const USD_DIGITS = Math.round(Math.log10(MICROS_PER_USD));
/** The powers of ten of the units compact notation uses: K, M, B, T. */
const COMPACT_UNITS = [3, 6, 9, 12];

/** A tick of an axis whose ticks are `step` apart, as {@link MoneyOptions} tells. */
function formatTick(micros: Micros, step: Micros, signed: boolean): string {
  const stepMicros = Math.max(1, Math.round(Math.abs(step)));
  const usd = micros / MICROS_PER_USD;
  if (stepMicros < 1000 * MICROS_PER_USD) {
    // The decimals the step has, in cents at least once it has any: $0.50, not $0.5.
    const decimals = USD_DIGITS - trailingZeros(stepMicros, USD_DIGITS);
    return formatter({ digits: decimals === 1 ? 2 : decimals, signed }).format(
      usd,
    );
  }
  // Compact notation picks the unit per amount ($750K, $1M); the step decides
  // the decimals of that unit: a $250K step shows $1.25M, a $1M step $1M.
  const magnitude = Math.floor(Math.log10(Math.abs(usd) || 1));
  const unit = [...COMPACT_UNITS].reverse().find(u => u <= magnitude) ?? 0;
  const digits = Math.max(
    0,
    USD_DIGITS + unit - trailingZeros(stepMicros, USD_DIGITS + unit),
  );
  return formatter({ digits, compact: true, signed }).format(usd);
}

/**
 * An amount of integer micro-dollars as US dollars, in the style its place
 * needs (see {@link MoneyOptions}). The one place money becomes a fraction:
 * everything before it adds micro-dollars exactly.
 *
 * @internal
 */
export function formatMoney(
  micros: Micros,
  options: MoneyOptions = {},
): string {
  const { style = 'exact', signed = false } = options;
  if (style === 'tick') {
    return formatTick(micros, options.step ?? MICROS_PER_USD / 100, signed);
  }
  const usd = micros / MICROS_PER_USD;
  if (style === 'rounded' && Math.abs(usd) >= ROUNDED_FROM_USD) {
    return formatter({ digits: 0, signed }).format(usd);
  }
  if (micros > 0 && micros < MICROS_PER_USD / 100) {
    return signed ? '+<$0.01' : '<$0.01';
  }
  return formatter({ digits: 2, signed }).format(usd);
}

/** The steps an axis may take in each power of ten, as micro-dollars are integers. */
const NICE_STEPS = [1, 2, 2.5, 5, 10];

/** A money axis from zero: its ticks, its domain, and its labels. @internal */
export type MoneyAxis = {
  ticks: Micros[];
  domain: [Micros, Micros];
  tickFormatter: (micros: number) => string;
};

/**
 * The y-axis of a chart of amounts from zero to `maxMicros`: about `tickCount`
 * ticks a round step apart (1, 2, 2.5 or 5 of a power of ten), the first at
 * zero and the last at or above the largest amount, labelled so that no two
 * ticks read alike at any scale. An empty chart gets a $0–$1 axis.
 *
 * @internal
 */
export function moneyAxis(maxMicros: Micros, tickCount = 5): MoneyAxis {
  const max = Number.isFinite(maxMicros) && maxMicros > 0 ? maxMicros : 0;
  const top = max > 0 ? max : MICROS_PER_USD;
  const rough = top / Math.max(1, tickCount - 1);
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = Math.max(
    1,
    NICE_STEPS.map(n => n * power).find(
      s => s >= rough && Number.isInteger(s),
    ) ?? 10 * power,
  );
  const count = Math.max(1, Math.ceil(top / step));
  const ticks = Array.from({ length: count + 1 }, (_, i) => i * step);
  return {
    ticks,
    domain: [0, count * step],
    tickFormatter: micros => formatMoney(micros, { style: 'tick', step }),
  };
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
