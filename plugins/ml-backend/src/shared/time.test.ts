import { parseUtcTimestamp } from './time';

describe('parseUtcTimestamp', () => {
  it('reads RFC 3339 and CUR timestamps as UTC', () => {
    expect(parseUtcTimestamp('2026-05-04T00:00:00Z')?.toISOString()).toBe(
      '2026-05-04T00:00:00.000Z',
    );
    expect(parseUtcTimestamp('2026-05-04T02:30:00+02:00')?.toISOString()).toBe(
      '2026-05-04T00:30:00.000Z',
    );
    expect(parseUtcTimestamp('2026-05-03T20:00:00-0400')?.toISOString()).toBe(
      '2026-05-04T00:00:00.000Z',
    );
    expect(parseUtcTimestamp('2026-05-04 13:00:00.250')?.toISOString()).toBe(
      '2026-05-04T13:00:00.250Z',
    );
    expect(parseUtcTimestamp('2026-05-04')?.toISOString()).toBe(
      '2026-05-04T00:00:00.000Z',
    );
  });

  it('rejects impossible or foreign dates', () => {
    for (const bad of [
      '2026-02-30T00:00:00Z',
      '2026-13-01',
      '2026-05-04T24:00:00Z',
      '05/04/2026',
      'null',
      '',
      '2026-05-04T00:00:00PST',
    ])
      expect(parseUtcTimestamp(bad)).toBeUndefined();
  });
});
