import { Config } from '@backstage/config';

/**
 * `ml.monitoring.scrapeIntervalSeconds`: 60 unless set; a whole number of minutes, since
 * an interval's counts replace whole minutes. Throws at startup otherwise.
 *
 * @internal
 */
export function readScrapeIntervalSeconds(config: Config): number {
  const key = 'ml.monitoring.scrapeIntervalSeconds';
  const seconds = config.getOptionalNumber(key) ?? 60;
  if (!Number.isInteger(seconds / 60) || seconds < 60 || seconds > 86_400) {
    throw new Error(
      `${key} must be a whole number of minutes in seconds (60, 120, …, 86400), got ${seconds}`,
    );
  }
  return seconds;
}
