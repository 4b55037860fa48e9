import OpenAI, { toFile } from 'openai';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAIUpstream, startTestServer, temporaryDirectory, type TestServer, vectorStoresDistribution } from '@cria/testing';
import { batchesDistribution, chatLines } from '../../batches-reference/test/batches-distribution.js';
import { type McpTestServer, startMcpTestServer } from '../../tool-runtime-model-context-protocol/test/mcp-test-server.js';
import { OtlpReceiver, type ReceivedSpan } from './otlp-receiver.js';

const SERVER = 2;
const CLIENT = 3;
const STATUS_ERROR = 2;

/** Inference over the fake upstream, MCP tools, Responses, and telemetry with the trace store. */
function telemetryDistribution(upstreamUrl: string, dataDir: string): Record<string, unknown> {
  return {
    apis: ['inference', 'models', 'tool_runtime', 'responses', 'conversations', 'telemetry'],
    providers: {
      inference: [{ provider_id: 'openai', provider_type: 'remote::openai', config: { base_url: upstreamUrl, api_key: 'test-key' } }],
      tool_runtime: [{ provider_id: 'model-context-protocol', provider_type: 'remote::model-context-protocol', config: { connect_timeout_seconds: 2, call_timeout_seconds: 5 } }],
      responses: [{ provider_id: 'builtin', provider_type: 'inline::builtin', config: { persistence: { responses: { backend: 'sql_default', table_name: 'responses' } } } }],
      telemetry: [{ provider_id: 'meta-reference', provider_type: 'inline::meta-reference', config: { service_name: 'cria-test', sinks: 'sqlite', trace_store: { backend: 'sql_default', table_name: 'telemetry' } } }],
    },
    registered_resources: { models: [{ model_id: 'fake-llm', provider_id: 'openai', provider_model_id: 'fake-llm' }] },
    storage: {
      backends: {
        kv_default: { type: 'kv_sqlite', db_path: `${dataDir}/kvstore.db` },
        sql_default: { type: 'sql_sqlite', db_path: `${dataDir}/sql_store.db` },
      },
      stores: {
        metadata: { namespace: 'registry', backend: 'kv_default' },
        inference: { table_name: 'inference_store', backend: 'sql_default' },
        conversations: { table_name: 'openai_conversations', backend: 'sql_default' },
      },
    },
  };
}

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN_ID = '00f067aa0ba902b7';

function randomTraceId(): string {
  return [...crypto.getRandomValues(new Uint8Array(16))].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** The span named `name` among `spans`, exactly one. */
function one(spans: ReceivedSpan[], name: string): ReceivedSpan {
  const found = spans.filter((span) => span.name === name);
  expect(found.map((span) => span.name), `spans named ${name} among ${spans.map((span) => span.name).join(', ')}`).toEqual([name]);
  return found[0]!;
}

/** The inference store's write of a batch of chat completions, which a request's trace shows after the request's end. */
const STORE_WRITE = 'INSERT inference_store';

/** Whether a span is a store's write (`INSERT <table>`) that a request's reply does not wait for. */
const isStoreWrite = (span: ReceivedSpan) => span.name.startsWith('INSERT ') && span.attributes['cria.store'] !== undefined;

/**
 * The names of `parent`'s children. Store writes are left out unless asked for: they happen after
 * the reply, so an export may or may not hold them yet (the tests of them wait for them).
 */
function childrenOf(spans: ReceivedSpan[], parent: ReceivedSpan, options: { storeWrites?: boolean } = {}): string[] {
  return spans.filter((span) => span.parentSpanId === parent.spanId && (options.storeWrites || !isStoreWrite(span))).map((span) => span.name).sort();
}

/** The spans of a trace once the receiver has its request span and the store write named `write`. */
function traceWithStoreWrite(receiver: OtlpReceiver, traceId: string, write = STORE_WRITE): Promise<ReceivedSpan[]> {
  return receiver.eventually(() => {
    const found = receiver.trace(traceId);
    return found.some((span) => span.kind === SERVER) && found.some((span) => span.name === write) ? found : undefined;
  });
}

/** Exports one protocol's traces and metrics to the receiver through the OTEL_* variables. */
function otelEnv(receiver: OtlpReceiver, protocol: 'http/protobuf' | 'http/json' | 'grpc'): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: protocol === 'grpc' ? receiver.grpcUrl : receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
    OTEL_BSP_SCHEDULE_DELAY: '20',
    OTEL_METRIC_EXPORT_INTERVAL: '100',
  };
}

/** Sets process variables for a block of tests (the SDK's exporters read them when made) and restores them after. */
function withEnv(variables: () => Record<string, string>): void {
  const saved: Record<string, string | undefined> = {};
  beforeAll(() => {
    for (const [name, value] of Object.entries(variables())) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
  });
  afterAll(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
}

/**
 * The spans of a trace once work a request started in the background (`name`) and the request's
 * span have both arrived (the work may end first); the work's span is checked to be the request's child.
 */
async function backgroundWork(receiver: OtlpReceiver, traceId: string, name: string, requestName: string): Promise<{ spans: ReceivedSpan[]; work: ReceivedSpan }> {
  const spans = await receiver.eventually(() => {
    const found = receiver.trace(traceId);
    return found.some((span) => span.name === name) && found.some((span) => span.kind === SERVER) ? found : undefined;
  }, 15_000);
  const work = one(spans, name);
  expect(work.parentSpanId).toBe(one(spans, requestName).spanId);
  return { spans, work };
}

/** `distribution` with the telemetry provider (and its API, when the distribution lists its APIs). */
function withTelemetry(distribution: Record<string, unknown>): Record<string, unknown> {
  const { apis, providers } = distribution as { apis?: string[]; providers: Record<string, unknown> };
  const telemetry = [{ provider_id: 'meta-reference', provider_type: 'inline::meta-reference', config: { service_name: 'cria-test' } }];
  return { ...distribution, ...(apis ? { apis: [...apis, 'telemetry'] } : {}), providers: { ...providers, telemetry } };
}

/** The parts of a describe block's server: a fake upstream, a receiver and the server exporting to it. */
interface TelemetryServer {
  upstream: FakeOpenAIUpstream;
  receiver: OtlpReceiver;
  server: TestServer;
}

/**
 * Starts, for the describe block it is called in, a fake upstream, a receiver and a server of
 * `distribution` whose telemetry `variables` set; closes them after its tests.
 */
function withTelemetryServer(variables: (receiver: OtlpReceiver) => Record<string, string>, distribution: (upstreamUrl: string, dataDir: string) => Record<string, unknown>): TelemetryServer {
  const parts = {} as TelemetryServer;
  const data = temporaryDirectory();
  beforeAll(async () => {
    parts.upstream = await FakeOpenAIUpstream.start({ apiKey: 'test-key' });
    parts.receiver = await OtlpReceiver.start();
  });
  withEnv(() => variables(parts.receiver));
  beforeAll(async () => {
    parts.server = await startTestServer({ distribution: distribution(parts.upstream.url, data.dir), dataDir: data.dir });
  });
  afterAll(async () => {
    await parts.server?.close();
    await parts.receiver?.close();
    await parts.upstream?.close();
    data.remove();
  });
  return parts;
}

describe('telemetry over OTLP http/protobuf: span trees, metrics, the trace store', () => {
  let upstream: FakeOpenAIUpstream;
  let mcp: McpTestServer;
  let receiver: OtlpReceiver;
  let server: TestServer;
  let client: OpenAI;
  const data = temporaryDirectory();

  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start({ apiKey: 'test-key' });
    mcp = await startMcpTestServer({ transport: 'streamable_http' });
    receiver = await OtlpReceiver.start();
  });
  withEnv(() => otelEnv(receiver, 'http/protobuf'));
  beforeAll(async () => {
    server = await startTestServer({ distribution: telemetryDistribution(upstream.url, data.dir), dataDir: data.dir });
    client = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
  });

  afterAll(async () => {
    await server?.close();
    await mcp?.close();
    await receiver?.close();
    await upstream?.close();
    data.remove();
  });

  it('exports the span tree of a chat completion, continuing the caller\'s trace and passing it upstream', async () => {
    const completion = await client.chat.completions.create(
      { model: 'openai/fake-llm', messages: [{ role: 'user', content: 'Hello' }], max_tokens: 20 },
      { headers: { traceparent: `00-${TRACE_ID}-${CALLER_SPAN_ID}-01` } },
    );
    const spans = await traceWithStoreWrite(receiver, TRACE_ID);
    expect(receiver.encodings).toContain('application/x-protobuf');
    const request = one(spans, 'POST /v1/chat/completions');
    expect(request).toMatchObject({ kind: SERVER, parentSpanId: CALLER_SPAN_ID, statusCode: 0 });
    expect(request.resource['service.name']).toBe('cria-test');
    expect(request.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/v1/chat/completions',
      'http.response.status_code': 200,
      'cria.api': 'inference',
      'cria.streaming': false,
      'gen_ai.request.model': 'openai/fake-llm',
      'gen_ai.usage.input_tokens': completion.usage!.prompt_tokens,
      'gen_ai.usage.output_tokens': completion.usage!.completion_tokens,
    });
    expect(childrenOf(spans, request, { storeWrites: true })).toEqual([STORE_WRITE, 'chat openai/fake-llm', 'route model']);
    // The completion's write to the inference store, after the request: a child of the request's span.
    const storeWrite = one(spans, STORE_WRITE);
    expect(storeWrite).toMatchObject({ kind: CLIENT, statusCode: 0 });
    expect(storeWrite.attributes).toMatchObject({ 'db.operation.name': 'INSERT', 'db.collection.name': 'inference_store', 'db.operation.batch.size': 1, 'cria.store': 'inference' });
    const chat = one(spans, 'chat openai/fake-llm');
    expect(chat.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'openai/fake-llm',
      'gen_ai.request.max_tokens': 20,
      'gen_ai.usage.input_tokens': completion.usage!.prompt_tokens,
      'gen_ai.usage.output_tokens': completion.usage!.completion_tokens,
      'gen_ai.response.finish_reasons': ['stop'],
    });
    expect(childrenOf(spans, chat)).toEqual(['POST /chat/completions']);
    const upstreamCall = one(spans, 'POST /chat/completions');
    expect(upstreamCall).toMatchObject({ kind: CLIENT, statusCode: 0 });
    expect(upstreamCall.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.response.status_code': 200, 'server.address': '127.0.0.1', 'cria.provider_id': 'openai' });
    expect(upstreamCall.attributes['cria.upstream.time_to_first_byte_ms']).toBeGreaterThan(0);
    // The upstream was asked with the trace context of the upstream call's span.
    expect(upstream.lastRequest('/chat/completions')!.headers.traceparent).toBe(`00-${TRACE_ID}-${upstreamCall.spanId}-01`);
  });

  it('traces each batch the inference store writes once, under one of its requests and linked to the others', async () => {
    const traceIds = [randomTraceId(), randomTraceId(), randomTraceId()];
    // Made together, so that the store may write them in one batch (or not: the test holds either way).
    await Promise.all(traceIds.map((traceId) => client.chat.completions.create({ model: 'openai/fake-llm', messages: [{ role: 'user', content: 'Batch me' }] }, { headers: { traceparent: `00-${traceId}-${CALLER_SPAN_ID}-01` } })));
    const requests = await receiver.eventually(() => {
      const found = traceIds.map((traceId) => receiver.trace(traceId).find((span) => span.kind === SERVER));
      return found.every(Boolean) ? (found as ReceivedSpan[]) : undefined;
    });
    const writes = await receiver.eventually(() => {
      const found = receiver.spans.filter((span) => span.name === STORE_WRITE && traceIds.includes(span.traceId));
      const covered = (request: ReceivedSpan) => found.some((write) => write.parentSpanId === request.spanId || write.links.some((link) => link.spanId === request.spanId && link.traceId === request.traceId));
      return requests.every(covered) ? found : undefined;
    });
    // Every completion written once: the batches' sizes add up, and each request is a batch's parent or one of its links.
    expect(writes.reduce((sum, write) => sum + Number(write.attributes['db.operation.batch.size']), 0)).toBe(3);
    for (const write of writes) {
      const parent = requests.find((request) => request.spanId === write.parentSpanId)!;
      expect(parent, 'a store write is the child of one of its requests').toBeDefined();
      expect(write.traceId).toBe(parent.traceId);
      expect(write.links).toHaveLength(Number(write.attributes['db.operation.batch.size']) - 1);
    }
  });

  it('exports the span tree of a streamed chat completion, with the time to first token and the usage of its last chunk', async () => {
    const traceId = randomTraceId();
    const stream = await client.chat.completions.create(
      { model: 'openai/fake-llm', messages: [{ role: 'user', content: 'Stream to me' }], stream: true, stream_options: { include_usage: true } },
      { headers: { traceparent: `00-${traceId}-${CALLER_SPAN_ID}-01` } },
    );
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) usage = chunk.usage ?? usage;
    const spans = await receiver.eventually(() => {
      const found = receiver.trace(traceId);
      return found.some((span) => span.kind === SERVER) ? found : undefined;
    });
    const request = one(spans, 'POST /v1/chat/completions');
    expect(request.attributes).toMatchObject({ 'cria.streaming': true, 'http.response.status_code': 200, 'gen_ai.usage.output_tokens': usage!.completion_tokens });
    expect(request.attributes['gen_ai.server.time_to_first_token']).toBeGreaterThan(0);
    const chat = one(spans, 'chat openai/fake-llm');
    expect(chat.parentSpanId).toBe(request.spanId);
    expect(chat.attributes).toMatchObject({ 'cria.streaming': true, 'gen_ai.usage.output_tokens': usage!.completion_tokens });
    const upstreamCall = one(spans, 'POST /chat/completions');
    expect(upstreamCall.parentSpanId).toBe(chat.spanId);
    expect(upstreamCall.attributes['http.response.status_code']).toBe(200);
  });

  it('exports the span tree of a Responses turn that calls an MCP tool', async () => {
    const traceId = randomTraceId();
    const response = await client.responses.create(
      { model: 'openai/fake-llm', input: 'Please add these numbers', tools: [{ type: 'mcp', server_label: 'calc', server_url: mcp.url, require_approval: 'never', allowed_tools: ['add'] }] },
      { headers: { traceparent: `00-${traceId}-${CALLER_SPAN_ID}-01` } },
    );
    expect(response.output.some((item) => item.type === 'mcp_call')).toBe(true);
    const spans = await traceWithStoreWrite(receiver, traceId, 'INSERT responses');
    const request = one(spans, 'POST /v1/responses');
    expect(request.attributes).toMatchObject({ 'cria.api': 'responses', 'http.response.status_code': 200 });
    // The response kept in the Responses store after the reply, in the request's trace.
    const storeWrite = one(spans, 'INSERT responses');
    expect(storeWrite).toMatchObject({ kind: CLIENT, parentSpanId: request.spanId, statusCode: 0 });
    expect(storeWrite.attributes).toMatchObject({ 'db.operation.name': 'INSERT', 'db.collection.name': 'responses', 'cria.store': 'responses', 'cria.response_id': response.id, 'cria.response.status': 'completed' });
    const children = childrenOf(spans, request);
    // The tool listing, the model asked twice (the call, then the answer), the tool call between.
    expect(children.filter((name) => name === 'chat openai/fake-llm')).toHaveLength(2);
    expect(children).toContain('execute_tool add');
    const tool = one(spans, 'execute_tool add');
    expect(tool.attributes).toMatchObject({ 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'add' });
    const mcpCall = one(spans, 'tools/call add');
    expect(mcpCall).toMatchObject({ kind: CLIENT, parentSpanId: tool.spanId, statusCode: 0 });
    expect(mcpCall.attributes).toMatchObject({ 'mcp.method.name': 'tools/call', 'server.address': '127.0.0.1', 'cria.mcp.transport': 'streamable_http' });
    expect(spans.find((span) => span.name === 'tools/list')?.traceId).toBe(traceId);
    // Each model call reached the upstream in its own client span.
    for (const chat of spans.filter((span) => span.name === 'chat openai/fake-llm')) expect(childrenOf(spans, chat)).toEqual(['POST /chat/completions']);
  });

  it('exports a failed upstream call as errors, from the upstream span to the request\'s', async () => {
    const traceId = randomTraceId();
    upstream.fault({ kind: 'status', status: 500, message: 'the upstream broke' }, 1, '/chat/completions');
    const failure = await client.chat.completions
      .create({ model: 'openai/fake-llm', messages: [{ role: 'user', content: 'Hello' }] }, { headers: { traceparent: `00-${traceId}-${CALLER_SPAN_ID}-01` } })
      .catch((error: { status: number }) => error);
    expect((failure as { status: number }).status).toBe(502);
    const spans = await receiver.eventually(() => {
      const found = receiver.trace(traceId);
      return found.some((span) => span.kind === SERVER) ? found : undefined;
    });
    const request = one(spans, 'POST /v1/chat/completions');
    expect(request).toMatchObject({ statusCode: STATUS_ERROR, events: ['exception'] });
    expect(request.attributes).toMatchObject({ 'http.response.status_code': 502, 'error.type': 'upstream' });
    const chat = one(spans, 'chat openai/fake-llm');
    expect(chat).toMatchObject({ statusCode: STATUS_ERROR, parentSpanId: request.spanId });
    const upstreamCall = one(spans, 'POST /chat/completions');
    expect(upstreamCall).toMatchObject({ statusCode: STATUS_ERROR, parentSpanId: chat.spanId });
    expect(upstreamCall.attributes).toMatchObject({ 'http.response.status_code': 500, 'error.type': 'upstream' });
  });

  it('exports metrics over OTLP and serves them at /metrics, counting the requests made', async () => {
    const before = await prometheus(server);
    const count = (families: Family[], status: string) => sample(families, 'cria_http_requests_total', { method: 'POST', route: '/v1/chat/completions', status }) ?? 0;
    for (let index = 0; index < 3; index++) await client.chat.completions.create({ model: 'openai/fake-llm', messages: [{ role: 'user', content: 'Count me' }] });
    upstream.fault({ kind: 'status', status: 503, message: 'overloaded' }, 1, '/chat/completions');
    await client.chat.completions.create({ model: 'openai/fake-llm', messages: [{ role: 'user', content: 'Fail me' }] }).catch(() => undefined);
    const after = await prometheus(server);
    expect(count(after, '200') - count(before, '200')).toBe(3);
    expect(count(after, '502') - count(before, '502')).toBe(1);
    const upstreamErrors = (families: Family[]) => sample(families, 'cria_upstream_errors_total', { provider: 'openai', kind: 'upstream' }) ?? 0;
    expect(upstreamErrors(after) - upstreamErrors(before)).toBe(1);
    // The parser keeps no labels of histogram series: their counts are read off the text.
    const durations = (families: Family[]) => Number(/^cria_http_request_duration_seconds_count\{method="POST",route="\/v1\/chat\/completions"\} (\d+)$/m.exec(textOf(families))?.[1] ?? 0);
    expect(durations(after) - durations(before)).toBe(4);
    const tokens = (families: Family[], type: string) => sample(families, 'cria_tokens_total', { model: 'openai/fake-llm', provider: 'openai', type }) ?? 0;
    expect(tokens(after, 'input')).toBeGreaterThan(tokens(before, 'input'));
    expect(tokens(after, 'output')).toBeGreaterThan(tokens(before, 'output'));
    // The stack's gauges: the stores' write-behind, empty once written (a read flushes the
    // inference store; the responses store commits its last response shortly after replying).
    await fetch(`${server.url}/v1/chat/completions`);
    await expect.poll(async () => sample(await prometheus(server), 'cria_store_write_queue', { store: 'responses' }), { timeout: 5_000 }).toBe(0);
    const flushed = await prometheus(server);
    for (const store of ['inference', 'responses']) {
      expect(sample(flushed, 'cria_store_write_queue', { store }), store).toBe(0);
      expect(sample(flushed, 'cria_store_write_lag_seconds', { store }), store).toBe(0);
    }
    expect(family(flushed, 'cria_store_write_queue').type).toBe('GAUGE');
    // Streamed requests above recorded a time to first token.
    expect(Number(family(after, 'cria_time_to_first_token_seconds').metrics[0]!.buckets!['+Inf'])).toBeGreaterThan(0);
    // The same measurements reach the collector.
    const exported = await receiver.eventually(() => receiver.metrics.find((metric) => metric.name === 'http.server.request.duration' && metric.points.some((point) => point.attributes['http.route'] === '/v1/chat/completions')));
    expect(exported.points.find((point) => point.attributes['http.response.status_code'] === 200)!.value).toBeGreaterThan(0);
    expect(exported.temporality).toBe('cumulative');
    expect(await receiver.eventually(() => receiver.metrics.find((metric) => metric.name === 'gen_ai.client.token.usage'))).toBeDefined();
    // The stack's gauges go over OTLP too, as gauges (no temporality), a `_seconds` name as the unit.
    const writeQueue = await receiver.eventually(() => receiver.metrics.find((metric) => metric.name === 'cria.store_write_queue' && metric.points.some((point) => point.attributes.store === 'inference')));
    expect(writeQueue.temporality).toBeUndefined();
    expect(writeQueue.points.map((point) => point.attributes.store).sort()).toEqual(['inference', 'responses']);
    expect(await receiver.eventually(() => receiver.metrics.find((metric) => metric.name === 'cria.store_write_lag'))).toBeDefined();
  });

  it('keeps traces in the trace store and answers Llama Stack 0.2\'s queries', async () => {
    const traceId = randomTraceId();
    await client.chat.completions.create({ model: 'openai/fake-llm', messages: [{ role: 'user', content: 'Store me' }] }, { headers: { traceparent: `00-${traceId}-${CALLER_SPAN_ID}-01` } });
    await traceWithStoreWrite(receiver, traceId);
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${server.url}${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      return { status: response.status, body: (await response.json()) as any };
    };
    const trace = await call('GET', `/v1/telemetry/traces/${traceId}`);
    expect(trace.status).toBe(200);
    expect(trace.body).toMatchObject({ trace_id: traceId });
    const root = await call('GET', `/v1/telemetry/traces/${traceId}/spans/${trace.body.root_span_id}`);
    expect(root.body).toMatchObject({ trace_id: traceId, name: 'POST /v1/chat/completions', parent_span_id: CALLER_SPAN_ID });
    const tree = await call('POST', `/v1/telemetry/spans/${trace.body.root_span_id}/tree`, { attributes_to_return: ['gen_ai.request.model'] });
    const names = Object.values(tree.body.data as Record<string, { name: string; status: string; attributes: Record<string, unknown> }>).map((span) => span.name).sort();
    expect(names).toEqual([STORE_WRITE, 'POST /chat/completions', 'POST /v1/chat/completions', 'chat openai/fake-llm', 'route model']);
    expect(tree.body.data[trace.body.root_span_id]).toMatchObject({ status: 'ok', attributes: { 'gen_ai.request.model': 'openai/fake-llm' } });
    const shallow = await call('POST', `/v1/telemetry/spans/${trace.body.root_span_id}/tree`, { max_depth: 1 });
    expect(Object.keys(shallow.body.data)).toHaveLength(4);
    const queried = await call('POST', '/v1/telemetry/traces', { attribute_filters: [{ key: 'http.route', op: 'eq', value: '/v1/chat/completions' }], limit: 2 });
    expect(queried.body.data).toHaveLength(2);
    expect(queried.body.data[0].trace_id).toBe(traceId);
    const responsesOnly = await call('POST', '/v1/telemetry/traces', { attribute_filters: [{ key: 'http.route', op: 'eq', value: '/v1/responses' }] });
    expect(responsesOnly.body.data).toHaveLength(1);
    const spans = await call('POST', '/v1/telemetry/spans', { attribute_filters: [{ key: 'http.route', op: 'eq', value: '/v1/responses' }], attributes_to_return: ['gen_ai.tool.name'], max_depth: 1 });
    expect(spans.body.data.map((span: { name: string }) => span.name)).toContain('execute_tool add');
    expect(spans.body.data.find((span: { name: string }) => span.name === 'execute_tool add').attributes).toEqual({ 'gen_ai.tool.name': 'add' });
    expect((await call('GET', '/v1/telemetry/traces/0000')).status).toBe(404);
  });

  it('keeps the spans of concurrent Responses turns in their own trees, each upstream call carrying its own trace', async () => {
    // The trace context travels in each request's context. A turn starts spans after its awaits
    // (the tool call after the first model call, the second model call after the tool): turns
    // running at once must not adopt each other's spans. Last of its suite: it adds Responses
    // traces, and the tools are listed already.
    const traceIds = Array.from({ length: 6 }, () => randomTraceId());
    await Promise.all(
      traceIds.map((traceId) =>
        client.responses.create(
          { model: 'openai/fake-llm', input: 'Please add these numbers', tools: [{ type: 'mcp', server_label: 'calc', server_url: mcp.url, require_approval: 'never', allowed_tools: ['add'] }] },
          { headers: { traceparent: `00-${traceId}-${CALLER_SPAN_ID}-01` } },
        ),
      ),
    );
    for (const traceId of traceIds) {
      const spans = await receiver.eventually(() => {
        const found = receiver.trace(traceId);
        return found.some((span) => span.kind === SERVER) ? found : undefined;
      });
      const request = one(spans, 'POST /v1/responses');
      expect(request.parentSpanId).toBe(CALLER_SPAN_ID);
      const children = childrenOf(spans, request);
      expect(children.filter((name) => name === 'chat openai/fake-llm')).toHaveLength(2);
      expect(children).toContain('execute_tool add');
      expect(one(spans, 'tools/call add').parentSpanId).toBe(one(spans, 'execute_tool add').spanId);
      const upstreamCalls = spans.filter((span) => span.name === 'POST /chat/completions');
      expect(upstreamCalls).toHaveLength(2);
      for (const upstreamCall of upstreamCalls) {
        expect(upstream.requests.filter((recorded) => recorded.headers.traceparent === `00-${traceId}-${upstreamCall.spanId}-01`)).toHaveLength(1);
      }
    }
  });
});

type Family = { name: string; type: string; metrics: { value?: string; buckets?: Record<string, string>; labels?: Record<string, string> }[] };

const texts = new WeakMap<Family[], string>();

/** GET /metrics, parsed (the text is kept beside it). */
async function prometheus(server: TestServer): Promise<Family[]> {
  const response = await fetch(`${server.url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  const text = await response.text();
  const families = parsePrometheusTextFormat(text) as Family[];
  texts.set(families, text);
  return families;
}

function textOf(families: Family[]): string {
  return texts.get(families)!;
}

function family(families: Family[], name: string): Family {
  const found = families.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no metric ${name}`);
  return found;
}

function sample(families: Family[], name: string, labels: Record<string, string>): number | undefined {
  const found = families.find((candidate) => candidate.name === name)?.metrics.find((metric) => Object.entries(labels).every(([key, value]) => metric.labels?.[key] === value));
  return found ? Number(found.value) : undefined;
}

for (const protocol of ['http/json', 'grpc'] as const) {
  describe(`telemetry over OTLP ${protocol}`, () => {
    const parts = withTelemetryServer(
      (receiver) => otelEnv(receiver, protocol),
      (upstreamUrl, dataDir) => {
        const distribution = telemetryDistribution(upstreamUrl, dataDir) as { providers: Record<string, unknown> };
        distribution.providers.telemetry = [{ provider_id: 'meta-reference', provider_type: 'inline::meta-reference', config: { service_name: `cria-${protocol}` } }];
        return distribution;
      },
    );

    it('exports the chat completion\'s spans and metrics', async () => {
      const { server, receiver } = parts;
      const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
      const traceId = randomTraceId();
      await client.chat.completions.create({ model: 'openai/fake-llm', messages: [{ role: 'user', content: 'Hello' }] }, { headers: { traceparent: `00-${traceId}-${CALLER_SPAN_ID}-01` } });
      const spans = await receiver.eventually(() => {
        const found = receiver.trace(traceId);
        return found.some((span) => span.kind === SERVER) ? found : undefined;
      });
      expect(receiver.encodings[0]).toContain(protocol === 'grpc' ? 'grpc' : 'application/json');
      const request = one(spans, 'POST /v1/chat/completions');
      expect(request.resource['service.name']).toBe(`cria-${protocol}`);
      expect(childrenOf(spans, request)).toEqual(['chat openai/fake-llm', 'route model']);
      expect(childrenOf(spans, one(spans, 'chat openai/fake-llm'))).toEqual(['POST /chat/completions']);
      await receiver.eventually(() => receiver.metrics.find((metric) => metric.name === 'http.server.request.duration'));
    });
  });
}

describe('OTLP metrics as deltas (OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=delta)', () => {
  const parts = withTelemetryServer((receiver) => ({ ...otelEnv(receiver, 'http/protobuf'), OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'delta' }), telemetryDistribution);

  it('reports what changed since the last export, and leaves out what did not', async () => {
    const { server, receiver } = parts;
    const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
    const chat = () => client.chat.completions.create({ model: 'openai/fake-llm', messages: [{ role: 'user', content: 'Count me' }] });
    const exported = (name: string) => receiver.metrics.filter((metric) => metric.name === name);
    const requests = () =>
      exported('http.server.request.duration').flatMap((metric) => metric.points.filter((point) => point.attributes['http.route'] === '/v1/chat/completions').map((point) => point.value));
    await chat();
    await chat();
    await expect.poll(() => requests().reduce((sum, count) => sum + count, 0), { timeout: 5_000 }).toBe(2);
    await chat();
    // Each export counts the requests since the one before: they add up to the requests made, the last one alone.
    await expect.poll(() => requests().reduce((sum, count) => sum + count, 0), { timeout: 5_000 }).toBe(3);
    expect(requests().at(-1)).toBe(1);
    // Exports while nothing happens carry no point for the route.
    const exportsBefore = exported('http.server.request.duration').length;
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(requests().reduce((sum, count) => sum + count, 0)).toBe(3);
    expect(exported('http.server.request.duration').length).toBe(exportsBefore);
    for (const name of ['http.server.request.duration', 'gen_ai.client.token.usage']) {
      expect(exported(name).length, name).toBeGreaterThan(0);
      expect(exported(name).every((metric) => metric.temporality === 'delta'), name).toBe(true);
    }
  });
});

describe('telemetry of vector stores: a file\'s ingestion and chunk inserts', () => {
  const parts = withTelemetryServer(
    (receiver) => otelEnv(receiver, 'http/protobuf'),
    (upstreamUrl, dataDir) => withTelemetry(vectorStoresDistribution(upstreamUrl, dataDir)),
  );
  const client = () => new OpenAI({ baseURL: parts.server.baseURL, apiKey: 'none', maxRetries: 0 });

  it('traces the ingestion of a file attached in a traced request as a child of the request, with its steps', async () => {
    const { receiver, upstream } = parts;
    const openai = client();
    const uploadTraceId = randomTraceId();
    const file = await openai.files.create(
      { file: await toFile(Buffer.from('Llamas are members of the camelid family. '.repeat(40)), 'llamas.txt'), purpose: 'assistants' },
      { headers: { traceparent: `00-${uploadTraceId}-${CALLER_SPAN_ID}-01` } },
    );
    // The upload is a store write of its own.
    const uploadSpans = await receiver.eventually(() => {
      const found = receiver.trace(uploadTraceId);
      return found.some((span) => span.kind === SERVER) ? found : undefined;
    });
    expect(childrenOf(uploadSpans, one(uploadSpans, 'POST /v1/files'))).toEqual(['upload_file']);
    expect(one(uploadSpans, 'upload_file').attributes).toMatchObject({ 'cria.file_id': file.id, 'cria.file.bytes': file.bytes, 'cria.file.purpose': 'assistants' });

    const store = await openai.vectorStores.create({ name: 'traced' });
    const traceId = randomTraceId();
    await openai.vectorStores.files.create(store.id, { file_id: file.id }, { headers: { traceparent: `00-${traceId}-${CALLER_SPAN_ID}-01` } });
    const { spans, work: ingestion } = await backgroundWork(receiver, traceId, 'ingest_file', 'POST /v1/vector_stores/{vector_store_id}/files');
    expect(ingestion.attributes).toMatchObject({ 'cria.vector_store_id': store.id, 'cria.file_id': file.id, 'cria.vector_store_file.status': 'completed', 'cria.chunks': 1 });
    expect(childrenOf(spans, ingestion)).toEqual(['embeddings openai/fake-embedding', 'extract_chunks', 'insert_chunks', 'route model']);
    expect(one(spans, 'extract_chunks').attributes).toMatchObject({ 'cria.file_id': file.id, 'cria.file_processor': 'builtin', 'cria.chunks': 1 });
    expect(one(spans, 'insert_chunks').attributes).toMatchObject({ 'cria.vector_store_id': store.id, 'cria.provider_id': 'sqlite-vec', 'cria.chunks': 1 });
    // The embeddings call reaches the upstream in the same trace.
    const embeddings = one(spans, 'embeddings openai/fake-embedding');
    expect(childrenOf(spans, embeddings)).toEqual(['POST /embeddings']);
    expect(upstream.requests.at(-1)!.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-`));
    expect((await openai.vectorStores.files.retrieve(file.id, { vector_store_id: store.id })).status).toBe('completed');

    // A file that cannot be ingested: the span says why.
    const empty = await openai.files.create({ file: await toFile(Buffer.from('   '), 'empty.txt'), purpose: 'assistants' });
    const failedTraceId = randomTraceId();
    await openai.vectorStores.files.create(store.id, { file_id: empty.id }, { headers: { traceparent: `00-${failedTraceId}-${CALLER_SPAN_ID}-01` } });
    const failed = await receiver.eventually(() => receiver.trace(failedTraceId).find((span) => span.name === 'ingest_file'), 10_000);
    expect(failed).toMatchObject({ statusCode: STATUS_ERROR, attributes: { 'cria.vector_store_file.status': 'failed', 'error.type': 'invalid_file' } });
  });

  it('traces a chunk insert as a store write, with its embeddings call', async () => {
    const { receiver, server } = parts;
    const openai = client();
    const store = await openai.vectorStores.create({ name: 'inserts' });
    const traceId = randomTraceId();
    const response = await fetch(`${server.baseURL.replace(/\/v1$/, '')}/v1/vector-io/insert`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${CALLER_SPAN_ID}-01` },
      body: JSON.stringify({ vector_store_id: store.id, chunks: [{ content: 'Alpacas are smaller than llamas.', metadata: { document_id: 'doc-1' } }] }),
    });
    expect(response.status).toBe(204);
    const spans = await receiver.eventually(() => {
      const found = receiver.trace(traceId);
      return found.some((span) => span.kind === SERVER) ? found : undefined;
    });
    const request = one(spans, 'POST /v1/vector-io/insert');
    expect(childrenOf(spans, request)).toEqual(['embeddings openai/fake-embedding', 'insert_chunks', 'route model']);
    expect(one(spans, 'insert_chunks').attributes).toMatchObject({ 'cria.vector_store_id': store.id, 'cria.provider_id': 'sqlite-vec', 'cria.chunks': 1 });
  });
});

describe('telemetry of batches: a batch created in a traced request', () => {
  const parts = withTelemetryServer(
    (receiver) => otelEnv(receiver, 'http/protobuf'),
    (upstreamUrl, dataDir) => withTelemetry(batchesDistribution(upstreamUrl, dataDir)),
  );

  it('runs it in a process_batch span under the request\'s, with its lines\' model calls and its output files as children', async () => {
    const { receiver, server } = parts;
    const openai = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
    const input = await openai.files.create({ file: await toFile(Buffer.from(`${chatLines(['a', 'b'])}\n${chatLines(['c'], 'retired-llm')}`), 'input.jsonl'), purpose: 'batch' });
    const traceId = randomTraceId();
    const created = await openai.batches.create({ input_file_id: input.id, endpoint: '/v1/chat/completions', completion_window: '24h' }, { headers: { traceparent: `00-${traceId}-${CALLER_SPAN_ID}-01` } });
    const { spans, work: batch } = await backgroundWork(receiver, traceId, 'process_batch', 'POST /v1/batches');
    expect(batch.attributes).toMatchObject({ 'cria.batch_id': created.id, 'cria.batch.endpoint': '/v1/chat/completions', 'cria.file_id': input.id, 'cria.batch.status': 'completed', 'cria.batch.completed': 2, 'cria.batch.failed': 1 });
    const children = childrenOf(spans, batch);
    expect(children.filter((name) => name.startsWith('chat '))).toEqual(['chat openai/fake-llm', 'chat openai/fake-llm', 'chat openai/retired-llm']);
    expect(children.filter((name) => name === 'upload_file')).toHaveLength(2);
    // The failed line's upstream call ends with its status.
    const failedCall = spans.find((span) => span.name === 'chat openai/retired-llm')!;
    expect(failedCall.statusCode).toBe(STATUS_ERROR);
    expect((await openai.batches.retrieve(created.id)).status).toBe('completed');
  });
});

/** The builtin eval provider with telemetry, its benchmark `echo-bench` over `rows` answered by the upstream's fake-llm. */
function evalDistribution(upstreamUrl: string, rows: Record<string, string>[]): Record<string, unknown> {
  return withTelemetry({
    providers: {
      inference: [{ provider_id: 'openai', provider_type: 'remote::openai', config: { base_url: upstreamUrl, api_key: 'test-key' } }],
      datasetio: [{ provider_id: 'localfs', provider_type: 'inline::localfs', config: { kvstore: { backend: 'kv_default' } } }],
      scoring: [{ provider_id: 'basic', provider_type: 'inline::basic' }],
      eval: [{ provider_id: 'builtin', provider_type: 'inline::builtin', config: { kvstore: { backend: 'kv_default', namespace: 'eval' } } }],
    },
    registered_resources: {
      models: [{ model_id: 'fake-llm', provider_id: 'openai', model_type: 'llm' }],
      datasets: [{ dataset_id: 'questions', provider_id: 'localfs', purpose: 'eval/question-answer', source: { type: 'rows', rows } }],
      benchmarks: [{ benchmark_id: 'echo-bench', dataset_id: 'questions', scoring_functions: ['basic::equality'] }],
    },
  });
}

describe('telemetry of eval jobs: a job started in a traced request', () => {
  const parts = withTelemetryServer(
    (receiver) => otelEnv(receiver, 'http/protobuf'),
    (upstreamUrl) => evalDistribution(upstreamUrl, [{ input_query: 'one', expected_answer: 'Echo: one' }, { input_query: 'two', expected_answer: 'x' }]),
  );

  it('runs it in a run_eval span under the request\'s, with its generations as children', async () => {
    const { receiver, server } = parts;
    const traceId = randomTraceId();
    const started = await fetch(`${server.url}/v1alpha/eval/benchmarks/echo-bench/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${CALLER_SPAN_ID}-01` },
      body: JSON.stringify({ benchmark_config: { eval_candidate: { type: 'model', model: 'openai/fake-llm', sampling_params: { strategy: { type: 'greedy' }, max_tokens: 16 } } } }),
    });
    expect(started.status).toBe(200);
    const job = (await started.json()) as { job_id: string };
    const { spans, work: run } = await backgroundWork(receiver, traceId, 'run_eval', 'POST /v1alpha/eval/benchmarks/{benchmark_id}/jobs');
    expect(run.attributes).toMatchObject({ 'cria.eval.job_id': job.job_id, 'cria.benchmark_id': 'echo-bench', 'cria.dataset_id': 'questions', 'cria.eval.status': 'completed', 'cria.eval.rows_done': 2 });
    expect(childrenOf(spans, run).filter((name) => name.startsWith('chat '))).toEqual(['chat openai/fake-llm', 'chat openai/fake-llm']);
  });
});

describe('telemetry of work resumed after a restart: it continues the trace of the request that started it', () => {
  let upstream: FakeOpenAIUpstream;
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    upstream = await FakeOpenAIUpstream.start({ apiKey: 'test-key' });
    receiver = await OtlpReceiver.start();
  });
  withEnv(() => otelEnv(receiver, 'http/protobuf'));
  afterAll(async () => {
    await receiver?.close();
    await upstream?.close();
  });

  /**
   * Starts work in a traced request (`start`) while the model hangs (its upstream path `modelPath`),
   * stops the server once the work has called it, and serves the same data again: the resumed work
   * runs a second `name` span. Returns the trace's spans, with the request's and both runs.
   */
  async function acrossRestart(distributionIn: (dataDir: string) => Record<string, unknown>, start: (server: TestServer, traceparent: string) => Promise<void>, name: string, requestName: string, modelPath = '/chat/completions') {
    const data = temporaryDirectory();
    const traceId = randomTraceId();
    const distribution = distributionIn(data.dir);
    let server = await startTestServer({ distribution, dataDir: data.dir });
    try {
      upstream.fault({ kind: 'hang' }, 1, modelPath);
      await start(server, `00-${traceId}-${CALLER_SPAN_ID}-01`);
      await receiver.eventually(() => upstream.requests.some((request) => request.path === modelPath && String(request.headers.traceparent).includes(traceId)) || undefined, 10_000);
      await server.close();
      server = await startTestServer({ distribution, dataDir: data.dir });
      const spans = await receiver.eventually(() => {
        const found = receiver.trace(traceId);
        return found.filter((span) => span.name === name).length === 2 ? found : undefined;
      }, 15_000);
      const request = one(spans, requestName);
      const runs = spans.filter((span) => span.name === name);
      expect(runs.map((span) => span.parentSpanId)).toEqual([request.spanId, request.spanId]);
      return { spans, interrupted: runs[0]!, resumed: runs[1]! };
    } finally {
      await server.close();
      data.remove();
    }
  }

  it('a batch: its resumed run is a process_batch span under the creating request\'s, with the lines it had left', async () => {
    const { spans, interrupted, resumed } = await acrossRestart(
      (dataDir) => withTelemetry(batchesDistribution(upstream.url, dataDir)),
      async (server, traceparent) => {
        const openai = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
        const input = await openai.files.create({ file: await toFile(Buffer.from(chatLines(['a'])), 'input.jsonl'), purpose: 'batch' });
        await openai.batches.create({ input_file_id: input.id, endpoint: '/v1/chat/completions', completion_window: '24h' }, { headers: { traceparent } });
      },
      'process_batch',
      'POST /v1/batches',
    );
    expect(interrupted.attributes).toMatchObject({ 'cria.batch.status': 'in_progress', 'cria.batch.completed': 0 });
    expect(resumed.attributes).toMatchObject({ 'cria.batch.status': 'completed', 'cria.batch.completed': 1 });
    expect(childrenOf(spans, resumed).filter((name) => name.startsWith('chat '))).toEqual(['chat openai/fake-llm']);
  });

  it('an eval job: its resumed run is a run_eval span under the starting request\'s', async () => {
    const { spans, interrupted, resumed } = await acrossRestart(
      () => evalDistribution(upstream.url, [{ input_query: 'one', expected_answer: 'Echo: one' }]),
      async (server, traceparent) => {
        const started = await fetch(`${server.url}/v1alpha/eval/benchmarks/echo-bench/jobs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', traceparent },
          body: JSON.stringify({ benchmark_config: { eval_candidate: { type: 'model', model: 'openai/fake-llm', sampling_params: { strategy: { type: 'greedy' }, max_tokens: 16 } } } }),
        });
        expect(started.status).toBe(200);
      },
      'run_eval',
      'POST /v1alpha/eval/benchmarks/{benchmark_id}/jobs',
    );
    expect(interrupted.attributes).toMatchObject({ 'cria.eval.status': 'interrupted', 'cria.eval.rows_done': 0 });
    expect(resumed.attributes).toMatchObject({ 'cria.eval.status': 'completed', 'cria.eval.rows_done': 1 });
    expect(childrenOf(spans, resumed).filter((name) => name.startsWith('chat '))).toEqual(['chat openai/fake-llm']);
  });

  it('a vector store file: its resumed ingestion is an ingest_file span under the attaching request\'s', async () => {
    let fileId = '';
    const { spans, resumed } = await acrossRestart(
      (dataDir) => withTelemetry(vectorStoresDistribution(upstream.url, dataDir)),
      async (server, traceparent) => {
        const openai = new OpenAI({ baseURL: server.baseURL, apiKey: 'none', maxRetries: 0 });
        const file = await openai.files.create({ file: await toFile(Buffer.from('Llamas are members of the camelid family. '.repeat(40)), 'llamas.txt'), purpose: 'assistants' });
        fileId = file.id;
        const store = await openai.vectorStores.create({ name: 'resumed' });
        await openai.vectorStores.files.create(store.id, { file_id: file.id }, { headers: { traceparent } });
      },
      'ingest_file',
      'POST /v1/vector_stores/{vector_store_id}/files',
      '/embeddings',
    );
    expect(resumed.attributes).toMatchObject({ 'cria.file_id': fileId, 'cria.vector_store_file.status': 'completed', 'cria.chunks': 1 });
    expect(childrenOf(spans, resumed)).toContain('embeddings openai/fake-embedding');
  });
});
