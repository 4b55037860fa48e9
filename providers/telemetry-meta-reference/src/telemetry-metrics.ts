import type { Counter, Histogram, Registry } from 'prom-client';
import type { Counter as OtelCounter, Histogram as OtelHistogram } from '@opentelemetry/api';
import type { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { OtlpTarget } from './telemetry-config.js';

/** Seconds: the buckets of request latency and of time to first token. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** The OTLP metric instruments (OpenTelemetry's HTTP and GenAI semantic conventions), when metrics are exported. */
interface OtlpInstruments {
  provider: MeterProvider;
  requestDuration: OtelHistogram;
  tokenUsage: OtelHistogram;
  timeToFirstToken: OtelHistogram;
  upstreamErrors: OtelCounter;
}

/**
 * The server's metrics: Prometheus' (prom-client, served at /metrics) and, when OTLP metrics are
 * on, the same measurements as OpenTelemetry instruments. Label sets are cached per route and
 * status, so recording a request is a map lookup and two increments.
 */
export class RequestMetrics {
  private readonly requestChildren = new Map<string, { count: Counter.Internal; duration: Histogram.Internal<string> }>();
  private readonly tokenChildren = new Map<string, { input: Counter.Internal; output: Counter.Internal }>();

  private constructor(
    readonly registry: Registry | null,
    private readonly requests: Counter | null,
    private readonly duration: Histogram | null,
    private readonly firstToken: Histogram | null,
    private readonly tokens: Counter | null,
    private readonly upstreamErrorCount: Counter | null,
    private readonly otlp: OtlpInstruments | null,
  ) {}

  /** Loads prom-client (and the OpenTelemetry metrics SDK when OTLP metrics are on) only when asked. */
  static async create(options: { prometheus: boolean; otlp: OtlpTarget | null; serviceName: string }): Promise<RequestMetrics> {
    let registry: Registry | null = null;
    let requests: Counter | null = null;
    let duration: Histogram | null = null;
    let firstToken: Histogram | null = null;
    let tokens: Counter | null = null;
    let upstreamErrors: Counter | null = null;
    if (options.prometheus) {
      const prom = await import('prom-client');
      registry = new prom.Registry();
      requests = new prom.Counter({ name: 'cria_http_requests_total', help: 'Requests by method, route and status.', labelNames: ['method', 'route', 'status'], registers: [registry] });
      duration = new prom.Histogram({ name: 'cria_http_request_duration_seconds', help: 'Time from a request\'s arrival to the end of its answer, by method and route.', labelNames: ['method', 'route'], buckets: LATENCY_BUCKETS, registers: [registry] });
      firstToken = new prom.Histogram({ name: 'cria_time_to_first_token_seconds', help: 'Time from a streamed request\'s arrival to its first token, by model and provider.', labelNames: ['model', 'provider'], buckets: LATENCY_BUCKETS, registers: [registry] });
      tokens = new prom.Counter({ name: 'cria_tokens_total', help: 'Tokens by model, provider and type (input, output), as the providers reported them.', labelNames: ['model', 'provider', 'type'], registers: [registry] });
      upstreamErrors = new prom.Counter({ name: 'cria_upstream_errors_total', help: 'Requests that failed at their upstream (an UpstreamError or UpstreamTimeoutError), by provider and kind.', labelNames: ['provider', 'kind'], registers: [registry] });
    }
    const otlp = options.otlp ? await otlpInstruments(options.otlp, options.serviceName) : null;
    return new RequestMetrics(registry, requests, duration, firstToken, tokens, upstreamErrors, otlp);
  }

  recordRequest(method: string, route: string, status: number, seconds: number): void {
    if (this.requests) {
      const key = `${method} ${route} ${status}`;
      let children = this.requestChildren.get(key);
      if (!children) {
        children = { count: this.requests.labels(method, route, String(status)), duration: this.duration!.labels(method, route) };
        this.requestChildren.set(key, children);
      }
      children.count.inc();
      children.duration.observe(seconds);
    }
    this.otlp?.requestDuration.record(seconds, { 'http.request.method': method, 'http.route': route, 'http.response.status_code': status });
  }

  recordTokens(model: string, provider: string, input: number | undefined, output: number | undefined): void {
    if (this.tokens) {
      const key = `${model} ${provider}`;
      let children = this.tokenChildren.get(key);
      if (!children) {
        children = { input: this.tokens.labels(model, provider, 'input'), output: this.tokens.labels(model, provider, 'output') };
        this.tokenChildren.set(key, children);
      }
      if (input !== undefined) children.input.inc(input);
      if (output !== undefined) children.output.inc(output);
    }
    if (this.otlp) {
      if (input !== undefined) this.otlp.tokenUsage.record(input, { 'gen_ai.request.model': model, 'gen_ai.provider.name': provider, 'gen_ai.token.type': 'input' });
      if (output !== undefined) this.otlp.tokenUsage.record(output, { 'gen_ai.request.model': model, 'gen_ai.provider.name': provider, 'gen_ai.token.type': 'output' });
    }
  }

  recordFirstToken(model: string, provider: string, seconds: number): void {
    this.firstToken?.labels(model, provider).observe(seconds);
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
  return {
    provider,
    requestDuration: meter.createHistogram('http.server.request.duration', { unit: 's', description: 'Duration of HTTP server requests.' }),
    tokenUsage: meter.createHistogram('gen_ai.client.token.usage', { unit: '{token}', description: 'Tokens used, by model and type.' }),
    timeToFirstToken: meter.createHistogram('gen_ai.server.time_to_first_token', { unit: 's', description: 'Time to the first token of a streamed answer.' }),
    upstreamErrors: meter.createCounter('cria.upstream.errors', { description: 'Requests that failed at their upstream.' }),
  };
}
