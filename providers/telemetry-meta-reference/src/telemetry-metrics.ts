import type { Counter, Registry } from 'prom-client';
import type { Attributes } from '@opentelemetry/api';
import type { MeterProvider, MetricData, MetricProducer } from '@opentelemetry/sdk-metrics';
import type { GaugeRegistry, GaugeSample } from '@cria/api';
import { hrTime } from './span-record.js';
import type { OtlpTarget } from './telemetry-config.js';

/** Seconds: the buckets of request latency and of time to first token. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** A histogram's counts for one attribute set: per bucket (not cumulative; the last is +Inf), sum, count, min and max. */
interface HistogramSeries {
  labels: Record<string, string>;
  buckets: Float64Array;
  sum: number;
  count: number;
  min: number;
  max: number;
}

function histogramSeries(labels: Record<string, string>, bounds: readonly number[]): HistogramSeries {
  return { labels, buckets: new Float64Array(bounds.length + 1), sum: 0, count: 0, min: Infinity, max: -Infinity };
}

function observe(series: HistogramSeries, bounds: readonly number[], value: number): void {
  let bucket = 0;
  while (bucket < bounds.length && value > bounds[bucket]!) bucket++;
  series.buckets[bucket]!++;
  series.sum += value;
  series.count++;
  if (value < series.min) series.min = value;
  if (value > series.max) series.max = value;
}

/** One attribute set of an OTLP sum. */
interface OtlpCount {
  attributes: Attributes;
  value: number;
}

/**
 * What OTLP exports, kept as cumulative counts per attribute set (read by `OtlpMetricsProducer`
 * when the SDK collects); the request path finds them through `RequestMetrics`' own maps.
 */
interface OtlpSeries {
  requestDuration: { attributes: Attributes; series: HistogramSeries }[];
  timeToFirstToken: { attributes: Attributes; series: HistogramSeries }[];
  tokenUsage: OtlpCount[];
  /** By `provider kind` (a failure's path, not every request's). */
  upstreamErrors: Map<string, OtlpCount>;
}

/** `provider_id/model` identifiers name their provider first (a bare id names none). */
function providerOf(model: string): string {
  const slash = model.indexOf('/');
  return slash === -1 ? 'unknown' : model.slice(0, slash);
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
      series = histogramSeries(labels, this.bounds);
      this.series.set(key, series);
    }
    return series;
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
 * on, the same measurements exported by the OpenTelemetry metrics SDK. A request adds to plain
 * numbers per label set, found through maps keyed by strings the router already holds: counts
 * are handed to prom-client's counters when they are collected (a scrape), histograms are
 * counted the same way (`BucketHistogram`), and OTLP's cumulative series are read by a metric
 * producer when the SDK exports (its instruments hash their attributes on every record).
 */
export class RequestMetrics {
  /** By route, then method and status. */
  private readonly requestSeries = new Map<string, Map<string, Map<number, { count: PendingCount | null; duration: HistogramSeries | null; otlpDuration: HistogramSeries | null }>>>();
  /** By model (its provider is named by the model id). */
  private readonly tokenSeries = new Map<string, { input: PendingCount | null; output: PendingCount | null; otlpInput: OtlpCount | null; otlpOutput: OtlpCount | null }>();
  /** By model. */
  private readonly firstTokenSeries = new Map<string, { prometheus: HistogramSeries | null; otlp: HistogramSeries | null }>();
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
    private readonly otlp: OtlpSeries | null,
    private readonly meterProvider: MeterProvider | null,
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
    const otlp: OtlpSeries | null = options.otlp ? { requestDuration: [], timeToFirstToken: [], tokenUsage: [], upstreamErrors: new Map() } : null;
    const meterProvider = options.otlp ? await otlpMeterProvider(options.otlp, options.serviceName, new OtlpMetricsProducer(otlp!, temporalityFromEnv(), options.gauges)) : null;
    return new RequestMetrics(prom, otlp, meterProvider, options.gauges);
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
    let byMethod = this.requestSeries.get(route);
    if (!byMethod) this.requestSeries.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (!byStatus) byMethod.set(method, (byStatus = new Map()));
    let series = byStatus.get(status);
    if (!series) {
      series = { count: null, duration: null, otlpDuration: null };
      if (this.duration) {
        series.count = { labels: { method, route, status: String(status) }, value: 0 };
        series.duration = this.duration.seriesOf(method, route);
        this.requestCounts.push(series.count);
      }
      if (this.otlp) {
        const attributes = { 'http.request.method': method, 'http.route': route, 'http.response.status_code': status };
        series.otlpDuration = histogramSeries({}, LATENCY_BUCKETS);
        this.otlp.requestDuration.push({ attributes, series: series.otlpDuration });
      }
      byStatus.set(status, series);
    }
    if (series.count) series.count.value++;
    if (series.duration) observe(series.duration, LATENCY_BUCKETS, seconds);
    if (series.otlpDuration) observe(series.otlpDuration, LATENCY_BUCKETS, seconds);
  }

  /** Tokens a model's answer used; its provider is named by the model id (`provider_id/model`). */
  recordTokens(model: string, input: number | undefined, output: number | undefined): void {
    let series = this.tokenSeries.get(model);
    if (!series) {
      const provider = providerOf(model);
      series = { input: null, output: null, otlpInput: null, otlpOutput: null };
      if (this.registry) {
        series.input = { labels: { model, provider, type: 'input' }, value: 0 };
        series.output = { labels: { model, provider, type: 'output' }, value: 0 };
        this.tokenCounts.push(series.input, series.output);
      }
      if (this.otlp) {
        const usage = (type: string) => ({ attributes: { 'gen_ai.request.model': model, 'gen_ai.provider.name': provider, 'gen_ai.token.type': type }, value: 0 });
        series.otlpInput = usage('input');
        series.otlpOutput = usage('output');
        this.otlp.tokenUsage.push(series.otlpInput, series.otlpOutput);
      }
      this.tokenSeries.set(model, series);
    }
    if (input !== undefined) {
      if (series.input) series.input.value += input;
      if (series.otlpInput) series.otlpInput.value += input;
    }
    if (output !== undefined) {
      if (series.output) series.output.value += output;
      if (series.otlpOutput) series.otlpOutput.value += output;
    }
  }

  recordFirstToken(model: string, seconds: number): void {
    let series = this.firstTokenSeries.get(model);
    if (!series) {
      const provider = providerOf(model);
      series = { prometheus: this.firstToken?.seriesOf(model, provider) ?? null, otlp: null };
      if (this.otlp) {
        series.otlp = histogramSeries({}, LATENCY_BUCKETS);
        this.otlp.timeToFirstToken.push({ attributes: { 'gen_ai.request.model': model, 'gen_ai.provider.name': provider }, series: series.otlp });
      }
      this.firstTokenSeries.set(model, series);
    }
    if (series.prometheus) observe(series.prometheus, LATENCY_BUCKETS, seconds);
    if (series.otlp) observe(series.otlp, LATENCY_BUCKETS, seconds);
  }

  recordUpstreamError(provider: string, kind: string): void {
    this.upstreamErrorCount?.labels(provider, kind).inc();
    if (this.otlp) {
      const key = `${provider} ${kind}`;
      const count = this.otlp.upstreamErrors.get(key);
      if (count) count.value++;
      else this.otlp.upstreamErrors.set(key, { attributes: { 'gen_ai.provider.name': provider, 'error.type': kind }, value: 1 });
    }
  }

  async shutdown(): Promise<void> {
    await this.meterProvider?.shutdown();
  }
}

/** How OTLP sums and histograms are reported (OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE). */
export type MetricsTemporality = 'cumulative' | 'delta';

/**
 * OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: `cumulative` (the default), `delta` or
 * `lowmemory`. Cria's OTLP instruments are synchronous counters and histograms, which both
 * `delta` and `lowmemory` report as deltas.
 */
export function temporalityFromEnv(env: NodeJS.ProcessEnv = process.env): MetricsTemporality {
  const preference = env.OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE?.trim().toLowerCase();
  return preference === 'delta' || preference === 'lowmemory' ? 'delta' : 'cumulative';
}

/** What a series had when it was last reported (for deltas). */
interface ReportedSeries {
  buckets: Float64Array;
  sum: number;
  count: number;
}

/**
 * Cria's OTLP metrics as the SDK's reader collects them (OpenTelemetry's HTTP and GenAI semantic
 * conventions): cumulative histograms and sums since the server started, or, with the delta
 * preference, what changed since the last collection (series without a change left out; a
 * delta histogram has no min and max, which only the totals keep).
 */
class OtlpMetricsProducer implements MetricProducer {
  private readonly startTime = hrTime(Date.now());
  private lastCollection = this.startTime;
  private readonly reportedHistograms = new WeakMap<HistogramSeries, ReportedSeries>();
  private readonly reportedCounts = new WeakMap<OtlpCount, number>();

  constructor(
    private readonly series: OtlpSeries,
    private readonly temporality: MetricsTemporality,
    private readonly gauges: GaugeRegistry | null,
  ) {}

  async collect() {
    const endTime = hrTime(Date.now());
    const delta = this.temporality === 'delta';
    const startTime = delta ? this.lastCollection : this.startTime;
    this.lastCollection = endTime;
    const { DataPointType, AggregationTemporality } = await import('@opentelemetry/sdk-metrics');
    const { ValueType } = await import('@opentelemetry/api');
    const aggregationTemporality = delta ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE;
    const histogramPoint = (series: HistogramSeries) => {
      if (!delta) return { buckets: { boundaries: LATENCY_BUCKETS, counts: [...series.buckets] }, sum: series.sum, count: series.count, min: series.min, max: series.max };
      const reported = this.reportedHistograms.get(series);
      this.reportedHistograms.set(series, { buckets: series.buckets.slice(), sum: series.sum, count: series.count });
      if (reported?.count === series.count) return undefined;
      const counts = reported ? [...series.buckets].map((count, index) => count - reported.buckets[index]!) : [...series.buckets];
      return { buckets: { boundaries: LATENCY_BUCKETS, counts }, sum: series.sum - (reported?.sum ?? 0), count: series.count - (reported?.count ?? 0) };
    };
    const sumPoint = (count: OtlpCount) => {
      if (!delta) return count.value;
      const reported = this.reportedCounts.get(count) ?? 0;
      this.reportedCounts.set(count, count.value);
      return count.value === reported ? undefined : count.value - reported;
    };
    const histogram = (name: string, unit: string, description: string, entries: OtlpSeries['requestDuration']): MetricData => ({
      descriptor: { name, unit, description, valueType: ValueType.DOUBLE },
      aggregationTemporality,
      dataPointType: DataPointType.HISTOGRAM,
      dataPoints: entries.flatMap(({ attributes, series }) => {
        const value = histogramPoint(series);
        return value ? [{ startTime, endTime, attributes, value }] : [];
      }),
    });
    const sum = (name: string, unit: string, description: string, entries: readonly OtlpCount[]): MetricData => ({
      descriptor: { name, unit, description, valueType: ValueType.INT },
      aggregationTemporality,
      dataPointType: DataPointType.SUM,
      isMonotonic: true,
      dataPoints: entries.flatMap((entry) => {
        const value = sumPoint(entry);
        return value === undefined ? [] : [{ startTime, endTime, attributes: entry.attributes, value }];
      }),
    });
    // The stack's gauges (queue depths, write-behind lag), read now: one OTLP gauge per family,
    // `cria_<name>` as `cria.<name>` and a `_seconds` suffix as the unit `s`.
    const gauges = (): MetricData[] => {
      const families = new Map<string, { help: string; samples: GaugeSample[] }>();
      for (const registered of this.gauges?.list() ?? []) {
        let family = families.get(registered.name);
        if (!family) families.set(registered.name, (family = { help: registered.help, samples: [] }));
        family.samples.push(...registered.collect());
      }
      return [...families].map(([name, { help, samples }]) => {
        const seconds = name.endsWith('_seconds');
        return {
          descriptor: { name: (seconds ? name.slice(0, -'_seconds'.length) : name).replace(/^cria_/, 'cria.'), unit: seconds ? 's' : '1', description: help, valueType: ValueType.DOUBLE },
          aggregationTemporality,
          dataPointType: DataPointType.GAUGE,
          dataPoints: samples.map((sample) => ({ startTime, endTime, attributes: { ...sample.labels }, value: sample.value })),
        };
      });
    };
    const metrics: MetricData[] = gauges();
    const upstreamErrors = [...this.series.upstreamErrors.values()];
    if (this.series.requestDuration.length) metrics.push(histogram('http.server.request.duration', 's', 'Duration of HTTP server requests.', this.series.requestDuration));
    if (this.series.timeToFirstToken.length) metrics.push(histogram('gen_ai.server.time_to_first_token', 's', 'Time to the first token of a streamed answer.', this.series.timeToFirstToken));
    if (this.series.tokenUsage.length) metrics.push(sum('gen_ai.client.token.usage', '{token}', 'Tokens used, by model, provider and type.', this.series.tokenUsage));
    if (upstreamErrors.length) metrics.push(sum('cria.upstream.errors', '{request}', 'Requests that failed at their upstream.', upstreamErrors));
    const { emptyResource } = await import('@opentelemetry/resources');
    // A delta metric none of whose series changed is left out (and a gauge without samples).
    const changed = metrics.filter((metric) => metric.dataPoints.length > 0);
    return { resourceMetrics: { resource: emptyResource(), scopeMetrics: [{ scope: { name: '@cria/provider-telemetry-meta-reference' }, metrics: changed }] }, errors: [] };
  }

}

/** The metrics SDK with a periodic OTLP exporter of the target's protocol, reading Cria's series through `producer`. */
async function otlpMeterProvider(target: OtlpTarget, serviceName: string, producer: MetricProducer): Promise<MeterProvider> {
  const [{ MeterProvider, PeriodicExportingMetricReader }, { resourceFromAttributes }] = await Promise.all([import('@opentelemetry/sdk-metrics'), import('@opentelemetry/resources')]);
  const options = target.url ? { url: target.url } : {};
  const exporter =
    target.protocol === 'grpc'
      ? new (await import('@opentelemetry/exporter-metrics-otlp-grpc')).OTLPMetricExporter(options)
      : target.protocol === 'http/json'
        ? new (await import('@opentelemetry/exporter-metrics-otlp-http')).OTLPMetricExporter(options)
        : new (await import('@opentelemetry/exporter-metrics-otlp-proto')).OTLPMetricExporter(options);
  const interval = Number(process.env.OTEL_METRIC_EXPORT_INTERVAL) || 60_000;
  const reader = new PeriodicExportingMetricReader({
    exporter,
    exportIntervalMillis: interval,
    exportTimeoutMillis: Math.min(interval, Number(process.env.OTEL_METRIC_EXPORT_TIMEOUT) || 30_000),
    metricProducers: [producer],
  });
  return new MeterProvider({ resource: resourceFromAttributes({ 'service.name': serviceName }), readers: [reader] });
}
