import {
  formatGpuHours,
  formatMoney,
  formatShare,
  parseUsd,
  usdInputValue,
} from './money';

describe('formatMoney', () => {
  it('shows micro-dollars as dollars and cents', () => {
    expect(formatMoney(1_234_567_890)).toBe('$1,234.57');
    expect(formatMoney(0)).toBe('$0.00');
    expect(formatMoney(10_000)).toBe('$0.01');
    // Sums of micro-dollars are exact: no 0.1 + 0.2 drift.
    expect(formatMoney(100_000 + 200_000)).toBe('$0.30');
  });

  it('never shows a small cost as free', () => {
    expect(formatMoney(4_999)).toBe('<$0.01');
    expect(formatMoney(1)).toBe('<$0.01');
  });

  it('rounds to whole dollars for headlines and shortens for chart axes', () => {
    expect(formatMoney(1_234_567_890, { style: 'whole' })).toBe('$1,235');
    expect(formatMoney(12_345_000_000, { style: 'compact' })).toBe('$12.3K');
    expect(formatMoney(2_500_000_000_000, { style: 'compact' })).toBe('$2.5M');
  });

  it('signs differences when asked', () => {
    expect(formatMoney(600_000_000, { signed: true })).toBe('+$600.00');
    expect(formatMoney(-600_000_000, { signed: true })).toBe('-$600.00');
    expect(formatMoney(0, { signed: true })).toBe('$0.00');
  });
});

describe('parseUsd', () => {
  it('reads typed dollars as micro-dollars', () => {
    expect(parseUsd('2.50')).toBe(2_500_000);
    expect(parseUsd(' $1,200 ')).toBe(1_200_000_000);
    expect(parseUsd('0.1')).toBe(100_000);
    expect(parseUsd('.5')).toBe(500_000);
  });

  it('rejects what is not a non-negative amount', () => {
    for (const text of ['', 'abc', '-1', '1e3', '1.2.3']) {
      expect(parseUsd(text)).toBeUndefined();
    }
  });

  it('round-trips the value a field shows', () => {
    expect(usdInputValue(2_500_000)).toBe('2.5');
    expect(parseUsd(usdInputValue(1_234_567))).toBe(1_234_567);
  });
});

describe('other cost figures', () => {
  it('formats shares and GPU hours', () => {
    expect(formatShare(0.8)).toBe('80%');
    expect(formatShare(1.333)).toBe('133%');
    expect(formatShare(Infinity)).toBe('—');
    expect(formatGpuHours(5400)).toBe('1.5 GPU-h');
    expect(formatGpuHours(3600 * 12_345.4)).toBe('12,345 GPU-h');
  });
});
