import { describe, expect, it } from 'vitest';
import protobuf from 'protobufjs';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type HrTime } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { encodeTraceExportJson, encodeTraceExportProtobuf, protobufEncodingCacheSizes } from './otlp-trace-encoding.js';
import { type ScopeRecord, type SpanRecord, spanAttributes } from './span-record.js';
import { LinkedContext } from './telemetry-context.js';
import { type RecordingSpan, RecordingTracerProvider, TraceContextPropagator } from './telemetry-tracer.js';
import { OTLP_TRACE_PROTO } from '../test/otlp-trace-proto.js';

const TraceRequest = protobuf.parse(OTLP_TRACE_PROTO).root.lookupType('otlp.ExportTraceServiceRequest');

function decode(bytes: Uint8Array): unknown {
  return TraceRequest.toObject(TraceRequest.decode(bytes), { longs: String, bytes: String, defaults: false });
}

function hrTime(ms: number): HrTime {
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.min(Math.round((ms - seconds * 1000) * 1e6), 999_999_999)];
}

/** The SDK's view of the same spans: one resource, one InstrumentationScope object per scope (the SDK groups by identity). */
function toReadableSpans(resourceAttributes: Attributes, records: readonly SpanRecord[]): ReadableSpan[] {
  const resource = resourceFromAttributes(resourceAttributes);
  const scopes = new Map<string, { name: string; version?: string }>();
  const present = (attributes: Attributes) => Object.fromEntries(Object.entries(attributes).filter(([, value]) => value != null));
  return records.map((record) => {
    const scopeKey = `${record.scope.name}@${record.scope.version ?? ''}`;
    let instrumentationScope = scopes.get(scopeKey);
    if (!instrumentationScope) scopes.set(scopeKey, (instrumentationScope = { name: record.scope.name, version: record.scope.version }));
    const traceState = record.traceState ? new TraceState(record.traceState) : undefined;
    return {
      name: record.name,
      kind: record.kind,
      spanContext: () => ({ traceId: record.traceId, spanId: record.spanId, traceFlags: record.traceFlags, traceState, isRemote: false }),
      parentSpanContext: record.parentSpanId
        ? { traceId: record.traceId, spanId: record.parentSpanId, traceFlags: record.traceFlags, isRemote: record.parentIsRemote }
        : undefined,
      startTime: hrTime(record.startMs),
      endTime: hrTime(record.endMs),
      duration: hrTime(record.endMs - record.startMs),
      status: { code: record.statusCode, message: record.statusMessage },
      attributes: present(spanAttributes(record)),
      links: record.links.map((link) => ({
        context: {
          traceId: link.traceId,
          spanId: link.spanId,
          traceFlags: link.traceFlags,
          traceState: link.traceState ? new TraceState(link.traceState) : undefined,
          isRemote: link.isRemote,
        },
        attributes: present(link.attributes),
        droppedAttributesCount: link.droppedAttributesCount,
      })),
      events: record.events.map((event) => ({
        time: hrTime(event.timeMs),
        name: event.name,
        attributes: present(event.attributes),
        droppedAttributesCount: event.droppedAttributesCount,
      })),
      ended: true,
      resource,
      instrumentationScope,
      droppedAttributesCount: record.droppedAttributesCount,
      droppedEventsCount: record.droppedEventsCount,
      droppedLinksCount: record.droppedLinksCount,
    };
  });
}

const RESOURCE: Attributes = { 'service.name': 'cria', 'service.version': '1.2.3', 'telemetry.sdk.language': 'nodejs', 'host.cpus': 2 };
const HTTP: ScopeRecord = { name: '@cria/http', version: '0.1.0' };
const ENGINE: ScopeRecord = { name: 'cria-engine', version: undefined };
const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const T0 = 1_767_225_600_123.4567;

/** A record with the given fields; `attributes` as one object, made into the record's arrays. */
function span({ attributes = {}, ...overrides }: Partial<SpanRecord> & { attributes?: Record<string, unknown> }): SpanRecord {
  return {
    traceId: TRACE_ID,
    spanId: 'b7ad6b7169203331',
    parentSpanId: undefined,
    parentIsRemote: false,
    traceState: undefined,
    traceFlags: 1,
    name: 'span',
    kind: SpanKind.INTERNAL,
    startMs: T0,
    endMs: T0 + 12.345678,
    attributeKeys: Object.keys(attributes),
    attributeValues: Object.values(attributes) as SpanRecord['attributeValues'],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    statusCode: SpanStatusCode.UNSET,
    statusMessage: undefined,
    scope: HTTP,
    ...overrides,
  };
}

const SPANS: SpanRecord[] = [
  span({
    spanId: '00f067aa0ba902b7',
    name: 'POST /v1/chat/completions',
    kind: SpanKind.SERVER,
    traceState: 'cria=t61rcWkgMzE,congo=ucfJifl5GOE',
    endMs: T0 + 1234.000001,
    attributes: {
      'http.request.method': 'POST',
      'http.response.status_code': 200,
      'server.port': 8321,
      'cria.offset': -42,
      'cria.big': 2 ** 40,
      'cria.most_negative': -(2 ** 62),
      'cria.ratio': 0.125,
      'cria.temperature': -1.5e-7,
      'cria.stream': true,
      'cria.cached': false,
      'cria.tags': ['a', 'b', ''],
      'cria.numbers': [1, -2, 3.5],
      'cria.flags': [true, false],
      'cria.empty': [],
      'cria.unicode': 'héllo wörld ✓ 日本語 😀',
      'clé.ünïcode': 'ß',
      'cria.bytes': new Uint8Array([0, 1, 254, 255]),
      'cria.map': { nested: 'v', depth: { n: 1 } },
      'cria.nothing': undefined,
      'cria.null': null,
    },
    droppedAttributesCount: 3,
  }),
  span({
    spanId: '1111111111111111',
    parentSpanId: '00f067aa0ba902b7',
    name: 'engine.generate',
    startMs: T0 + 0.000499,
    endMs: T0 + 999.9999999,
    statusCode: SpanStatusCode.ERROR,
    statusMessage: 'Model crashed: CUDA out of memory',
    scope: ENGINE,
    events: [
      {
        name: 'exception',
        timeMs: T0 + 500.5,
        attributes: { 'exception.type': 'RuntimeError', 'exception.message': 'CUDA out of memory', 'exception.stacktrace': 'at x\n  at y' },
        droppedAttributesCount: 0,
      },
      { name: 'retry', timeMs: T0 + 600, attributes: {}, droppedAttributesCount: 2 },
    ],
    droppedEventsCount: 1,
  }),
  span({
    spanId: '2222222222222222',
    parentSpanId: '00f067aa0ba902b7',
    name: 'chat llama-3.1-8b',
    kind: SpanKind.CLIENT,
    traceFlags: 0,
    attributes: { 'gen_ai.request.model': 'llama-3.1-8b', 'gen_ai.usage.input_tokens': 1024 },
    statusCode: SpanStatusCode.OK,
    statusMessage: '',
  }),
  span({
    traceId: 'ffffffffffffffffffffffffffffffff',
    spanId: '3333333333333333',
    name: 'batch',
    kind: SpanKind.CONSUMER,
    scope: ENGINE,
    links: [
      {
        traceId: TRACE_ID,
        spanId: '00f067aa0ba902b7',
        traceState: 'vendor=value',
        traceFlags: 1,
        // A link to the span of another process (a caller's traceparent).
        isRemote: true,
        attributes: { 'link.reason': 'batched' },
        droppedAttributesCount: 1,
      },
      { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '0000000000000001', traceState: undefined, traceFlags: 0, isRemote: false, attributes: {}, droppedAttributesCount: 0 },
    ],
    droppedLinksCount: 4,
  }),
  span({ spanId: '4444444444444444', name: 'produce', kind: SpanKind.PRODUCER, startMs: 1_000, endMs: 1_000.5 }),
  // Continues a trace from a `traceparent` header.
  span({
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '6666666666666666',
    parentSpanId: '00f067aa0ba902b7',
    parentIsRemote: true,
    name: 'GET /v1/models',
    kind: SpanKind.SERVER,
  }),
];

function expectSameProtobuf(resource: Attributes, records: readonly SpanRecord[]): void {
  const ours = encodeTraceExportProtobuf(resource, records);
  const sdk = ProtobufTraceSerializer.serializeRequest(toReadableSpans(resource, records))!;
  expect(decode(ours)).toEqual(decode(sdk));
  // Same fields in the same order: the very same bytes.
  expect(Buffer.from(ours).equals(Buffer.from(sdk))).toBe(true);
}

function expectSameJson(resource: Attributes, records: readonly SpanRecord[]): void {
  const ours = Buffer.from(encodeTraceExportJson(resource, records)).toString('utf8');
  const sdk = Buffer.from(JsonTraceSerializer.serializeRequest(toReadableSpans(resource, records))!).toString('utf8');
  expect(JSON.parse(ours)).toEqual(JSON.parse(sdk));
  expect(ours).toBe(sdk);
}

describe('encodeTraceExportProtobuf', () => {
  it('encodes the same request as the SDK', () => {
    expectSameProtobuf(RESOURCE, SPANS);
    const request = decode(encodeTraceExportProtobuf(RESOURCE, SPANS)) as { resourceSpans: { scopeSpans: { scope: ScopeRecord; spans: unknown[] }[] }[] };
    // Scopes in first-seen order, each with its spans in the given order.
    expect(request.resourceSpans[0]!.scopeSpans.map((scopeSpans) => [scopeSpans.scope.name, scopeSpans.spans.length])).toEqual([
      ['@cria/http', 4],
      ['cria-engine', 2],
    ]);
  });

  it('encodes an empty batch as the SDK does', () => {
    expect(encodeTraceExportProtobuf(RESOURCE, [])).toHaveLength(0);
    expectSameProtobuf(RESOURCE, []);
    expectSameProtobuf({}, [span({})]);
  });

  it('writes multi-byte lengths: long and non-ASCII strings, a span over 16 KiB, a request over the initial buffer', () => {
    const long = span({
      attributes: {
        ascii127: 'a'.repeat(127),
        ascii128: 'b'.repeat(128),
        ascii300: 'c'.repeat(300),
        // Fewer than 128 characters but more than 127 bytes: the length needs a second byte.
        accents: 'é'.repeat(100),
        emoji: '😀'.repeat(1000),
        [`key.${'k'.repeat(200)}`]: 1,
        array: Array.from({ length: 50 }, (_, i) => `value ${i} ✓`),
      },
      statusCode: SpanStatusCode.ERROR,
      statusMessage: 'x'.repeat(200),
    });
    const huge = span({ spanId: '5555555555555555', attributes: { payload: 'p'.repeat(20_000) } });
    expectSameProtobuf(RESOURCE, [long, huge]);
    expectSameProtobuf(RESOURCE, [span({ attributes: { payload: 'q'.repeat(3 * 1024 * 1024) } })]);
    expectSameProtobuf(RESOURCE, Array.from({ length: 500 }, (_, i) => ({ ...SPANS[i % SPANS.length]! })));
  });

  it('reuses a cached key-value pair only for the same key, type and value', () => {
    // The same key with values that a cache could confuse (same text, other type; 0 and -0; past
    // the cached range), in spans, events, links and the resource (each with its own KeyValue tag).
    const values = ['true', true, false, 'false', 200, '200', 0, -0, '0', 1.5, 2 ** 32 - 1, 2 ** 32, -1, '', 'a'.repeat(64), 'a'.repeat(65), ['x'], 'é'];
    const records = values.map((value, i) =>
      span({
        spanId: `${i.toString(16).padStart(2, '0')}${'a'.repeat(14)}`,
        attributes: { 'cria.value': value, [`cria.value.${i}`]: value },
        events: [{ name: 'e', timeMs: T0, attributes: { 'cria.value': value }, droppedAttributesCount: 0 }],
        links: [{ traceId: TRACE_ID, spanId: 'b7ad6b7169203331', traceState: undefined, traceFlags: 1, isRemote: false, attributes: { 'cria.value': value }, droppedAttributesCount: 0 }],
      }),
    );
    // Twice in a batch and over two batches: encoded first, then from the cache.
    for (let round = 0; round < 2; round++) {
      expectSameProtobuf({ 'cria.value': true, 'service.name': 'cria' }, [...records, ...records]);
      for (const record of records) expectSameProtobuf({ 'cria.value': 'true' }, [record]);
    }
  });

  it('keeps its caches bounded: many keys, many values of a key', () => {
    // A new value on every span (a request id): only the first few values of the key are cached.
    const requests = Array.from({ length: 300 }, (_, i) => span({ attributes: { 'cria.request_id': `req-${i}`, 'cria.status': i % 2 === 0, 'cria.n': i } }));
    const before = protobufEncodingCacheSizes().pairs;
    expectSameProtobuf(RESOURCE, requests);
    expectSameProtobuf(RESOURCE, requests.slice().reverse());
    expect(protobufEncodingCacheSizes().pairs - before).toBeLessThanOrEqual(16 + 2 + 16);
    // More keys and pairs than the caches hold: cleared when full, the bytes still the SDK's.
    for (let batch = 0; batch < 6; batch++) {
      const records = Array.from({ length: 100 }, (_, i) =>
        span({ attributes: Object.fromEntries(Array.from({ length: 10 }, (_, j) => [`key.${batch}.${i}.${j}`, j % 2 === 0 ? `value ${j}` : j])) }),
      );
      expectSameProtobuf(RESOURCE, records);
      const { keys, pairs } = protobufEncodingCacheSizes();
      expect(keys).toBeLessThanOrEqual(1024);
      expect(pairs).toBeLessThanOrEqual(4096);
    }
  });

  it('copies the ids of spans Cria\'s tracer made from its random bytes, as the SDK encodes their hex', () => {
    const spans: RecordingSpan[] = [];
    const tracer = new RecordingTracerProvider([{ onEnd: (ended) => spans.push(ended), forceFlush: async () => undefined, shutdown: async () => undefined }], null, resourceFromAttributes({})).getTracer('@cria/core');
    // Enough ids that the tracer draws new random bytes midway (256 span ids a draw).
    for (let request = 0; request < 150; request++) {
      const root = tracer.startSpan('request', { kind: SpanKind.SERVER });
      const child = tracer.startSpan('chat', {}, trace.setSpan(ROOT_CONTEXT, root));
      child.end();
      root.end();
    }
    const remote = new TraceContextPropagator().extract(new LinkedContext(ROOT_CONTEXT), { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }, { get: (carrier: Record<string, string>, key: string) => carrier[key], keys: (carrier: Record<string, string>) => Object.keys(carrier) });
    const server = tracer.startSpan('request', { kind: SpanKind.SERVER }, remote);
    tracer.startSpan('chat', {}, trace.setSpan(remote, server)).end();
    server.end();
    expect(spans.at(-1)!.traceIdBytes).toBeUndefined();
    expect(spans[0]!.traceIdBytes).toBeDefined();
    expectSameProtobuf(RESOURCE, spans);
  });

  it('returns bytes that the next call does not overwrite', () => {
    const first = encodeTraceExportProtobuf(RESOURCE, SPANS.slice(0, 1));
    const copy = Buffer.from(first);
    encodeTraceExportProtobuf(RESOURCE, SPANS.slice(1));
    expect(Buffer.from(first).equals(copy)).toBe(true);
  });
});

describe('encodeTraceExportJson', () => {
  it('encodes the same request as the SDK', () => {
    expectSameJson(RESOURCE, SPANS);
  });

  it('encodes an empty batch and long strings as the SDK does', () => {
    expectSameJson(RESOURCE, []);
    expectSameJson(RESOURCE, [span({ attributes: { long: 'é'.repeat(20_000) } })]);
  });
});
