import { createHash } from 'node:crypto';
import { sha256Hex, utf16Bytes } from './sha256';

describe('sha256Hex', () => {
  it.each([
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
  ])('hashes %j as the standard says', (text, digest) => {
    expect(sha256Hex(new TextEncoder().encode(text))).toBe(digest);
  });

  it('agrees with node:crypto at every length around the block and padding edges', () => {
    for (let length = 0; length <= 200; length++) {
      const bytes = Uint8Array.from(
        { length },
        (_, i) => (i * 31 + length) % 256,
      );
      expect(sha256Hex(bytes)).toBe(
        createHash('sha256').update(bytes).digest('hex'),
      );
    }
  });
});

describe('utf16Bytes', () => {
  it('keeps lone surrogates apart, which UTF-8 would merge into U+FFFD', () => {
    expect(utf16Bytes('a\uD800')).not.toEqual(utf16Bytes('a\uD801'));
    expect(Array.from(utf16Bytes('A\u00e9\uD83D\uDE00'))).toEqual([
      0x00, 0x41, 0x00, 0xe9, 0xd8, 0x3d, 0xde, 0x00,
    ]);
  });
});
