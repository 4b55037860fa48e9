import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ROOT_CONTEXT, SpanStatusCode, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ChatCompletion } from '@cria/api';
import { createLogger } from '../../logger.js';
import { StorageBackends } from '../../storage/storage-backends.js';
import { InferenceStore } from './inference-store.js';

function completion(id: string, model = 'p/m'): ChatCompletion {
  return { id, object: 'chat.completion', created: 1_700_000_000, model, choices: [{ index: 0, message: { role: 'assistant', content: `answer ${id}` }, finish_reason: 'stop' }] };
}

describe('inference store', () => {
  it('queues writes off the request path and shows them to readers at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cria-store-'));
    const storage = new StorageBackends({ sql: { type: 'sql_sqlite', db_path: join(dir, 'sql.db') } });
    const store = new InferenceStore(() => storage.sql({ backend: 'sql' }), createLogger('test', 100), { flushDelayMs: 60_000 });
    await store.initialize();
    for (let index = 0; index < 5; index++) store.record(completion(`c${index}`, index % 2 ? 'p/odd' : 'p/even'), [{ role: 'user', content: `q${index}` }]);
    // The write-behind's gauges: five records not yet written, the oldest waiting for some time.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const behind = store.writeBehind();
    expect(behind.records).toBe(5);
    expect(behind.lagSeconds).toBeGreaterThanOrEqual(0.015);
    expect(behind.lagSeconds).toBeLessThan(5);
    const page = await store.list({ limit: 2 });
    expect(store.writeBehind()).toEqual({ records: 0, lagSeconds: 0 });
    expect(page.data.map((entry) => entry.id)).toEqual(['c4', 'c3']);
    expect(page).toMatchObject({ object: 'list', first_id: 'c4', last_id: 'c3', has_more: true });
    const next = await store.list({ limit: 2, after: 'c3' });
    expect(next.data.map((entry) => entry.id)).toEqual(['c2', 'c1']);
    expect((await store.list({ order: 'asc', model: 'p/odd' })).data.map((entry) => entry.id)).toEqual(['c1', 'c3']);
    const stored = await store.get('c2');
    expect(stored.input_messages).toEqual([{ role: 'user', content: 'q2' }]);
    const messages = await store.listMessages('c2');
    expect(messages.data).toEqual([{ role: 'user', content: 'q2', id: 'c2-0' }]);
    await expect(store.get('missing')).rejects.toThrow(/not found/);

    // A duplicate id does not lose the other writes of its batch.
    store.record(completion('c0'), []);
    store.record(completion('c9'), []);
    expect((await store.get('c9')).id).toBe('c9');

    // Restarted, the store keeps its order.
    await store.close();
    const reopened = new InferenceStore(() => storage.sql({ backend: 'sql' }), createLogger('test', 100));
    await reopened.initialize();
    reopened.record(completion('c10'), []);
    expect((await reopened.list({ limit: 1 })).data[0]!.id).toBe('c10');
    await storage.close();
  });
});

describe('inference store: the write of a batch, traced', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  trace.setGlobalTracerProvider(provider);
  const requestTracer = provider.getTracer('test');
  afterEach(() => exporter.reset());
  afterAll(() => trace.disable());

  /** A traced request's context: its span, ended (the store writes after the request). */
  const tracedRequest = () => {
    const span = requestTracer.startSpan('POST /v1/chat/completions');
    span.end();
    return { span, traceContext: trace.setSpan(ROOT_CONTEXT, span) };
  };

  async function openStore(): Promise<{ store: InferenceStore; close: () => Promise<void> }> {
    const dir = mkdtempSync(join(tmpdir(), 'cria-store-'));
    const storage = new StorageBackends({ sql: { type: 'sql_sqlite', db_path: join(dir, 'sql.db') } });
    const store = new InferenceStore(() => storage.sql({ backend: 'sql' }), createLogger('test', 100), { flushDelayMs: 60_000 });
    await store.initialize();
    return { store, close: async () => { await store.close(); await storage.close(); } };
  }

  const writeSpans = () => exporter.getFinishedSpans().filter((span) => span.name === 'INSERT inference_store');

  it('is one span per batch, a child of its first traced request and linked to the others', async () => {
    const { store, close } = await openStore();
    const [first, second] = [tracedRequest(), tracedRequest()];
    store.record(completion('t1'), [], first.traceContext);
    store.record(completion('t2'), []);
    store.record(completion('t3'), [], second.traceContext);
    store.record(completion('t4'), [], first.traceContext);
    await store.flush();
    const [write, ...others] = writeSpans();
    expect(others).toEqual([]);
    expect(write!.spanContext().traceId).toBe(first.span.spanContext().traceId);
    expect(write!.parentSpanContext?.spanId).toBe(first.span.spanContext().spanId);
    expect(write!.links.map((link) => link.context.spanId)).toEqual([second.span.spanContext().spanId]);
    expect(write!.attributes).toEqual({ 'db.operation.name': 'INSERT', 'db.collection.name': 'inference_store', 'db.operation.batch.size': 4, 'cria.store': 'inference' });
    expect(write!.status.code).toBe(SpanStatusCode.UNSET);

    // A batch with no traced record makes no span.
    store.record(completion('u1'), []);
    await store.flush();
    expect(writeSpans()).toHaveLength(1);
    await close();
  });

  it('says when the batch was written row by row, and fails when a record could not be kept', async () => {
    const { store, close } = await openStore();
    store.record(completion('d1'), []);
    await store.flush();
    const request = tracedRequest();
    // A duplicate id: the batch is written again row by row, and nothing is lost.
    store.record(completion('d1'), [], request.traceContext);
    store.record(completion('d2'), [], request.traceContext);
    await store.flush();
    const [rewritten] = writeSpans();
    expect(rewritten!.attributes['cria.store.row_by_row']).toBe(true);
    expect(rewritten!.events.map((event) => event.name)).toEqual(['exception']);
    expect(rewritten!.status.code).toBe(SpanStatusCode.UNSET);
    expect((await store.get('d2')).id).toBe('d2');
    exporter.reset();

    // A record no row can hold (its JSON cannot be written) is lost: the span says so.
    const unwritable = { ...completion('bad'), usage: { prompt_tokens: 1n } } as unknown as ChatCompletion;
    store.record(unwritable, [], request.traceContext);
    store.record(completion('good'), [], request.traceContext);
    await store.flush();
    const [failed] = writeSpans();
    expect(failed!.status).toEqual({ code: SpanStatusCode.ERROR, message: '1 of 2 chat completions could not be stored' });
    expect(failed!.attributes['error.type']).toBe('store_write');
    expect((await store.get('good')).id).toBe('good');
    await close();
  });
});
