import { type Attributes, context, type Span, SpanStatusCode, trace } from '@opentelemetry/api';

/**
 * Spans of the core's routers (model calls, tool calls, shield checks). They are made only inside
 * a traced request: callers check `isTraced()` once and take their untraced path otherwise, so a
 * server without tracing makes no span and no closure.
 */
/** The tracer of the global provider now (a server may register a new one after another's shutdown). */
const tracer = () => trace.getTracer('@cria/core');

/** Whether the current request is traced (a span is active). */
export function isTraced(): boolean {
  return trace.getActiveSpan() !== undefined;
}

/** Records a failure on a span and ends it. */
export function endSpanWithError(span: Span, error: unknown): void {
  const failure = error as Error & { kind?: string };
  span.setAttribute('error.type', failure.kind ?? failure.name ?? 'Error');
  span.recordException({ name: failure.name, message: failure.message });
  span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
  span.end();
}

/** Starts a child span of the active one. */
export function startSpan(name: string, attributes: Attributes): Span {
  return tracer().startSpan(name, { attributes });
}

/**
 * Runs `work` in a child span that ends when it settles; `describe` adds what the result tells
 * (tokens, a violation). Call only when `isTraced()`.
 */
export async function inSpan<T>(name: string, attributes: Attributes, work: () => Promise<T>, describe?: (span: Span, result: T) => void): Promise<T> {
  const span = tracer().startSpan(name, { attributes });
  let result: T;
  try {
    result = await context.with(trace.setSpan(context.active(), span), work);
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
 * to the end, fails, or is abandoned. `observe` sees each item (for usage). Call only when `isTraced()`.
 */
export async function streamInSpan<T>(name: string, attributes: Attributes, open: () => Promise<AsyncIterable<T>>, observe?: (span: Span, item: T) => void): Promise<AsyncIterable<T>> {
  const span = tracer().startSpan(name, { attributes });
  let stream: AsyncIterable<T>;
  try {
    stream = await context.with(trace.setSpan(context.active(), span), open);
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
