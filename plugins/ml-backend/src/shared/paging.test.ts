import { InputError } from '@backstage/errors';
import { decodePageToken, encodePageToken } from './paging';

describe('page tokens', () => {
  it('round-trip offsets as base64url JSON', () => {
    for (const offset of [0, 1, 100, 2 ** 40]) {
      const token = encodePageToken(offset);
      expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodePageToken(token)).toBe(offset);
    }
    expect(
      JSON.parse(Buffer.from(encodePageToken(7), 'base64url').toString()),
    ).toEqual({ offset: 7 });
  });

  it('read no token as the first page', () => {
    expect(decodePageToken(undefined)).toBe(0);
    expect(decodePageToken('')).toBe(0);
  });

  it.each([
    ['not base64', 'not base64!'],
    ['not JSON', Buffer.from('offset=3').toString('base64url')],
    ['JSON null', Buffer.from('null').toString('base64url')],
    ['no offset', Buffer.from('{}').toString('base64url')],
    ['a string offset', Buffer.from('{"offset":"3"}').toString('base64url')],
    ['a negative offset', Buffer.from('{"offset":-1}').toString('base64url')],
    [
      'a fractional offset',
      Buffer.from('{"offset":1.5}').toString('base64url'),
    ],
  ])('reject %s', (_, token) => {
    expect(() => decodePageToken(token)).toThrow(InputError);
  });

  it('refuse to encode a negative offset', () => {
    expect(() => encodePageToken(-1)).toThrow(RangeError);
  });
});
