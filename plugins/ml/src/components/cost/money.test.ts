import {
  formatGpuHours,
  formatMoney,
  formatShare,
  moneyAxis,
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

  it('rounds headline figures to whole dollars only where cents are noise', () => {
    expect(formatMoney(1_234_567_890, { style: 'rounded' })).toBe('$1,235');
    expect(formatMoney(100_000_000, { style: 'rounded' })).toBe('$100');
    expect(formatMoney(-4_500_000_000, { style: 'rounded' })).toBe('-$4,500');
  });

  it('shows a headline below a dollar in cents, as the budgets show it', () => {
    // The bug: a $0.17 month read "$0" in the headline and $0.17 in its budgets.
    expect(formatMoney(170_000, { style: 'rounded' })).toBe('$0.17');
    expect(formatMoney(170_000, { style: 'rounded' })).toBe(
      formatMoney(170_000),
    );
    expect(formatMoney(99_990_000, { style: 'rounded' })).toBe('$99.99');
    expect(formatMoney(3_000, { style: 'rounded' })).toBe('<$0.01');
    expect(formatMoney(0, { style: 'rounded' })).toBe('$0.00');
  });
  it('signs differences when asked', () => {
    expect(formatMoney(600_000_000, { signed: true })).toBe('+$600.00');
    expect(formatMoney(-600_000_000, { signed: true })).toBe('-$600.00');
    expect(formatMoney(0, { signed: true })).toBe('$0.00');
  });
});

describe('moneyAxis', () => {
  const labels = (maxMicros: number) => {
    const axis = moneyAxis(maxMicros);
    return axis.ticks.map(axis.tickFormatter);
  };

  it('labels the ticks of a $0–$0.30 axis distinctly, in cents', () => {
    // The bug: compact labels with one decimal read "$0.1" on several ticks.
    expect(labels(300_000)).toEqual(['$0.00', '$0.10', '$0.20', '$0.30']);
    expect(labels(170_000)).toEqual([
      '$0.00',
      '$0.05',
      '$0.10',
      '$0.15',
      '$0.20',
    ]);
  });

  it('keeps ticks distinct and readable at any scale', () => {
    expect(labels(20_000)).toEqual([
      '$0.000',
      '$0.005',
      '$0.010',
      '$0.015',
      '$0.020',
    ]);
    expect(labels(2_000_000)).toEqual([
      '$0.00',
      '$0.50',
      '$1.00',
      '$1.50',
      '$2.00',
    ]);
    expect(labels(950_000_000)).toEqual([
      '$0',
      '$250',
      '$500',
      '$750',
      '$1,000',
    ]);
    expect(labels(19_000_000_000)).toEqual([
      '$0',
      '$5K',
      '$10K',
      '$15K',
      '$20K',
    ]);
    expect(labels(1_100_000_000_000)).toEqual(['$0', '$500K', '$1M', '$1.5M']);
    for (let exponent = 0; exponent <= 15; exponent++) {
      for (const mantissa of [1, 1.7, 2.2, 3, 4.9, 7.3]) {
        const max = Math.round(mantissa * 10 ** exponent);
        const ticks = labels(max);
        expect(new Set(ticks).size).toBe(ticks.length);
        const axis = moneyAxis(max);
        expect(axis.domain[1]).toBeGreaterThanOrEqual(max);
        expect(axis.ticks.length).toBeGreaterThanOrEqual(2);
        expect(axis.ticks.length).toBeLessThanOrEqual(6);
      }
    }
  });

  it('gives an empty chart a $0–$1 axis', () => {
    expect(labels(0)).toEqual(['$0.00', '$0.25', '$0.50', '$0.75', '$1.00']);
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
