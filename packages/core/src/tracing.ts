import { type Attributes, type Context, type Span, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ProviderLogger, RequestContext, TraceContext } from '@cria/api';
import { traceLogFields } from '@cria/provider-utils';
import { namedLogger } from './logger.js';

/**
 * Spans of the core's routers (model calls, tool calls, shield checks). They are made only inside
 * a traced request, one whose context carries a `traceContext`: callers check it once and take
 * their untraced path otherwise, so a server without tracing makes no span and no closure. The
 * trace context travels in the request's context, not in AsyncLocalStorage (which slows every
 * promise of the process): a span's work gets a context whose `traceContext` holds the span.
 */
/** The tracer of the global provider now (a server may register a new one after another's shutdown). */
const tracer = () => trace.getTracer('@cria/core');

/** A request context whose trace context is set: the request is traced. */
export type TracedContext = Partial<RequestContext> & { traceContext: TraceContext };

/** Whether the request of `context` is traced. */
export function isTraced(context: Partial<RequestContext> | undefined): context is TracedContext {
  return context?.traceContext !== undefined;
}

/** Records a failure on a span and ends it. */
export function endSpanWithError(span: Span, error: unknown): void {
  const failure = error as Error & { kind?: string };
  span.setAttribute('error.type', failure.kind ?? failure.name ?? 'Error');
  span.recordException({ name: failure.name, message: failure.message });
  span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
  span.end();
}

/** The signal of a context made without one: it never aborts. */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;

/**
 * The request's context for work done in `span`: the same signal, abort listeners and provider
 * data, with a trace context holding the span and a logger whose lines name the span. Forwarded,
 * not copied: reading a request's `signal` makes an AbortController, which a request that never
 * aborts should not pay for.
 */
class SpanRequestContext implements RequestContext {
  readonly traceContext: TraceContext;
  readonly onAbort?: RequestContext['onAbort'];

  constructor(
    private readonly parent: TracedContext,
    span: Span,
  ) {
    this.traceContext = trace.setSpan(parent.traceContext as Context, span);
    if (parent.onAbort) this.onAbort = (listener) => parent.onAbort!(listener);
  }

  get signal(): AbortSignal {
    return this.parent.signal ?? NEVER_ABORTED;
  }

  get providerData(): RequestContext['providerData'] {
    return this.parent.providerData ?? null;
  }

  get logger(): ProviderLogger | undefined {
    const logger = this.parent.logger;
    const spanFields = logger && traceLogFields(this.traceContext);
    return spanFields ? namedLogger(logger, spanFields) : logger;
  }
}

/** Starts a child span of the request's current one; `spanContext` is the context to hand the span's work. */
export function startSpan(context: TracedContext, name: string, attributes: Attributes): { span: Span; spanContext: RequestContext } {
  const span = tracer().startSpan(name, { attributes }, context.traceContext as Context);
  return { span, spanContext: new SpanRequestContext(context, span) };
}

/**
 * Runs `work` in a child span of the request's that ends when it settles; `work` gets the context
 * to pass on (its spans are the span's children). `describe` adds what the result tells (tokens,
 * a violation).
 */
export async function inSpan<T>(context: TracedContext, name: string, attributes: Attributes, work: (spanContext: RequestContext) => Promise<T>, describe?: (span: Span, result: T) => void): Promise<T> {
  const { span, spanContext } = startSpan(context, name, attributes);
  let result: T;
  try {
    result = await work(spanContext);
  } catch (error) {
    endSpanWithError(span, error);
    throw error;
  }
  describe?.(span, result);
  span.end();
  return result;
}

/**
 * Runs `open` (which starts a stream) in a child span that ends with the stream: when it is read
 * to the end, fails, or is abandoned. `observe` sees each item (for usage).
 */
export async function streamInSpan<T>(context: TracedContext, name: string, attributes: Attributes, open: (spanContext: RequestContext) => Promise<AsyncIterable<T>>, observe?: (span: Span, item: T) => void): Promise<AsyncIterable<T>> {
  const { span, spanContext } = startSpan(context, name, attributes);
  let stream: AsyncIterable<T>;
  try {
    stream = await open(spanContext);
  } catch (error) {
    endSpanWithError(span, error);
    throw error;
  }
  return (async function* () {
    let failed = false;
    try {
      for await (const item of stream) {
        observe?.(span, item);
        yield item;
      }
    } catch (error) {
      failed = true;
      endSpanWithError(span, error);
      throw error;
    } finally {
      if (!failed) span.end();
    }
  })();
}
