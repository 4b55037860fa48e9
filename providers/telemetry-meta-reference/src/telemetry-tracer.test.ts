import { afterEach, describe, expect, it } from 'vitest';
import { context, createContextKey, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, type TextMapPropagator, trace, TraceFlags } from '@opentelemetry/api';
import { CompositePropagator, suppressTracing, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOffSampler, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import { spanAttributes } from './span-record.js';
import { LinkedContext } from './telemetry-context.js';
import { type RecordingSpan, RecordingTracerProvider, type SpanSink, spanLimitsFromEnv, TraceContextPropagator } from './telemetry-tracer.js';

function collector(): SpanSink & { spans: RecordingSpan[] } {
  const spans: RecordingSpan[] = [];
  return { spans, onEnd: (span) => spans.push(span), forceFlush: async () => undefined, shutdown: async () => undefined };
}

const resource = resourceFromAttributes({ 'service.name': 'test' });

describe('RecordingTracerProvider', () => {
  afterEach(() => {
    context.disable();
    propagation.disable();
  });

  it('makes a tree of spans through the contexts given, and hands each to the sinks when it ends', () => {
    const sink = collector();
    const tracer = new RecordingTracerProvider([sink], null, resource).getTracer('scope-a', '1.2.3');
    const root = tracer.startSpan('request', { kind: SpanKind.SERVER, attributes: { 'http.route': '/v1/models', skipped: undefined as unknown as string } });
    const child = tracer.startActiveSpan('child', {}, trace.setSpan(ROOT_CONTEXT, root), (span) => {
      span.setAttribute('count', 3).setAttributes({ flag: true, list: ['a', 'b'] });
      span.end();
      return span as RecordingSpan;
    });
    expect(sink.spans).toEqual([child]);
    root.end();
    root.setAttribute('late', 'ignored');
    root.end();
    expect(sink.spans).toHaveLength(2);
    const [rootRecord] = sink.spans.slice(1);
    expect(child.traceId).toBe(rootRecord!.traceId);
    expect(child.parentSpanId).toBe(rootRecord!.spanId);
    expect(child.parentIsRemote).toBe(false);
    expect(rootRecord!.parentSpanId).toBeUndefined();
    expect(rootRecord!.kind).toBe(SpanKind.SERVER);
    expect(spanAttributes(rootRecord!)).toEqual({ 'http.route': '/v1/models' });
    expect(spanAttributes(child)).toEqual({ count: 3, flag: true, list: ['a', 'b'] });
    expect(child.scope).toEqual({ name: 'scope-a', version: '1.2.3' });
    expect(rootRecord!.endMs).toBeGreaterThanOrEqual(rootRecord!.startMs);
    expect(Math.abs(rootRecord!.startMs - Date.now())).toBeLessThan(1000);
    expect(rootRecord!.traceFlags).toBe(TraceFlags.SAMPLED);
    expect(child.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(child.traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('continues a caller\'s trace from traceparent, with its trace state, and marks the parent remote', () => {
    const sink = collector();
    const tracer = new RecordingTracerProvider([sink], null, resource).getTracer('scope');
    const parent = new W3CTraceContextPropagator().extract(ROOT_CONTEXT, { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'vendor=value' }, { get: (carrier, key) => carrier[key as keyof typeof carrier], keys: (carrier) => Object.keys(carrier) });
    tracer.startSpan('request', {}, parent).end();
    const [span] = sink.spans;
    expect(span!.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(span!.parentSpanId).toBe('b7ad6b7169203331');
    expect(span!.parentIsRemote).toBe(true);
    expect(span!.traceState).toBe('vendor=value');
    expect(span!.spanContext().traceState?.get('vendor')).toBe('value');
  });

  it('copies an array attribute the caller may change, and keeps a frozen one as it is', () => {
    const sink = collector();
    const tracer = new RecordingTracerProvider([sink], null, resource).getTracer('scope');
    const mutable = ['stop'];
    const frozen = Object.freeze(['length']);
    const span = tracer.startSpan('call');
    span.setAttribute('mutable', mutable).setAttribute('frozen', frozen as string[]).setAttribute('mixed', Object.freeze(['a', 1]) as string[]);
    mutable.push('changed');
    span.end();
    const attributes = spanAttributes(sink.spans[0]!);
    expect(attributes).toEqual({ mutable: ['stop'], frozen: ['length'] });
    expect(attributes['frozen']).toBe(frozen);
    expect(attributes['mutable']).not.toBe(mutable);
  });

  it('samples a child as its parent by default, and as OTEL_TRACES_SAMPLER\'s sampler says otherwise', () => {
    const sink = collector();
    const tracer = new RecordingTracerProvider([sink], null, resource).getTracer('scope');
    const unsampled = trace.setSpanContext(ROOT_CONTEXT, { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.NONE, isRemote: true });
    const span = tracer.startSpan('request', {}, unsampled);
    expect(span.isRecording()).toBe(false);
    expect(span.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    span.end();
    expect(sink.spans).toHaveLength(0);

    const off = new RecordingTracerProvider([sink], new ParentBasedSampler({ root: new AlwaysOffSampler() }), resource).getTracer('scope');
    const root = off.startSpan('root');
    expect(root.isRecording()).toBe(false);
    expect(root.spanContext().traceFlags).toBe(TraceFlags.NONE);
    const none = new RecordingTracerProvider([sink], new TraceIdRatioBasedSampler(0), resource).getTracer('scope');
    none.startSpan('root').end();
    const all = new RecordingTracerProvider([sink], new TraceIdRatioBasedSampler(1), resource).getTracer('scope');
    all.startSpan('root').end();
    expect(sink.spans.map((recorded) => recorded.name)).toEqual(['root']);
  });

  it('keeps OpenTelemetry\'s rules for status, exceptions, events, links and limits', () => {
    const sink = collector();
    const limits = { ...spanLimitsFromEnv({}), attributeCount: 2, eventCount: 2, attributeValueLength: 4 };
    const tracer = new RecordingTracerProvider([sink], null, resource, limits).getTracer('scope');
    const span = tracer.startSpan('work', { links: [{ context: { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1, isRemote: true }, attributes: { why: 'batch' } }] });
    span.setAttribute('a', 'abcdefgh').setAttribute('b', 2).setAttribute('c', 3).setAttribute('a', 'x');
    span.setAttribute('object', {} as unknown as string).setAttribute('mixed', [1, 'two'] as unknown as string[]);
    span.recordException(Object.assign(new Error('boom'), { stack: 'stack' }));
    span.recordException({ code: 42, message: 'coded' });
    span.addEvent('third', { detail: 'yes' }, [1, 500_000_000]);
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'failed' });
    span.setStatus({ code: SpanStatusCode.UNSET });
    span.updateName('renamed');
    span.end(new Date(Date.now() - 60_000));
    const [recorded] = sink.spans as [RecordingSpan];
    expect(recorded.name).toBe('renamed');
    expect(spanAttributes(recorded)).toEqual({ a: 'x', b: 2 });
    expect(recorded.droppedAttributesCount).toBe(1);
    expect(recorded.events.map((event) => event.name)).toEqual(['exception', 'third']);
    expect(recorded.events[0]!.attributes).toEqual({ 'exception.type': '42', 'exception.message': 'code' });
    expect(recorded.events[1]!.timeMs).toBe(1500);
    expect(recorded.droppedEventsCount).toBe(1);
    expect(recorded.links).toEqual([{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceState: undefined, traceFlags: 1, isRemote: true, attributes: { why: 'batc' }, droppedAttributesCount: 0 }]);
    expect(recorded.statusCode).toBe(SpanStatusCode.ERROR);
    expect(recorded.statusMessage).toBe('failed');
    // Start attributes past the limits: taken as if set one by one (none twice, the invalid skipped, the long truncated).
    tracer.startSpan('started', { attributes: { a: 1, b: 'truncated', c: undefined, d: 2 } }).end();
    const started = sink.spans[1]!;
    expect(spanAttributes(started)).toEqual({ a: 1, b: 'trun' });
    expect(started.attributeKeys).toEqual(['a', 'b']);
    expect(started.droppedAttributesCount).toBe(1);
    // An end before the start is taken as the start, as in the SDK.
    expect(recorded.endMs).toBe(recorded.startMs);
  });
});

describe('LinkedContext', () => {
  it('reads its own value, then its parents\', and sets and deletes without changing the contexts it came from', () => {
    const first = createContextKey('first');
    const second = createContextKey('second');
    const base = ROOT_CONTEXT.setValue(first, 'base');
    const linked = new LinkedContext(base);
    const withSecond = linked.setValue(second, 2);
    const overridden = withSecond.setValue(first, 'override');
    const deleted = overridden.deleteValue(first);
    expect([linked.getValue(first), linked.getValue(second)]).toEqual(['base', undefined]);
    expect([withSecond.getValue(first), withSecond.getValue(second)]).toEqual(['base', 2]);
    expect([overridden.getValue(first), overridden.getValue(second)]).toEqual(['override', 2]);
    expect([deleted.getValue(first), deleted.getValue(second)]).toEqual([undefined, 2]);
    expect(trace.getSpan(trace.setSpan(linked, trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 })))?.spanContext().spanId).toBe('b7ad6b7169203331');
  });
});

describe('TraceContextPropagator', () => {
  const sdk: TextMapPropagator = new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] });
  const ours = new TraceContextPropagator();
  const setter = { set: (carrier: Record<string, string>, key: string, value: string) => void (carrier[key] = value) };
  const getter = { get: (carrier: Record<string, string>, key: string) => carrier[key], keys: (carrier: Record<string, string>) => Object.keys(carrier) };
  const injected = (propagator: TextMapPropagator, context: Parameters<TextMapPropagator['inject']>[0]) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    propagator.inject(context, headers, setter);
    return headers;
  };

  it('injects and extracts what the SDK\'s W3C trace context and baggage propagators do', () => {
    const tracer = new RecordingTracerProvider([collector()], null, resource).getTracer('scope');
    const incoming = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'vendor=opaque,other=1', baggage: 'user=alice;ttl=1,tenant=blue' };
    const extracted = ours.extract(new LinkedContext(ROOT_CONTEXT), incoming, getter);
    const sdkExtracted = sdk.extract(ROOT_CONTEXT, incoming, getter);
    expect(trace.getSpanContext(extracted)).toEqual(trace.getSpanContext(sdkExtracted));
    // Entries' metadata carry a toString of their own: compared by what it says.
    const entries = (context: typeof extracted) => propagation.getBaggage(context)?.getAllEntries().map(([key, entry]) => [key, entry.value, entry.metadata?.toString()]);
    expect(entries(extracted)).toEqual(entries(sdkExtracted));
    expect(entries(extracted)).toEqual([['user', 'alice', 'ttl=1'], ['tenant', 'blue', undefined]]);
    const server = tracer.startSpan('request', { kind: SpanKind.SERVER }, extracted);
    const client = tracer.startSpan('call', { kind: SpanKind.CLIENT }, trace.setSpan(extracted, server));
    const cases = {
      'a span of this tracer, with the caller\'s trace state and baggage': trace.setSpan(extracted, client),
      'a root span, no state, no baggage': trace.setSpan(ROOT_CONTEXT, tracer.startSpan('root', { root: true })),
      'an unsampled remote parent': trace.setSpan(ROOT_CONTEXT, trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.NONE })),
      'an invalid span context': trace.setSpan(ROOT_CONTEXT, trace.wrapSpanContext({ traceId: '0'.repeat(32), spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED })),
      'suppressed tracing': suppressTracing(trace.setSpan(extracted, client)),
      'no span': extracted,
    };
    for (const [name, context] of Object.entries(cases)) expect(injected(ours, context), name).toEqual(injected(sdk, context));
    expect(injected(ours, cases['a span of this tracer, with the caller\'s trace state and baggage'])).toEqual({
      'content-type': 'application/json',
      traceparent: `00-0af7651916cd43dd8448eb211c80319c-${client.spanContext().spanId}-01`,
      tracestate: 'vendor=opaque,other=1',
      baggage: 'user=alice;ttl=1,tenant=blue',
    });
    expect(ours.fields()).toEqual(sdk.fields());
  });
});
