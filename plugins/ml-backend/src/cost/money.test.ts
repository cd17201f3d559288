import { decimalToMicros, formatUsd, numberToMicros } from './money';

describe('decimalToMicros', () => {
  it('converts decimal text exactly', () => {
    expect(decimalToMicros('393.2712000000')).toBe(393_271_200);
    expect(decimalToMicros('0.1')).toBe(100_000);
    expect(decimalToMicros('12')).toBe(12_000_000);
    expect(decimalToMicros('.5')).toBe(500_000);
    expect(decimalToMicros('5.')).toBe(5_000_000);
    expect(decimalToMicros('-19.3152')).toBe(-19_315_200);
    expect(decimalToMicros('+1.000001')).toBe(1_000_001);
    expect(decimalToMicros(' 7.09 ')).toBe(7_090_000);
    expect(decimalToMicros('0')).toBe(0);
    expect(Object.is(decimalToMicros('-0.0000001'), 0)).toBe(true);
  });

  it('accepts exponents', () => {
    expect(decimalToMicros('1.5E-7')).toBe(0); // 0.15 µ$
    expect(decimalToMicros('2.5e-6')).toBe(2); // tie → even
    expect(decimalToMicros('1.2345e3')).toBe(1_234_500_000);
    expect(decimalToMicros('1e+2')).toBe(100_000_000);
  });

  it('rounds below the micro-dollar half to even', () => {
    expect(decimalToMicros('0.0000012345')).toBe(1);
    expect(decimalToMicros('0.0000015')).toBe(2);
    expect(decimalToMicros('0.0000025')).toBe(2);
    expect(decimalToMicros('0.0000035')).toBe(4);
    expect(decimalToMicros('0.00000250001')).toBe(3);
    expect(decimalToMicros('0.0000004999999')).toBe(0);
    expect(decimalToMicros('0.0000005')).toBe(0);
    expect(decimalToMicros('-0.0000025')).toBe(-2);
    expect(decimalToMicros('-0.0000035')).toBe(-4);
    expect(decimalToMicros('-0.0000012345')).toBe(-1);
  });

  it('adds 10,000 lines of 0.0001 to exactly one dollar, where floats drift', () => {
    let floatSum = 0;
    let microsSum = 0;
    for (let i = 0; i < 10_000; i++) {
      floatSum += parseFloat('0.0001');
      microsSum += decimalToMicros('0.0001');
    }
    expect(floatSum).not.toBe(1); // the drift this module exists to avoid
    expect(microsSum).toBe(1_000_000);
  });

  it('rejects what is not a decimal number, or too large', () => {
    for (const bad of [
      '',
      ' ',
      '.',
      '-',
      '1,5',
      '12,345.00',
      '$1',
      '1.2.3',
      'abc',
      'NaN',
      'Infinity',
      '1e',
      '0x10',
      '1 000',
    ])
      expect(() => decimalToMicros(bad)).toThrow(/is not a decimal number/);
    expect(() => decimalToMicros('1e500')).toThrow(/out of range/);
    expect(() => decimalToMicros('10000000000')).toThrow(/out of range/);
    expect(decimalToMicros('9000000000')).toBe(9e15);
  });
});

describe('numberToMicros', () => {
  it('converts the decimal a JSON number was written as, not its binary value', () => {
    expect(numberToMicros(0.1)).toBe(100_000);
    expect(numberToMicros(393.216)).toBe(393_216_000);
    expect(numberToMicros(0.1 + 0.2)).toBe(300_000); // 0.30000000000000004
    expect(numberToMicros(1e-7)).toBe(0);
    expect(numberToMicros(-1.5)).toBe(-1_500_000);
    expect(() => numberToMicros(NaN)).toThrow(/not a finite number/);
  });
});

describe('formatUsd', () => {
  it('formats micro-dollars exactly', () => {
    expect(formatUsd(798_724_000)).toBe('$798.724');
    expect(formatUsd(1_234_567_890_123)).toBe('$1,234,567.890123');
    expect(formatUsd(-25_000_000)).toBe('-$25.00');
    expect(formatUsd(1)).toBe('$0.000001');
    expect(formatUsd(0)).toBe('$0.00');
  });
});
