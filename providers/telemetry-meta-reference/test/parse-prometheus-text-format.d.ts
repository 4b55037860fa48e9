declare module 'parse-prometheus-text-format' {
  /** Metric families parsed from Prometheus' text format. */
  export default function parsePrometheusTextFormat(text: string): { name: string; help: string; type: string; metrics: Record<string, unknown>[] }[];
}
