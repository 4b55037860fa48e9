import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT_CONTEXT, SpanStatusCode, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ResponseObject } from '@cria/api';
import { StorageBackends } from '@cria/core';
import { temporaryDirectory } from '@cria/testing';
import { ResponsesStore } from './responses-store.js';

describe('responses store write-behind', () => {
  const temp = temporaryDirectory('cria-responses-store-');
  const storage = new StorageBackends({ sql_default: { type: 'sql_sqlite', db_path: join(temp.dir, 'sql.db') } });
  afterAll(async () => {
    await storage.close();
    temp.remove();
  });

  it('counts the writes not yet committed, with the age of the oldest, until they are', async () => {
    const store = new ResponsesStore(() => storage.sql({ backend: 'sql_default', table_name: 'responses' }), 'responses');
    expect(store.writeBehind()).toEqual({ records: 0, lagSeconds: 0 });
    const failures: Error[] = [];
    for (const id of ['resp_1', 'resp_2']) {
      const response = { id, object: 'response', created_at: 1_700_000_000, model: 'm', status: 'completed', output: [] } as unknown as ResponseObject;
      store.saveBehind({ response, input: [], messages: [] }, Date.now(), (error) => failures.push(error));
    }
    const behind = store.writeBehind();
    expect(behind.records).toBe(2);
    expect(behind.lagSeconds).toBeGreaterThanOrEqual(0);
    expect(behind.lagSeconds).toBeLessThan(5);
    await store.settle();
    expect(failures).toEqual([]);
    expect(store.writeBehind()).toEqual({ records: 0, lagSeconds: 0 });
    expect((await store.get('resp_2')).response.id).toBe('resp_2');
  });
});

describe('responses store: writes in a traced request', () => {
  const temp = temporaryDirectory('cria-responses-store-');
  const storage = new StorageBackends({ sql_default: { type: 'sql_sqlite', db_path: join(temp.dir, 'sql.db') } });
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  trace.setGlobalTracerProvider(provider);
  afterAll(async () => {
    trace.disable();
    await storage.close();
    temp.remove();
  });

  it('makes each write a span of the request, and an error when the write fails', async () => {
    const store = new ResponsesStore(() => storage.sql({ backend: 'sql_default', table_name: 'responses' }), 'responses');
    const request = provider.getTracer('test').startSpan('POST /v1/responses');
    const traceContext = trace.setSpan(ROOT_CONTEXT, request);
    const response = { id: 'resp_t', object: 'response', created_at: 1_700_000_000, model: 'm', status: 'completed', output: [] } as unknown as ResponseObject;
    const failures: Error[] = [];
    store.saveBehind({ response, input: [], messages: [] }, Date.now(), (error) => failures.push(error), traceContext);
    await store.settle();
    expect(failures).toEqual([]);
    const [write] = exporter.getFinishedSpans();
    expect(write!.name).toBe('INSERT responses');
    expect(write!.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    expect(write!.attributes).toEqual({ 'db.operation.name': 'INSERT', 'db.collection.name': 'responses', 'cria.store': 'responses', 'cria.response_id': 'resp_t', 'cria.response.status': 'completed' });
    expect(write!.status.code).toBe(SpanStatusCode.UNSET);

    // Untraced, a write makes no span.
    await store.save({ response, input: [], messages: [] }, Date.now());
    expect(exporter.getFinishedSpans()).toHaveLength(1);

    // A response no row can hold (its JSON cannot be written): the caller hears of it, and so does the span.
    const unwritable = { ...response, id: 'resp_bad', usage: { input_tokens: 1n } } as unknown as ResponseObject;
    store.saveBehind({ response: unwritable, input: [], messages: [] }, Date.now(), (error) => failures.push(error), traceContext);
    await store.settle();
    expect(failures).toHaveLength(1);
    const failed = exporter.getFinishedSpans()[1]!;
    expect(failed.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed.attributes['error.type']).toBe('store_write');
    expect(failed.events.map((event) => event.name)).toEqual(['exception']);
  });
});
