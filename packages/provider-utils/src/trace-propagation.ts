import { type Context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import type { TraceContext } from '@cria/api';

/** A trace context in W3C trace context's headers (`traceparent`, `tracestate`), as work that outlives its process keeps it. */
export type TraceCarrier = Record<string, string>;

/**
 * The span of `traceContext` as W3C headers, to store with background work a restart may resume
 * (a batch, an eval job): undefined when it holds no span or tracing is off.
 */
export function traceCarrier(traceContext: TraceContext | undefined): TraceCarrier | undefined {
  if (traceContext === undefined) return undefined;
  const carrier: TraceCarrier = {};
  propagation.inject(traceContext as Context, carrier);
  return carrier.traceparent ? carrier : undefined;
}

/**
 * The trace context a stored carrier names, its span a remote parent (the process that made it is
 * gone): undefined when it names none or when tracing is off in this process.
 */
export function traceContextFromCarrier(carrier: TraceCarrier | undefined): TraceContext | undefined {
  if (carrier === undefined) return undefined;
  const context = propagation.extract(ROOT_CONTEXT, carrier);
  return trace.getSpanContext(context) ? context : undefined;
}

/**
 * The trace and span ids a line about traced work carries (the span of `traceContext`), named as
 * the server's lines name them; undefined when untraced. Lines name their request or work
 * themselves: no AsyncLocalStorage finds it, since one slows every promise of the process.
 */
export function traceLogFields(traceContext: TraceContext | undefined): { trace_id: string; span_id: string } | undefined {
  const span = traceContext === undefined ? undefined : trace.getSpanContext(traceContext as Context);
  return span ? { trace_id: span.traceId, span_id: span.spanId } : undefined;
}
