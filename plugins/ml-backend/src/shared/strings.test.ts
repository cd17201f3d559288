import {
  countLeading,
  countTrailing,
  describeValue,
  jsonNestsDeeperThan,
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

describe('jsonNestsDeeperThan', () => {
  const deeper = (json: string, max: number) => [
    jsonNestsDeeperThan(json, max),
    jsonNestsDeeperThan(Buffer.from(json, 'utf8'), max),
  ];

  it('counts arrays and objects, not brackets inside strings', () => {
    expect(deeper('{"a":[1,{"b":[]}]}', 4)).toEqual([false, false]);
    expect(deeper('{"a":[1,{"b":[]}]}', 3)).toEqual([true, true]);
    expect(deeper('["[[[[", "{{{{"]', 1)).toEqual([false, false]);
    // An escaped quote does not end the string; an escaped backslash does not escape it.
    expect(deeper('["\\"[[', 1)).toEqual([false, false]);
    expect(deeper('["\\\\"[[', 2)).toEqual([true, true]);
    expect(deeper('["\\\\", [[1]]]', 2)).toEqual([true, true]);
    expect(deeper('["\\\\", "é[", {}]', 2)).toEqual([false, false]);
  });

  it('reads a megabyte of brackets in one pass', () => {
    const open = '['.repeat(1_000_000);
    expect(deeper(open, 999_999)).toEqual([true, true]);
    expect(deeper(`"${open}"`, 0)).toEqual([false, false]);
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
