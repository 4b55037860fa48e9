import type { Counter, Registry } from 'prom-client';
import type { Counter as OtelCounter, Histogram as OtelHistogram } from '@opentelemetry/api';
import type { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { GaugeRegistry } from '@cria/api';
import type { OtlpTarget } from './telemetry-config.js';

/** Seconds: the buckets of request latency and of time to first token. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** The OTLP metric instruments (OpenTelemetry's HTTP and GenAI semantic conventions), when metrics are exported. */
interface OtlpInstruments {
  provider: MeterProvider;
  requestDuration: OtelHistogram;
  /** Token totals per model, provider and type, read when metrics are collected. */
  tokenTotals: Map<string, { attributes: Record<string, string>; value: number }>;
  timeToFirstToken: OtelHistogram;
  upstreamErrors: OtelCounter;
}

/** A counter's increments for one label set since prom-client last collected it. */
interface PendingCount {
  labels: Record<string, string>;
  value: number;
}

/** prom-client's `collect` of a counter: adds what was counted since the last scrape. */
function folding(pending: readonly PendingCount[]) {
  return function (this: Counter) {
    for (const count of pending) {
      if (count.value === 0) continue;
      this.inc(count.labels, count.value);
      count.value = 0;
    }
  };
}

/** One label set of a `BucketHistogram`: counts per bucket (not cumulative; the last is +Inf), sum and count. */
interface HistogramSeries {
  labels: Record<string, string>;
  buckets: Float64Array;
  sum: number;
  count: number;
}

/**
 * A Prometheus histogram kept as plain counts per label set, which prom-client's registry
 * formats like its own (`get()`): prom-client's `observe` validates and hashes the labels on
 * every call, this one costs a bucket search once the caller holds the series.
 */
class BucketHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, HistogramSeries>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
    private readonly bounds: readonly number[],
  ) {}

  /** The series of these label values (in `labelNames` order), made on first use. */
  seriesOf(...labelValues: string[]): HistogramSeries {
    const key = labelValues.join('\u0000');
    let series = this.series.get(key);
    if (!series) {
      const labels: Record<string, string> = {};
      this.labelNames.forEach((name, index) => (labels[name] = labelValues[index]!));
      series = { labels, buckets: new Float64Array(this.bounds.length + 1), sum: 0, count: 0 };
      this.series.set(key, series);
    }
    return series;
  }

  observe(series: HistogramSeries, value: number): void {
    let bucket = 0;
    while (bucket < this.bounds.length && value > this.bounds[bucket]!) bucket++;
    series.buckets[bucket]!++;
    series.sum += value;
    series.count++;
  }

  /** prom-client's metric shape: cumulative `_bucket` lines with `le`, then `_sum` and `_count`, per series. */
  get() {
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    for (const series of this.series.values()) {
      let cumulative = 0;
      for (let index = 0; index <= this.bounds.length; index++) {
        cumulative += series.buckets[index]!;
        values.push({ labels: { ...series.labels, le: index < this.bounds.length ? this.bounds[index]! : '+Inf' }, value: cumulative, metricName: `${this.name}_bucket` });
      }
      values.push({ labels: series.labels, value: series.sum, metricName: `${this.name}_sum` }, { labels: series.labels, value: series.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

/**
 * The server's metrics: Prometheus' (prom-client, served at /metrics) and, when OTLP metrics are
 * on, the same measurements as OpenTelemetry instruments. Counts are added to plain numbers per
 * label set and handed to prom-client's counters when they are collected (a scrape), so a
 * request pays a map lookup and an addition; histograms are counted the same way (`BucketHistogram`).
 */
export class RequestMetrics {
  /** By route, then method and status: lookups by strings the router already holds, no key built per request. */
  private readonly requestSeries = new Map<string, Map<string, Map<number, { count: PendingCount; duration: HistogramSeries }>>>();
  /** By model (its provider is named by the model id). */
  private readonly tokenSeries = new Map<string, { input: PendingCount; output: PendingCount }>();
  private readonly requestCounts: PendingCount[] = [];
  private readonly tokenCounts: PendingCount[] = [];
  readonly registry: Registry | null = null;
  private readonly duration: BucketHistogram | null = null;
  private readonly firstToken: BucketHistogram | null = null;
  private readonly upstreamErrorCount: Counter | null = null;
  /** The gauge families (of the stack's gauge registry) already in the Prometheus registry. */
  private readonly gaugeFamilies = new Set<string>();

  private constructor(
    prom: typeof import('prom-client') | null,
    private readonly otlp: OtlpInstruments | null,
    private readonly gauges: GaugeRegistry | null,
  ) {
    if (!prom) return;
    const registry = new prom.Registry();
    this.registry = registry;
    new prom.Counter({ name: 'cria_http_requests_total', help: 'Requests by method, route and status.', labelNames: ['method', 'route', 'status'], registers: [registry], collect: folding(this.requestCounts) });
    this.duration = new BucketHistogram('cria_http_request_duration_seconds', 'Time from a request\'s arrival to the end of its answer, by method and route.', ['method', 'route'], LATENCY_BUCKETS);
    registry.registerMetric(this.duration as unknown as Parameters<Registry['registerMetric']>[0]);
    this.firstToken = new BucketHistogram('cria_time_to_first_token_seconds', 'Time from a streamed request\'s arrival to its first token, by model and provider.', ['model', 'provider'], LATENCY_BUCKETS);
    registry.registerMetric(this.firstToken as unknown as Parameters<Registry['registerMetric']>[0]);
    new prom.Counter({ name: 'cria_tokens_total', help: 'Tokens by model, provider and type (input, output), as the providers reported them.', labelNames: ['model', 'provider', 'type'], registers: [registry], collect: folding(this.tokenCounts) });
    this.upstreamErrorCount = new prom.Counter({ name: 'cria_upstream_errors_total', help: 'Requests that failed at their upstream (an UpstreamError or UpstreamTimeoutError), by provider and kind.', labelNames: ['provider', 'kind'], registers: [registry] });
  }

  /** Loads prom-client (and the OpenTelemetry metrics SDK when OTLP metrics are on) only when asked. */
  static async create(options: { prometheus: boolean; otlp: OtlpTarget | null; serviceName: string; gauges: GaugeRegistry | null }): Promise<RequestMetrics> {
    const prom = options.prometheus ? await import('prom-client') : null;
    const otlp = options.otlp ? await otlpInstruments(options.otlp, options.serviceName) : null;
    return new RequestMetrics(prom, otlp, options.gauges);
  }

  /** The Prometheus text of every metric, the stack's gauges read now; null when Prometheus is off. */
  async prometheusText(): Promise<{ contentType: string; body: string } | null> {
    if (!this.registry) return null;
    this.addGaugeFamilies(this.registry);
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /** Puts in the registry the gauge families registered since the last scrape (providers register theirs as they start). */
  private addGaugeFamilies(registry: Registry): void {
    const gauges = this.gauges;
    if (!gauges) return;
    for (const { name, help } of gauges.list()) {
      if (this.gaugeFamilies.has(name)) continue;
      this.gaugeFamilies.add(name);
      const read = () => ({
        name,
        help,
        type: 'gauge',
        aggregator: 'sum',
        values: gauges
          .list()
          .filter((gauge) => gauge.name === name)
          .flatMap((gauge) => gauge.collect().map((sample) => ({ labels: { ...sample.labels }, value: sample.value }))),
      });
      registry.registerMetric({ ...read(), get: read } as unknown as Parameters<Registry['registerMetric']>[0]);
    }
  }

  recordRequest(method: string, route: string, status: number, seconds: number): void {
    if (this.duration) {
      let byMethod = this.requestSeries.get(route);
      if (!byMethod) this.requestSeries.set(route, (byMethod = new Map()));
      let byStatus = byMethod.get(method);
      if (!byStatus) byMethod.set(method, (byStatus = new Map()));
      let series = byStatus.get(status);
      if (!series) {
        series = { count: { labels: { method, route, status: String(status) }, value: 0 }, duration: this.duration.seriesOf(method, route) };
        this.requestCounts.push(series.count);
        byStatus.set(status, series);
      }
      series.count.value++;
      this.duration.observe(series.duration, seconds);
    }
    this.otlp?.requestDuration.record(seconds, { 'http.request.method': method, 'http.route': route, 'http.response.status_code': status });
  }

  recordTokens(model: string, provider: string, input: number | undefined, output: number | undefined): void {
    if (this.registry) {
      let series = this.tokenSeries.get(model);
      if (!series) {
        series = { input: { labels: { model, provider, type: 'input' }, value: 0 }, output: { labels: { model, provider, type: 'output' }, value: 0 } };
        this.tokenCounts.push(series.input, series.output);
        this.tokenSeries.set(model, series);
      }
      if (input !== undefined) series.input.value += input;
      if (output !== undefined) series.output.value += output;
    }
    if (this.otlp) {
      if (input !== undefined) addTokens(this.otlp.tokenTotals, model, provider, 'input', input);
      if (output !== undefined) addTokens(this.otlp.tokenTotals, model, provider, 'output', output);
    }
  }

  recordFirstToken(model: string, provider: string, seconds: number): void {
    if (this.firstToken) this.firstToken.observe(this.firstToken.seriesOf(model, provider), seconds);
    this.otlp?.timeToFirstToken.record(seconds, { 'gen_ai.request.model': model, 'gen_ai.provider.name': provider });
  }

  recordUpstreamError(provider: string, kind: string): void {
    this.upstreamErrorCount?.labels(provider, kind).inc();
    this.otlp?.upstreamErrors.add(1, { 'gen_ai.provider.name': provider, 'error.type': kind });
  }

  async shutdown(): Promise<void> {
    await this.otlp?.provider.shutdown();
  }
}

function addTokens(totals: OtlpInstruments['tokenTotals'], model: string, provider: string, type: 'input' | 'output', count: number): void {
  const key = `${model} ${provider} ${type}`;
  const total = totals.get(key);
  if (total) total.value += count;
  else totals.set(key, { attributes: { 'gen_ai.request.model': model, 'gen_ai.provider.name': provider, 'gen_ai.token.type': type }, value: count });
}

async function otlpInstruments(target: OtlpTarget, serviceName: string): Promise<OtlpInstruments> {
  const [{ MeterProvider, PeriodicExportingMetricReader }, { resourceFromAttributes }] = await Promise.all([import('@opentelemetry/sdk-metrics'), import('@opentelemetry/resources')]);
  const options = target.url ? { url: target.url } : {};
  const exporter =
    target.protocol === 'grpc'
      ? new (await import('@opentelemetry/exporter-metrics-otlp-grpc')).OTLPMetricExporter(options)
      : target.protocol === 'http/json'
        ? new (await import('@opentelemetry/exporter-metrics-otlp-http')).OTLPMetricExporter(options)
        : new (await import('@opentelemetry/exporter-metrics-otlp-proto')).OTLPMetricExporter(options);
  const interval = Number(process.env.OTEL_METRIC_EXPORT_INTERVAL) || 60_000;
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: interval, exportTimeoutMillis: Math.min(interval, Number(process.env.OTEL_METRIC_EXPORT_TIMEOUT) || 30_000) });
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': serviceName }), readers: [reader] });
  const meter = provider.getMeter('@cria/provider-telemetry-meta-reference');
  const tokenTotals: OtlpInstruments['tokenTotals'] = new Map();
  // An observable counter: requests add to plain totals, the SDK reads them when it collects.
  meter.createObservableCounter('gen_ai.client.token.usage', { unit: '{token}', description: 'Tokens used, by model, provider and type.' }).addCallback((result) => {
    for (const total of tokenTotals.values()) result.observe(total.value, total.attributes);
  });
  return {
    provider,
    tokenTotals,
    requestDuration: meter.createHistogram('http.server.request.duration', { unit: 's', description: 'Duration of HTTP server requests.' }),
    timeToFirstToken: meter.createHistogram('gen_ai.server.time_to_first_token', { unit: 's', description: 'Time to the first token of a streamed answer.' }),
    upstreamErrors: meter.createCounter('cria.upstream.errors', { description: 'Requests that failed at their upstream.' }),
  };
}
