import {
  countLeading,
  countTrailing,
  describeValue,
  trimBoth,
  trimLeading,
  trimTrailing,
} from './strings';
import { ownValue } from './objects';

describe('string scans', () => {
  it('match the regular expressions they replace', () => {
    const samples = [
      '',
      '/',
      '///',
      'a',
      'a/',
      '/a',
      '//a//b//',
      's3://bucket/prefix///',
      'x/y',
    ];
    for (const text of samples) {
      expect(trimTrailing(text, '/')).toBe(text.replace(/\/+$/, ''));
      expect(trimLeading(text, '/')).toBe(text.replace(/^\/+/, ''));
      expect(trimBoth(text, '/')).toBe(text.replace(/^\/+|\/+$/g, ''));
      expect(countTrailing(text, '/')).toBe(/\/*$/.exec(text)![0].length);
      expect(countLeading(text, '/')).toBe(/^\/*/.exec(text)![0].length);
    }
  });

  it('count long runs in one pass', () => {
    const slashes = '/'.repeat(1_000_000);
    expect(countTrailing(`${slashes}x`, '/')).toBe(0);
    expect(countTrailing(`x${slashes}`, '/')).toBe(1_000_000);
    expect(trimTrailing(`${slashes}x${slashes}`, '/')).toBe(`${slashes}x`);
    expect(trimBoth(slashes, '/')).toBe('');
    expect(countTrailing('\\'.repeat(160_000), '\\')).toBe(160_000);
  });

  it('describe request values without recursing into them', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(describeValue(deep)).toBe('a list');
    expect(describeValue({ toString: 1 })).toBe('an object');
    expect(describeValue('a"b')).toBe('"a\\"b"');
    expect(describeValue(3)).toBe('3');
    expect(describeValue(null)).toBe('null');
    expect(describeValue(undefined)).toBe('undefined');
  });
});

describe('ownValue', () => {
  it('ignores what the prototype answers', () => {
    const record: Record<string, number> = { a: 1 };
    expect(ownValue(record, 'a')).toBe(1);
    for (const key of [
      'constructor',
      'toString',
      '__proto__',
      'hasOwnProperty',
    ]) {
      expect(ownValue(record, key)).toBeUndefined();
    }
  });
});
