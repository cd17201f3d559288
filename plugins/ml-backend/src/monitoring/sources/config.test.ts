import { ConfigReader } from '@backstage/config';
import { readScrapeIntervalSeconds } from './config';

const read = (scrapeIntervalSeconds: number) =>
  readScrapeIntervalSeconds(
    new ConfigReader({ ml: { monitoring: { scrapeIntervalSeconds } } }),
  );

describe('readScrapeIntervalSeconds', () => {
  it('is a minute unless set, and whole minutes when set', () => {
    expect(readScrapeIntervalSeconds(new ConfigReader({}))).toBe(60);
    expect(read(300)).toBe(300);
    for (const bad of [30, 90, 0, -60]) {
      expect(() => read(bad)).toThrow(
        /ml\.monitoring\.scrapeIntervalSeconds must be a whole number of minutes/,
      );
    }
  });
});
