import { FeatureFreshness } from '@ml-portal/plugin-ml-common';
import {
  formatSeconds,
  formatTtl,
  freshnessSummary,
  storesLabel,
} from './featureFormat';

describe('featureFormat', () => {
  it.each([
    [86_400, '1d 00h'],
    [86_400 + 6 * 3600, '1d 06h'],
    [2 * 86_400 + 59, '2d 00h'],
    [5400, '1h 30m'],
    [90, '1m 30s'],
    [45, '45s'],
  ])('writes %p seconds as %p, as other durations', (seconds, text) => {
    expect(formatSeconds(seconds)).toBe(text);
  });

  it('has no duration for a missing or negative one', () => {
    expect(formatSeconds(undefined)).toBe('—');
    expect(formatSeconds(-1)).toBe('—');
  });

  it("reads Feast's TTL of 0 as no TTL", () => {
    expect(formatTtl(0)).toBe('none');
    expect(formatTtl(undefined)).toBe('—');
    expect(formatTtl(7200)).toBe('2h 00m');
  });

  it('sums up freshness as age against the allowed age', () => {
    const stale: FeatureFreshness = {
      status: 'stale',
      lastMaterializedAt: 1,
      ageSeconds: 100_000,
      sloSeconds: 86_400,
    };
    expect(freshnessSummary(stale)).toBe('1d 03h old, SLO 1d 00h');
    expect(freshnessSummary({ status: 'unknown', sloSeconds: 3600 })).toBe(
      'never materialised, SLO 1h 00m',
    );
    expect(freshnessSummary({ status: 'unknown' })).toBe(
      'never materialised, no SLO or TTL',
    );
  });

  it('names the stores', () => {
    expect(storesLabel({ online: true, offline: true })).toBe(
      'online, offline',
    );
    expect(storesLabel({ online: false, offline: true })).toBe('offline');
    expect(storesLabel({ online: false, offline: false })).toBe('—');
  });
});
