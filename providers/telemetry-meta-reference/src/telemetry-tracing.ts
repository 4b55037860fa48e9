import { context, createContextKey, propagation, trace, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import type { ObservedRequest } from '@cria/api';
import { randomFillSync } from 'node:crypto';
import type { BasicTracerProvider, IdGenerator, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { OtlpTarget } from './telemetry-config.js';
import { RequestContextManager } from './telemetry-context.js';

/** Where the core's logger reads a request's id (`Symbol.for('cria.request_id')`). */
const REQUEST_ID_CONTEXT_KEY = createContextKey('cria.request_id');

/** What the tracing of a server needs: where spans go. */
export interface TracingOptions {
  serviceName: string;
  serviceVersion: string;
  otlp: OtlpTarget | null;
  console: boolean;
  /** More processors (the trace store). */
  processors: readonly SpanProcessor[];
}

async function otlpTraceExporter(target: OtlpTarget): Promise<SpanExporter> {
  const options = target.url ? { url: target.url } : {};
  if (target.protocol === 'grpc') return new (await import('@opentelemetry/exporter-trace-otlp-grpc')).OTLPTraceExporter(options);
  if (target.protocol === 'http/json') return new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter(options);
  return new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter(options);
}

/**
 * Trace and span ids cut from a pool of random bytes refilled 4 KiB at a time (the SDK's default
 * calls Math.random for every 4 bytes and builds the hex by hand; a request makes four ids or more).
 */
class PooledIdGenerator implements IdGenerator {
  private readonly pool = randomFillSync(Buffer.alloc(4096));
  private offset = 0;

  generateTraceId(): string {
    return this.next(16);
  }

  generateSpanId(): string {
    return this.next(8);
  }

  private next(bytes: number): string {
    if (this.offset + bytes > this.pool.length) {
      randomFillSync(this.pool);
      this.offset = 0;
    }
    const start = this.offset;
    this.offset += bytes;
    // An all-zero id is invalid in W3C trace context; 2^-64 at worst, but never sent.
    for (let index = start; index < this.offset; index++) if (this.pool[index] !== 0) return this.pool.toString('hex', start, this.offset);
    return this.next(bytes);
  }
}

/**
 * The request spans of a server: the OpenTelemetry SDK (imported only when tracing is on),
 * registered as the global tracer provider with W3C trace context and a context manager that
 * the onRequest hook can enter, so every span made during the request (routing, provider
 * calls, upstream HTTP, tools, shields) is a child of the request's.
 */
export class RequestTracing {
  private constructor(
    private readonly provider: BasicTracerProvider,
    private readonly contextManager: RequestContextManager,
    private readonly tracer: Tracer,
  ) {}

  static async start(options: TracingOptions): Promise<RequestTracing> {
    const [sdk, { resourceFromAttributes }, core] = await Promise.all([import('@opentelemetry/sdk-trace-base'), import('@opentelemetry/resources'), import('@opentelemetry/core')]);
    const processors: SpanProcessor[] = [];
    if (options.otlp) processors.push(new sdk.BatchSpanProcessor(await otlpTraceExporter(options.otlp)));
    if (options.console) processors.push(new sdk.SimpleSpanProcessor(new sdk.ConsoleSpanExporter()));
    processors.push(...options.processors);
    const resource = resourceFromAttributes({ 'service.name': options.serviceName, 'service.version': options.serviceVersion, ...resourceAttributesFromEnv() });
    const provider = new sdk.BasicTracerProvider({ resource, spanProcessors: processors, idGenerator: new PooledIdGenerator() });
    const contextManager = new RequestContextManager();
    context.setGlobalContextManager(contextManager);
    trace.setGlobalTracerProvider(provider);
    propagation.setGlobalPropagator(new core.CompositePropagator({ propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator()] }));
    return new RequestTracing(provider, contextManager, provider.getTracer('@cria/provider-telemetry-meta-reference'));
  }

  /** Starts the request's span (a child of the caller's `traceparent`, if any) and makes it active. */
  start(request: ObservedRequest): void {
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const span = this.tracer.startSpan(
      request.method,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, 'url.path': request.path, 'cria.request_id': request.state.requestId as string } },
      parent,
    );
    request.state.span = span;
    const requestId = request.state.requestId as string | undefined;
    const active = trace.setSpan(parent, span);
    this.contextManager.enter(requestId === undefined ? active : active.setValue(REQUEST_ID_CONTEXT_KEY, requestId));
  }

  failed(request: ObservedRequest, error: unknown): void {
    const span = request.state.span as Span | undefined;
    if (!span) return;
    const failure = error as Error;
    span.recordException({ name: failure.name, message: failure.message });
    span.setAttribute('error.type', (error as { kind?: string }).kind ?? failure.name ?? 'Error');
  }

  /** Ends the request's span with its status (an error for 5xx and for a client gone away). */
  finished(request: ObservedRequest): void {
    const span = request.state.span as Span | undefined;
    if (!span) return;
    if (request.route) describeRoute(span, request);
    span.setAttribute('http.response.status_code', request.statusCode);
    if (request.statusCode >= 500 || (request.error !== undefined && request.statusCode < 400)) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (request.error as Error | undefined)?.message });
    }
    span.end();
  }

  async shutdown(): Promise<void> {
    await this.provider.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  }

  forceFlush(): Promise<void> {
    return this.provider.forceFlush();
  }
}

function describeRoute(span: Span, request: ObservedRequest): void {
  const route = request.route!;
  span.updateName(`${request.method} ${route.path}`);
  span.setAttribute('http.route', route.path);
  span.setAttribute('cria.api', route.api);
  span.setAttribute('cria.operation', route.operation);
  const body = request.body as { model?: unknown; stream?: unknown } | undefined;
  if (body && typeof body === 'object') {
    if (typeof body.model === 'string') span.setAttribute('gen_ai.request.model', body.model);
    span.setAttribute('cria.streaming', body.stream === true);
  }
}

/** OTEL_RESOURCE_ATTRIBUTES: `key=value,key=value` (values percent-encoded). */
function resourceAttributesFromEnv(): Record<string, string> {
  const text = process.env.OTEL_RESOURCE_ATTRIBUTES;
  if (!text) return {};
  const attributes: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const mark = pair.indexOf('=');
    if (mark > 0) attributes[pair.slice(0, mark).trim()] = decodeURIComponent(pair.slice(mark + 1).trim());
  }
  return attributes;
}
