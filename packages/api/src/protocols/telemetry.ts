import type { RouteDefinition } from '../api-module.js';
import type { TraceContext } from '../provider.js';
import type {
  GetSpanTreeRequest,
  LogEventRequest,
  QuerySpansRequest,
  QuerySpansResponse,
  QuerySpanTreeResponse,
  QueryTracesRequest,
  QueryTracesResponse,
  Span,
  Trace,
} from '../generated/api-types.js';

/**
 * One request as the server's pipeline shows it to telemetry: what its hooks know at each point.
 * The server's request object has these fields; `state` is free room for the observers.
 */
export interface ObservedRequest {
  readonly method: string;
  /** The path without the query string. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The matched route (null before routing, or for a path no route serves). */
  readonly route: RouteDefinition | null;
  /** The parsed JSON body, once read. */
  readonly body: unknown;
  /** The status sent (or about to be). */
  readonly statusCode: number;
  /** The error the request failed with, if it did. */
  readonly error: unknown;
  readonly state: Record<string, unknown>;
  /**
   * The OpenTelemetry context of the request's span, set by a tracing hook (onRequest): the
   * request's context carries it to routers and providers (`RequestContext.traceContext`).
   */
  traceContext?: TraceContext;
  /** Sets a response header before the answer starts. */
  setHeader?(name: string, value: string): void;
}

/** What a route's handler answered, as `onSend` sees it (the server's RouteResult). */
export type ObservedResult = { json: unknown } | { sse: AsyncIterable<unknown> } | { stream: unknown } | { status: number };

/**
 * The pipeline hooks a router asks the server to run on every request (the fast inference path
 * included), in Fastify's names and order. Each is optional; a server adds only those given.
 * `onSend` may replace the events of an SSE result (`result.sse`) to observe them as they go.
 */
export interface PipelineObserver {
  onRequest?(request: ObservedRequest): void;
  preHandler?(request: ObservedRequest): void;
  onSend?(request: ObservedRequest, result: ObservedResult): void;
  onError?(request: ObservedRequest, error: unknown): void;
  onResponse?(request: ObservedRequest): void;
}

/** Metrics in Prometheus' text exposition format. */
export interface PrometheusMetrics {
  contentType: string;
  body: string;
}

/**
 * What a telemetry provider implements (Llama Stack's Telemetry). It is fed by the pipeline's
 * hooks (`observer`), so every route is covered the same way; the query methods are those of a
 * provider that keeps traces (Llama Stack 0.2's meta-reference with its sqlite sink).
 */
export interface TelemetryProvider {
  /** The hooks this provider needs on every request; null when it observes nothing (all off). */
  readonly observer: PipelineObserver | null;
  /** The metrics for GET /metrics, when this provider serves them. */
  prometheusMetrics?(): Promise<PrometheusMetrics>;
  logEvent?(request: LogEventRequest): Promise<void>;
  queryTraces?(request: QueryTracesRequest): Promise<QueryTracesResponse>;
  getTrace?(traceId: string): Promise<Trace>;
  getSpan?(traceId: string, spanId: string): Promise<Span>;
  getSpanTree?(spanId: string, request: GetSpanTreeRequest): Promise<QuerySpanTreeResponse>;
  querySpans?(request: QuerySpansRequest): Promise<QuerySpansResponse>;
}

/** The telemetry API's router: the providers' hooks combined, /metrics, and the trace queries. */
export interface TelemetryApi {
  /** The hooks every request goes through, in order: the router's own, then its providers'. */
  pipelineObservers(): PipelineObserver[];
  prometheusMetrics(): Promise<PrometheusMetrics>;
  logEvent(request: LogEventRequest): Promise<void>;
  queryTraces(request: QueryTracesRequest): Promise<QueryTracesResponse>;
  getTrace(traceId: string): Promise<Trace>;
  getSpan(traceId: string, spanId: string): Promise<Span>;
  getSpanTree(spanId: string, request: GetSpanTreeRequest): Promise<QuerySpanTreeResponse>;
  querySpans(request: QuerySpansRequest): Promise<QuerySpansResponse>;
}
