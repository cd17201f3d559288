import { formatDuration, formatMetricValue } from './format';

describe('format', () => {
  it('spells out non-finite metric values', () => {
    expect(formatMetricValue(NaN)).toBe('NaN');
    expect(formatMetricValue(Infinity)).toBe('∞');
    expect(formatMetricValue(-Infinity)).toBe('−∞');
    expect(formatMetricValue(0.123456789)).toBe('0.123457');
    expect(formatMetricValue(undefined)).toBe('—');
  });

  it('formats durations the way people read them', () => {
    expect(formatDuration(850)).toBe('850ms');
    expect(formatDuration(42_000)).toBe('42s');
    expect(formatDuration(192_000)).toBe('3m 12s');
    expect(formatDuration(3_720_000)).toBe('1h 02m');
    expect(formatDuration(undefined)).toBe('—');
  });
});
