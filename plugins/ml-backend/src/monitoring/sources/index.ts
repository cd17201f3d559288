export { readScrapeIntervalSeconds } from './config';
export { DEFAULT_CONVENTIONS } from './conventions';
export { MetricScrapes, startMetricScrapes } from './startMetricScrapes';
export type { MetricScrapesOptions } from './startMetricScrapes';
export { CaptureReads } from './startCaptureReads';
export type { CaptureReadsOptions } from './startCaptureReads';
