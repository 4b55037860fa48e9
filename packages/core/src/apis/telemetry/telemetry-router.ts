import { randomUUID } from 'node:crypto';
import {
  type GetSpanTreeRequest,
  InvalidRequestError,
  type LogEventRequest,
  NotFoundError,
  type PipelineObserver,
  type PrometheusMetrics,
  type ProviderHandle,
  type QuerySpansRequest,
  type QuerySpansResponse,
  type QuerySpanTreeResponse,
  type QueryTracesRequest,
  type QueryTracesResponse,
  type Span,
  type TelemetryApi,
  type TelemetryProvider,
  type Trace,
} from '@cria/api';

type HookName = keyof PipelineObserver;

/** The longest `x-request-id` taken from a client; a longer one is replaced. */
const MAX_REQUEST_ID_LENGTH = 128;

/**
 * Gives each request an id (the client's `x-request-id`, else a new one) in `state.requestId`,
 * and answers it in `x-request-id`. The server's lines about the request name it, and a tracing
 * provider puts it on the request's span (`cria.request_id`).
 */
const requestIdObserver: PipelineObserver = {
  onRequest(request) {
    const given = request.headers['x-request-id'];
    const requestId = typeof given === 'string' && given.length > 0 && given.length <= MAX_REQUEST_ID_LENGTH ? given : randomUUID();
    request.state.requestId = requestId;
    request.setHeader?.('x-request-id', requestId);
  },
};
const HOOK_NAMES: readonly HookName[] = ['onRequest', 'preHandler', 'onSend', 'onError', 'onResponse'];

/**
 * The telemetry API's router: it combines its providers' pipeline hooks into one set (a hook is
 * present only when some provider has it, so a server with telemetry off runs none), serves
 * /metrics from the first provider that has them, and the trace queries from the first that
 * keeps traces.
 */
export class TelemetryRouter implements TelemetryApi {
  private readonly providers: readonly TelemetryProvider[];

  constructor(handles: readonly ProviderHandle<'telemetry'>[]) {
    this.providers = handles.map((handle) => handle.impl);
  }

  pipelineObservers(): PipelineObserver[] {
    return [requestIdObserver, ...this.providers.map((provider) => provider.observer).filter((observer): observer is PipelineObserver => observer !== null)];
  }

  async prometheusMetrics(): Promise<PrometheusMetrics> {
    const provider = this.providers.find((candidate) => candidate.prometheusMetrics);
    if (!provider) throw new NotFoundError('route', '/metrics', 'No telemetry provider of this distribution serves metrics.');
    return provider.prometheusMetrics!();
  }

  async logEvent(request: LogEventRequest): Promise<void> {
    const provider = this.providers.find((candidate) => candidate.logEvent);
    if (!provider) throw new InvalidRequestError('No telemetry provider of this distribution keeps events: enable the trace store (sinks: sqlite) of inline::meta-reference.');
    await provider.logEvent!(request);
  }

  queryTraces(request: QueryTracesRequest): Promise<QueryTracesResponse> {
    return this.traceStore('queryTraces').queryTraces!(request);
  }

  getTrace(traceId: string): Promise<Trace> {
    return this.traceStore('getTrace').getTrace!(traceId);
  }

  getSpan(traceId: string, spanId: string): Promise<Span> {
    return this.traceStore('getSpan').getSpan!(traceId, spanId);
  }

  getSpanTree(spanId: string, request: GetSpanTreeRequest): Promise<QuerySpanTreeResponse> {
    return this.traceStore('getSpanTree').getSpanTree!(spanId, request);
  }

  querySpans(request: QuerySpansRequest): Promise<QuerySpansResponse> {
    return this.traceStore('querySpans').querySpans!(request);
  }

  private traceStore(method: 'queryTraces' | 'getTrace' | 'getSpan' | 'getSpanTree' | 'querySpans'): TelemetryProvider {
    const provider = this.providers.find((candidate) => candidate[method]);
    if (!provider) throw new InvalidRequestError('No telemetry provider of this distribution keeps traces: enable the trace store (sinks: sqlite) of inline::meta-reference.');
    return provider;
  }
}
