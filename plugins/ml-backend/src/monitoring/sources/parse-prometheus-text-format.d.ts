// The package ships no types; this is the part of its output the scraper reads.
declare module 'parse-prometheus-text-format' {
  type ParsedMetric = {
    value?: string;
    labels?: Record<string, string>;
    buckets?: Record<string, string>;
    quantiles?: Record<string, string>;
    count?: string;
    sum?: string;
  };
  type ParsedFamily = {
    name: string;
    help: string;
    type: string;
    metrics: ParsedMetric[];
  };
  export default function parsePrometheusTextFormat(
    text: string,
  ): ParsedFamily[];
}
