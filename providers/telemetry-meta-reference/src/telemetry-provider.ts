import {
  type GetSpanTreeRequest,
  InvalidRequestError,
  type LogEventRequest,
  type PipelineObserver,
  type PrometheusMetrics,
  type ProviderContext,
  type ProviderLifecycle,
  type QuerySpansRequest,
  type QuerySpansResponse,
  type QuerySpanTreeResponse,
  type QueryTracesRequest,
  type QueryTracesResponse,
  type Span,
  type TelemetryProvider,
  type Trace,
} from '@cria/api';
import { type MetaReferenceTelemetryConfig, resolveSettings, type TelemetrySettings } from './telemetry-config.js';
import { RequestMetrics } from './telemetry-metrics.js';
import { TelemetryObserver } from './telemetry-observer.js';
import { RequestTracing } from './telemetry-tracing.js';
import { TraceStore } from './trace-store.js';
import { allocateYoungForTracing } from './telemetry-v8-heap.js';

const PROVIDER_VERSION = '0.1.0';

/**
 * `inline::meta-reference`: traces (OTLP from the OTEL_* variables or the config's sinks, and the
 * trace store), metrics (Prometheus at /metrics; OTLP when asked), all fed by the pipeline's
 * hooks. With nothing turned on but /metrics, no tracing SDK is loaded and no span is made.
 */
export class MetaReferenceTelemetry implements TelemetryProvider, ProviderLifecycle {
  readonly observer: PipelineObserver | null;

  private constructor(
    readonly settings: TelemetrySettings,
    private readonly metrics: RequestMetrics | null,
    private readonly tracing: RequestTracing | null,
    private readonly traceStore: TraceStore | null,
  ) {
    this.observer = metrics || tracing ? new TelemetryObserver(metrics, tracing) : null;
  }

  static async create(config: MetaReferenceTelemetryConfig, context: ProviderContext): Promise<MetaReferenceTelemetry> {
    const settings = resolveSettings(config);
    const traced = Boolean(settings.traces || settings.console || settings.traceStore);
    // Before the trace store and the SDK load: see allocateYoungForTracing.
    if (traced && allocateYoungForTracing()) context.logger.debug('tracing: V8 allocation-site pretenuring turned off (--no-allocation-site-pretenuring)');
    const traceStore = settings.traceStore
      ? await TraceStore.open(await context.storage.sql(settings.traceStore), settings.traceStore.table_name ?? 'telemetry', { maxAgeSeconds: settings.maxAgeSeconds, maxTraces: settings.maxTraces }, context.logger)
      : null;
    const tracing = traced ? await RequestTracing.start({ serviceName: settings.serviceName, serviceVersion: PROVIDER_VERSION, otlp: settings.traces, console: settings.console, sinks: traceStore ? [traceStore] : [] }) : null;
    const metrics = settings.prometheus || settings.metrics ? await RequestMetrics.create({ prometheus: settings.prometheus, otlp: settings.metrics, serviceName: settings.serviceName, gauges: context.gauges ?? null }) : null;
    const where = [settings.traces && `traces to ${settings.traces.url ?? 'the OTEL_* endpoint'} (${settings.traces.protocol})`, settings.metrics && `metrics to ${settings.metrics.url ?? 'the OTEL_* endpoint'} (${settings.metrics.protocol})`, traceStore && 'traces to the trace store', settings.prometheus && 'metrics at /metrics'].filter(Boolean);
    context.logger.info(where.length ? `telemetry: ${where.join(', ')}` : 'telemetry: off');
    return new MetaReferenceTelemetry(settings, metrics, tracing, traceStore);
  }

  async prometheusMetrics(): Promise<PrometheusMetrics> {
    const text = await this.metrics?.prometheusText();
    if (!text) throw new InvalidRequestError('Prometheus metrics are off in this distribution (prometheus: false).');
    return text;
  }

  logEvent(request: LogEventRequest): Promise<void> {
    return this.store().logEvent(request);
  }

  queryTraces(request: QueryTracesRequest): Promise<QueryTracesResponse> {
    return this.store().queryTraces(request);
  }

  getTrace(traceId: string): Promise<Trace> {
    return this.store().getTrace(traceId);
  }

  getSpan(traceId: string, spanId: string): Promise<Span> {
    return this.store().getSpan(traceId, spanId);
  }

  getSpanTree(spanId: string, request: GetSpanTreeRequest): Promise<QuerySpanTreeResponse> {
    return this.store().getSpanTree(spanId, request);
  }

  querySpans(request: QuerySpansRequest): Promise<QuerySpansResponse> {
    return this.store().querySpans(request);
  }

  /** Writes what is buffered: spans to the exporters and the trace store. */
  async flush(): Promise<void> {
    await this.tracing?.forceFlush();
    await this.traceStore?.flush();
  }

  async shutdown(): Promise<void> {
    await this.tracing?.shutdown();
    await this.traceStore?.shutdown();
    await this.metrics?.shutdown();
  }

  private store(): TraceStore {
    if (!this.traceStore) throw new InvalidRequestError('This distribution keeps no traces: add `sqlite` to the sinks of its inline::meta-reference telemetry provider (TELEMETRY_SINKS=sqlite in the starter).');
    return this.traceStore;
  }
}
