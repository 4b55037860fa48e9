import { propagation, trace, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import type { ObservedRequest, RouteDefinition } from '@cria/api';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, Sampler, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { OtlpTarget } from './telemetry-config.js';
import { LinkedContext } from './telemetry-context.js';
import type { RecordingSpan, RecordingTracerProvider, SpanSink } from './telemetry-tracer.js';
import { hrTime, type SpanRecord, spanAttributes } from './span-record.js';

/** What the tracing of a server needs: where spans go. */
export interface TracingOptions {
  serviceName: string;
  serviceVersion: string;
  otlp: OtlpTarget | null;
  console: boolean;
  /** More sinks (the trace store). */
  sinks: readonly SpanSink[];
}

/**
 * An SDK span processor fed with recording spans: as they are for the batch processor (they carry
 * what it reads, their context and resource), or in the SDK's shape for one that reads every field.
 */
function sdkSink(processor: SpanProcessor, shape: (span: RecordingSpan) => ReadableSpan = (span) => span as unknown as ReadableSpan): SpanSink {
  return {
    onEnd: (span: RecordingSpan) => processor.onEnd(shape(span)),
    forceFlush: () => processor.forceFlush(),
    shutdown: () => processor.shutdown(),
  };
}

/** OTEL_TRACES_SAMPLER's sampler (with OTEL_TRACES_SAMPLER_ARG), or null for the default, parentbased_always_on. */
function samplerFromEnv(sdk: typeof import('@opentelemetry/sdk-trace-base'), env: NodeJS.ProcessEnv = process.env): Sampler | null {
  const name = env.OTEL_TRACES_SAMPLER?.trim();
  const argument = Number(env.OTEL_TRACES_SAMPLER_ARG);
  const ratio = env.OTEL_TRACES_SAMPLER_ARG && argument >= 0 && argument <= 1 ? argument : 1;
  switch (name) {
    case 'always_on':
      return new sdk.AlwaysOnSampler();
    case 'always_off':
      return new sdk.AlwaysOffSampler();
    case 'parentbased_always_off':
      return new sdk.ParentBasedSampler({ root: new sdk.AlwaysOffSampler() });
    case 'traceidratio':
      return new sdk.TraceIdRatioBasedSampler(ratio);
    case 'parentbased_traceidratio':
      return new sdk.ParentBasedSampler({ root: new sdk.TraceIdRatioBasedSampler(ratio) });
    default:
      return null;
  }
}

/** The SDK's shape of a span (its console exporter's input), made from a record when it is logged. */
function readableSpan(span: SpanRecord, resource: Resource): ReadableSpan {
  return {
    name: span.name,
    kind: span.kind,
    spanContext: () => ({ traceId: span.traceId, spanId: span.spanId, traceFlags: span.traceFlags }),
    parentSpanContext: span.parentSpanId ? { traceId: span.traceId, spanId: span.parentSpanId, traceFlags: span.traceFlags } : undefined,
    startTime: hrTime(span.startMs),
    endTime: hrTime(span.endMs),
    duration: hrTime(span.endMs - span.startMs),
    status: span.statusMessage === undefined ? { code: span.statusCode } : { code: span.statusCode, message: span.statusMessage },
    attributes: spanAttributes(span),
    links: span.links.map((link) => ({ context: { traceId: link.traceId, spanId: link.spanId, traceFlags: link.traceFlags, isRemote: link.isRemote }, attributes: link.attributes, droppedAttributesCount: link.droppedAttributesCount })),
    events: span.events.map((event) => ({ name: event.name, time: hrTime(event.timeMs), attributes: event.attributes, droppedAttributesCount: event.droppedAttributesCount })),
    ended: true,
    resource,
    instrumentationScope: span.scope.version === undefined ? { name: span.scope.name } : { name: span.scope.name, version: span.scope.version },
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}

/**
 * The request spans of a server: a `RecordingTracerProvider` (loaded only when tracing is on)
 * registered as the global tracer provider with W3C trace context. The onRequest hook puts the
 * request span's context in the request's (`traceContext`), which carries it to the routers and
 * providers, so every span made during the request (routing, provider calls, upstream HTTP,
 * tools, shields) is a child of the request's. No context manager is registered: the API's
 * `context.active()` is the root one, and AsyncLocalStorage's cost on every promise is not paid.
 * Ended spans go to the SDK's batch processor and OTLP transport (with Cria's encoders), the
 * console, the trace store.
 */
export class RequestTracing {
  private constructor(
    private readonly provider: RecordingTracerProvider,
    private readonly tracer: Tracer,
  ) {}

  static async start(options: TracingOptions): Promise<RequestTracing> {
    const [sdk, { defaultResource, resourceFromAttributes }, { RecordingTracerProvider, TraceContextPropagator }, { otlpSpanExporter }] = await Promise.all([
      import('@opentelemetry/sdk-trace-base'),
      import('@opentelemetry/resources'),
      import('./telemetry-tracer.js'),
      import('./otlp-span-exporter.js'),
    ]);
    const resource = defaultResource().merge(resourceFromAttributes({ 'service.name': options.serviceName, 'service.version': options.serviceVersion, ...resourceAttributesFromEnv() }));
    const sinks: SpanSink[] = [];
    if (options.otlp) sinks.push(sdkSink(new sdk.BatchSpanProcessor(await otlpSpanExporter(options.otlp, resource.attributes))));
    if (options.console) sinks.push(sdkSink(new sdk.SimpleSpanProcessor(new sdk.ConsoleSpanExporter()), (span) => readableSpan(span, resource)));
    sinks.push(...options.sinks);
    const provider = new RecordingTracerProvider(sinks, samplerFromEnv(sdk), resource);
    trace.setGlobalTracerProvider(provider);
    propagation.setGlobalPropagator(new TraceContextPropagator());
    return new RequestTracing(provider, provider.getTracer('@cria/provider-telemetry-meta-reference'));
  }

  /** Starts the request's span (a child of the caller's `traceparent`, if any); the request's context carries it. */
  start(request: ObservedRequest): void {
    const parent = new LinkedContext(propagation.extract(ROOT_CONTEXT, request.headers));
    const span = this.tracer.startSpan(
      request.method,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, 'url.path': request.path, 'cria.request_id': request.state.requestId as string } },
      parent,
    );
    request.state.span = span;
    request.traceContext = trace.setSpan(parent, span);
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
    propagation.disable();
  }

  forceFlush(): Promise<void> {
    return this.provider.forceFlush();
  }
}

/**
 * `<method> <route>`, the span name of a request, made once per route: a name built per request is
 * a new string, which the span encoder flattens and compares by content.
 */
const routeSpanNames = new WeakMap<RouteDefinition, string>();

function routeSpanName(method: string, route: RouteDefinition): string {
  let name = routeSpanNames.get(route);
  if (name === undefined) routeSpanNames.set(route, (name = `${route.method} ${route.path}`));
  // A route answers its own method; another (HEAD for GET, say) is named as it came.
  return method === route.method ? name : `${method} ${route.path}`;
}

function describeRoute(span: Span, request: ObservedRequest): void {
  const route = request.route!;
  span.updateName(routeSpanName(request.method, route));
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
