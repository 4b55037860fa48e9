import { afterEach, describe, expect, it } from 'vitest';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { createLogger, StorageBackends } from '@cria/core';
import { temporaryDirectory } from '@cria/testing';
import { RecordingTracerProvider } from './telemetry-tracer.js';
import { TraceStore } from './trace-store.js';

const logger = createLogger('test', 100);

describe('TraceStore', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function open(retention: { maxAgeSeconds: number; maxTraces: number }) {
    const temp = temporaryDirectory();
    const backends = new StorageBackends({ sql: { type: 'sql_sqlite', db_path: `${temp.dir}/traces.db` } });
    const store = await TraceStore.open(await backends.sql({ backend: 'sql' }), 'telemetry', retention, logger);
    const provider = new RecordingTracerProvider([store], null, resourceFromAttributes({}));
    cleanups.push(temp.remove, () => backends.close(), () => provider.shutdown());
    return { store, tracer: provider.getTracer('test') };
  }

  it('keeps ended spans as traces, span trees and attribute queries', async () => {
    const { store, tracer } = await open({ maxAgeSeconds: 3600, maxTraces: 100 });
    const root = tracer.startSpan('POST /v1/chat/completions', { attributes: { 'http.route': '/v1/chat/completions', tenant: 'a' } });
    const rootContext = trace.setSpan(ROOT_CONTEXT, root);
    const child = tracer.startSpan('chat m', { attributes: { 'gen_ai.request.model': 'm' } }, rootContext);
    child.end();
    root.end();
    const other = tracer.startSpan('GET /v1/models', { attributes: { 'http.route': '/v1/models', tenant: 'b' } });
    other.end();
    const { traceId, spanId } = root.spanContext();
    const traces = await store.queryTraces({ attribute_filters: [{ key: 'tenant', op: 'eq', value: 'a' }] });
    expect(traces.data).toEqual([{ trace_id: traceId, root_span_id: spanId, start_time: expect.any(String), end_time: expect.any(String) }]);
    expect((await store.queryTraces({ attribute_filters: [{ key: 'tenant', op: 'ne', value: 'a' }] })).data.map((trace) => trace.trace_id)).toEqual([other.spanContext().traceId]);
    const tree = await store.getSpanTree(spanId, { attributes_to_return: ['gen_ai.request.model'] });
    expect(Object.values(tree.data).map((span) => [span.name, span.status, span.attributes])).toEqual([
      ['POST /v1/chat/completions', 'ok', {}],
      ['chat m', 'ok', { 'gen_ai.request.model': 'm' }],
    ]);
    expect((await store.getSpan(traceId, child.spanContext().spanId)).parent_span_id).toBe(spanId);
    await expect(store.getSpan(other.spanContext().traceId, child.spanContext().spanId)).rejects.toMatchObject({ kind: 'not_found' });
  });

  it('deletes the oldest traces past the retention\'s count, and those past its age', async () => {
    const { store, tracer } = await open({ maxAgeSeconds: 3600, maxTraces: 2 });
    const now = Date.now();
    const ids: string[] = [];
    for (const ageMs of [7_200_000, 30_000, 20_000, 10_000]) {
      const span = tracer.startSpan('request', { startTime: now - ageMs });
      span.end(now - ageMs + 5);
      ids.push(span.spanContext().traceId);
    }
    await store.flush();
    expect((await store.queryTraces({})).data).toHaveLength(4);
    await store.sweep();
    // The two-hour-old one is past the age; of the rest, the two newest are kept.
    expect((await store.queryTraces({})).data.map((trace) => trace.trace_id)).toEqual([ids[3], ids[2]]);
    await expect(store.getTrace(ids[0]!)).rejects.toMatchObject({ kind: 'not_found' });
    expect((await store.querySpans({ attribute_filters: [], attributes_to_return: [] })).data).toHaveLength(2);
  });

  it('logs events: a span start and end become a span of the store; a log line is kept', async () => {
    const { store } = await open({ maxAgeSeconds: 3600, maxTraces: 10 });
    const timestamp = new Date().toISOString();
    await store.logEvent({ event: { type: 'structured_log', trace_id: 't1', span_id: 's1', timestamp, payload: { type: 'span_start', name: 'agent turn' }, attributes: { session: 'x' } }, ttl_seconds: 60 });
    await store.logEvent({ event: { type: 'structured_log', trace_id: 't1', span_id: 's1', timestamp, payload: { type: 'span_end', status: 'error' } }, ttl_seconds: 60 });
    await store.logEvent({ event: { type: 'unstructured_log', trace_id: 't1', span_id: 's1', timestamp, message: 'hello', severity: 'info' }, ttl_seconds: 60 });
    expect(await store.getTrace('t1')).toMatchObject({ trace_id: 't1', root_span_id: 's1', end_time: timestamp });
    expect((await store.getSpanTree('s1', {})).data.s1).toMatchObject({ name: 'agent turn', status: 'error', attributes: { session: 'x' } });
  });
});
