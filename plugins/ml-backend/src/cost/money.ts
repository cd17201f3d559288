/**
 * Money of the cost domain: exact conversion to integer micro-dollars and back to text.
 *
 * Amounts are converted from their decimal text to integer micro-dollars with BigInt
 * arithmetic, never through a binary float: `"0.1"` is 100,000 micro-dollars exactly,
 * and 10,000 lines of `"0.0001"` add up to exactly 1,000,000.
 *
 * Rounding: digits below the micro-dollar are rounded **half to even** (banker's
 * rounding): `0.0000005` → 0, `0.0000015` → 2, `0.0000012345` → 1, `-0.0000025` → -2.
 * Rounding each line to the nearest micro-dollar is at most ±0.5 µ$ per line, and half
 * to even keeps ties from biasing a month of hourly lines upwards.
 */

const DECIMAL = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const MAX_EXPONENT = 400;

/**
 * A decimal number in USD as text (`12.34`, `-0.0000012345`, `1.5E-7`, `.5`) to integer
 * micro-dollars, rounded half to even. Throws an `Error` saying why for anything else.
 *
 * @internal
 */
export function decimalToMicros(text: string): number {
  const match = DECIMAL.exec(text.trim());
  const intPart = match?.[2] ?? '';
  const fracPart = match?.[3] ?? '';
  if (!match || (intPart === '' && fracPart === ''))
    throw new Error(`'${text}' is not a decimal number`);
  const exponent = match[4] === undefined ? 0 : Number(match[4]);
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > MAX_EXPONENT)
    throw new Error(`'${text}' is out of range`);
  const negative = match[1] === '-';
  const digits = BigInt(`${intPart}${fracPart}` || '0');
  // value = digits × 10^(exponent - fracLength) USD = digits × 10^shift µ$
  const shift = exponent - fracPart.length + 6;
  let micros: bigint;
  if (shift >= 0) {
    micros = digits * 10n ** BigInt(shift);
  } else {
    const divisor = 10n ** BigInt(-shift);
    const quotient = digits / divisor;
    const twice = (digits % divisor) * 2n;
    micros =
      twice > divisor || (twice === divisor && quotient % 2n === 1n)
        ? quotient + 1n
        : quotient;
  }
  if (micros > BigInt(Number.MAX_SAFE_INTEGER))
    throw new Error(`'${text}' is out of range`);
  return negative && micros !== 0n ? -Number(micros) : Number(micros);
}

/**
 * A JSON number (as `JSON.parse` gives it) to micro-dollars: its shortest decimal form
 * (`String(n)`, which round-trips) is converted exactly, so `0.1` is 100,000 µ$ and not
 * `0.1000000000000000055…` USD.
 *
 * @internal
 */
export function numberToMicros(value: number): number {
  if (!Number.isFinite(value))
    throw new Error(`${value} is not a finite number`);
  return decimalToMicros(String(value));
}

/** Micro-dollars as `$1,234.567891`-style text for descriptions (exact, no float). @internal */
export function formatUsd(micros: number): string {
  const sign = micros < 0 ? '-' : '';
  const abs = BigInt(Math.abs(micros));
  const dollars = (abs / 1_000_000n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const cents = (abs % 1_000_000n)
    .toString()
    .padStart(6, '0')
    .replace(/0{1,4}$/, '');
  return `${sign}$${dollars}.${cents.padEnd(2, '0')}`;
}
